import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../lib/render/yaml.ts';
import { releaseOrderJson } from '../../lib/release/json.ts';
import { releaseOrderMarkdown } from '../../lib/release/markdown.ts';
import { StaleManifestsError, buildReleaseOrder } from '../../lib/release/order.ts';
import { service } from '../fixture.ts';
import { BOB, History } from './history.ts';

describe('deletion guard', () => {
  let h: History;
  let main: string;

  beforeAll(async () => {
    h = await History.create({
      'claims-api': service('claims-api'),
      'claims-legacy': service('claims-legacy'),
      'quote-api': service('quote-api'),
      'policy-admin': service('policy-admin'),
      'archive-api': service('archive-api', { namespace: 'archive', environments: ['dev'] }),
    });
    main = h.sha('HEAD');
  }, 120_000);

  afterAll(() => h.cleanup());

  /** A branch off main with `change` committed (its message ending with `trailers`); returns its head. */
  async function branch(name: string, change: () => void | Promise<void>, trailers = ''): Promise<string> {
    h.checkout('main');
    h.checkout(name, true);
    await change();
    return h.commit(`Change: ${name}${trailers ? `\n\n${trailers}` : ''}`);
  }

  it('GIVEN an app removed everywhere WHEN ordered THEN prod and dr refuse it (app removal and share), other environments allow it', async () => {
    // Removing an app everywhere at once skips the chain: the trailer lets it through, the deletion guard still judges.
    const head = await branch(
      'remove-legacy',
      async () => {
        h.removeApp('claims-legacy');
        await h.synth();
      },
      'Chain-Override: claims-legacy is retired from every environment at once',
    );
    const order = await buildReleaseOrder(h.root, main, head);
    expect(order.chain.ok).toBe(true);
    expect(order.chain.violations.map((v) => `${v.env}<${v.upstream}`)).toEqual([
      'sit<dev',
      'uat<sit',
      'staging<uat',
      'prod<staging',
      'dr<staging',
    ]);
    expect(order.guard.blocked).toBe(true);
    expect(order.guard.violations.map((v) => `${v.env} ${v.rule}`)).toEqual([
      'prod app-removal',
      'prod removed-share',
      'dr app-removal',
      'dr removed-share',
    ]);
    expect(order.guard.violations[0]!.message).toBe(
      'removes app(s) claims-legacy from prod, whose policy refuses app removal',
    );
    expect(order.guard.violations[1]!.message).toMatch(
      /^removes 5 of \d+ objects of prod \(\d+(\.\d)?%\), more than the 10% its policy allows$/,
    );
    expect(order.changes.filter((c) => c.env === 'prod').every((c) => c.kind === 'removed' && c.risk === 'high')).toBe(
      true,
    );
    expect(order.changes.filter((c) => c.env === 'dev').every((c) => c.risk === 'medium')).toBe(true);
    const md = releaseOrderMarkdown(order)[0]!;
    expect(md.indexOf('Refused by the release guards')).toBeLessThan(md.indexOf('| Environment |'));
  });

  it('GIVEN the same removal with a Release-Override trailer WHEN ordered THEN it stays refused and the trailer is shown as a request', async () => {
    h.checkout('remove-legacy');
    h.git(
      [
        'commit',
        '-q',
        '--allow-empty',
        '-m',
        'Retire claims-legacy\n\nRelease-Override: remove claims-legacy from prod and dr (replaced by claims-api 2.x)',
      ],
      BOB,
    );
    const order = await buildReleaseOrder(h.root, main, 'HEAD');
    expect(order.guard.blocked).toBe(true);
    expect(order.guard.violations).toHaveLength(4);
    expect(order.guard.violations.every((v) => v.overridable)).toBe(true);
    expect(order.guard.requests).toEqual([
      {
        text: 'remove claims-legacy from prod and dr (replaced by claims-api 2.x)',
        commit: h.sha('HEAD'),
        author: BOB.name,
      },
    ]);
    const md = releaseOrderMarkdown(order)[0]!;
    expect(md).toContain('An override is granted only by an approver of prod, dr');
    expect(md).toContain(
      `> - requested in commit \`${h.sha('HEAD').slice(0, 7)}\` by ${BOB.name}: remove claims-legacy from prod and dr (replaced by claims-api 2.x)`,
    );
    expect(JSON.parse(releaseOrderJson(order))).toMatchObject({
      blocked: true,
      guard: { requests: [{ text: 'remove claims-legacy from prod and dr (replaced by claims-api 2.x)' }] },
    });
  });

  it('GIVEN the only app of a namespace removed WHEN ordered THEN the namespace removal is refused', async () => {
    const head = await branch('remove-archive', async () => {
      h.removeApp('archive-api');
      await h.synth();
    });
    const order = await buildReleaseOrder(h.root, main, head);
    expect(order.guard.violations).toEqual([
      {
        env: 'dev',
        rule: 'namespace-removal',
        message: 'removes 1 namespace(s) from dev, deleting everything in them',
        objects: ['v1/Namespace//archive'],
        overridable: true,
      },
    ]);
    expect(order.guard.blocked).toBe(true);
  });

  it('GIVEN a PersistentVolumeClaim removed WHEN ordered THEN it is refused', async () => {
    const claim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'scanner-cache', namespace: 'claims' },
      spec: { accessModes: ['ReadWriteOnce'] },
    };
    const base = await branch('add-claim', () => {
      h.write('manifests/dev/apps/scanner-cache.yaml', toYaml([claim]));
      h.list('dev', 'apps/scanner-cache.yaml');
    });
    h.remove('manifests/dev/apps/scanner-cache.yaml');
    h.list('dev', 'apps/scanner-cache.yaml', false);
    const head = h.commit('Drop the scanner cache claim');
    const order = await buildReleaseOrder(h.root, base, head);
    expect(order.guard.violations.map((v) => [v.env, v.rule, v.objects])).toEqual([
      ['dev', 'volume-claim-removal', ['v1/PersistentVolumeClaim/claims/scanner-cache']],
    ]);
  });

  it('GIVEN an environment whose manifests are all deleted WHEN ordered THEN the empty head render is refused', async () => {
    const head = await branch('wipe-sit', () => h.remove('manifests/sit'));
    const order = await buildReleaseOrder(h.root, main, head);
    expect(order.guard.violations.map((v) => [v.env, v.rule, v.message])).toEqual([
      ['sit', 'empty-render', 'the head render of sit is empty: every object would be deleted'],
      ['sit', 'namespace-removal', 'removes 2 namespace(s) from sit, deleting everything in them'],
    ]);
  });

  it('GIVEN a manifest that does not parse at head WHEN ordered THEN the broken render is refused', async () => {
    const head = await branch('broken-yaml', () => h.write('manifests/uat/apps/quote-api.yaml', 'kind: [unclosed\n'));
    const order = await buildReleaseOrder(h.root, main, head);
    expect(order.guard.violations.map((v) => [v.env, v.rule, v.objects])).toEqual([
      ['uat', 'broken-render', ['manifests/uat/apps/quote-api.yaml']],
    ]);
    expect(order.guard.violations[0]!.message).toContain('manifests/uat/apps/quote-api.yaml: invalid YAML');
  });

  it("GIVEN more than the environment's share removed by hand WHEN ordered THEN the share is refused", async () => {
    const head = await branch('thin-uat', () => {
      for (const file of ['apps/quote-api.yaml', 'apps/policy-admin.yaml', 'platform/event-audit.yaml']) {
        h.remove(`manifests/uat/${file}`);
        h.list('uat', file, false);
      }
    });
    const order = await buildReleaseOrder(h.root, main, head);
    expect(order.guard.violations.map((v) => `${v.env} ${v.rule}`)).toEqual(['uat removed-share']);
    expect(order.guard.violations[0]!.message).toMatch(/more than the 30% its policy allows$/);
  });

  it('fails clearly with --verify when the head changed a spec but not its manifests, and passes when they match', async () => {
    const head = await branch('stale', () => h.pin('dev', 'quote-api', '1.2.0'));
    await expect(buildReleaseOrder(h.root, main, head, { verify: true })).rejects.toThrow(StaleManifestsError);
    await expect(buildReleaseOrder(h.root, main, head, { verify: true })).rejects.toThrow(
      /stale against its apps\/ and environments\/[\s\S]*changed {2}dev\/apps\/quote-api\.yaml/,
    );
    const fresh = await buildReleaseOrder(h.root, main, 'remove-archive', { verify: true });
    expect(fresh.verified).toBe('fresh');
  }, 60_000);

  it('GIVEN a head whose specs do not render WHEN ordered with --verify THEN the failed render is refused', async () => {
    const head = await branch('bad-spec', () => h.setApp('quote-api', { ...service('quote-api'), replica: 3 }));
    const order = await buildReleaseOrder(h.root, main, head, { verify: true });
    expect(order.verified).toBe('failed');
    expect(order.guard.blocked).toBe(true);
    expect(order.guard.violations).toEqual([
      expect.objectContaining({
        env: '*',
        rule: 'broken-render',
        message: expect.stringContaining(
          "apps/quote-api.ts: 'replica' (3): unknown field. Fix: did you mean 'replicas'?",
        ),
      }),
    ]);
  }, 60_000);
});
