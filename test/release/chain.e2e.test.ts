import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditMarkdown, auditReleases } from '../../lib/release/audit.ts';
import { parseReleaseOrder } from '../../lib/release/document.ts';
import { findExceptions } from '../../lib/release/exceptions.ts';
import { releaseOrderJson } from '../../lib/release/json.ts';
import { releaseOrderMarkdown } from '../../lib/release/markdown.ts';
import { buildReleaseOrder, type ReleaseOrder } from '../../lib/release/order.ts';
import { runCli } from '../cli/run-cli.ts';
import { service } from '../fixture.ts';
import { ALICE, History } from './history.ts';

/** A Wednesday outside every freeze window of the fixture environments, well past every soak time. */
const NOW = new Date('2026-03-11T10:00:00Z');

const REASON = 'incident 4711: the intake fix must reach sit with dev';

/** `sit<dev` for each violation. */
function steps(order: ReleaseOrder): string[] {
  return order.chain.violations.map((v) => `${v.env}<${v.upstream} ${v.apps.join(',')}`);
}

describe('the chain rule: one pull request, one step of the chain', () => {
  let h: History;
  let main: string;

  beforeAll(async () => {
    h = await History.create({
      'claims-api': service('claims-api'),
      'quote-api': service('quote-api', { team: 'pricing' }),
      'intake-api': service('intake-api', { environments: ['dev', 'sit'] }),
    });
    // What runs where on main: dev ahead with quote-api, uat with newer builds, staging with claims-api 1.1.0.
    h.pin('dev', 'quote-api', '1.3.0');
    h.pin('uat', 'claims-api', '1.2.0');
    h.pin('uat', 'quote-api', '1.1.0');
    h.pin('staging', 'claims-api', '1.1.0');
    await h.synth();
    main = h.commit('Versions on main');
  }, 120_000);

  afterAll(() => h.cleanup());

  /** A branch off main with `change` rendered and committed with `message`; returns its head. */
  async function branch(name: string, change: () => void, message = `Change: ${name}`): Promise<string> {
    h.checkout('main');
    h.checkout(name, true);
    change();
    await h.synth();
    return h.commit(message);
  }

  /** An edit of intake-api's spec, which renders in dev and sit. */
  const editIntake = (): void =>
    h.setApp('intake-api', { ...service('intake-api', { environments: ['dev', 'sit'] }), env: { LOG_LEVEL: 'debug' } });

  it('GIVEN a spec edit that changes dev and sit WHEN ordered THEN the chain rule refuses it, naming the environments and the app', async () => {
    const head = await branch('dev-and-sit', editIntake);
    const order = await buildReleaseOrder(h.root, main, head, { now: NOW });
    expect(order.environments.map((e) => e.env)).toEqual(['dev', 'sit']);
    expect(order.chain).toEqual({ ok: false, violations: [{ env: 'sit', upstream: 'dev', apps: ['intake-api'] }] });
    expect(order.guard.blocked).toBe(true);
    expect(order.guard.violations).toEqual([
      {
        env: 'sit',
        rule: 'chain',
        message:
          'sit and its upstream dev both change in this pull request (intake-api); one pull request, one step of the chain',
        objects: ['manifests/dev/', 'manifests/sit/'],
        overridable: false,
      },
    ]);
    const md = releaseOrderMarkdown(order)[0]!;
    expect(md).toContain('**Refused: one pull request, one step of the chain** (rule `chain`)');
    expect(md).toContain('> - **sit** changes with its upstream **dev**: intake-api');
    expect(md).toContain('`npm run -s promote -- <app> --to <env>`');
    expect(md).toContain('`Chain-Override: <reason>`');
    // Listed once, in the chain's own section, not again among the other guards' refusals.
    expect(md).not.toContain('Refused by the release guards');

    // THEN the CLI exits 1 with the rule, the environments, the app and the fix; its JSON carries the verdict.
    const cli = runCli(h.root, ['release-order', '--base', main, '--head', head, '--at', NOW.toISOString()]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(
      '  - sit [chain]: sit and its upstream dev both change in this pull request (intake-api); one pull request, one step of the chain',
    );
    expect(cli.stderr).toContain('The chain rule: one pull request, one step of the chain');
    expect(cli.stderr).toContain('npm run -s promote -- <app> --to <env>');
    expect(cli.stderr).toContain('platform feature');
    expect(cli.stderr).toContain('`Chain-Override: <reason>`');
    const json = runCli(h.root, ['release-order', '--base', main, '--head', head, '--format', 'json']);
    expect(json.code).toBe(1);
    expect(parseReleaseOrder(json.stdout, 'stdout').chain).toEqual({
      ok: false,
      violations: [{ env: 'sit', upstream: 'dev', apps: ['intake-api'] }],
    });
  });

  it('GIVEN a change of dev only WHEN ordered THEN the chain rule passes', async () => {
    const head = await branch('dev-only', () => h.pin('dev', 'claims-api', '2.0.0'));
    const order = await buildReleaseOrder(h.root, main, head, { now: NOW });
    expect(order.environments.map((e) => e.env)).toEqual(['dev']);
    expect(order.chain).toEqual({ ok: true, violations: [] });
    expect(order.guard.blocked).toBe(false);
    expect(releaseOrderMarkdown(order)[0]).not.toContain('chain');
  });

  it('GIVEN prod and dr promoted together WHEN ordered THEN they share one step: no violation, nothing refused', async () => {
    const head = await branch('prod-and-dr', () => {
      h.pin('prod', 'claims-api', '1.1.0');
      h.pin('dr', 'claims-api', '1.1.0');
    });
    const order = await buildReleaseOrder(h.root, main, head, { now: NOW });
    expect(order.environments.map((e) => e.env)).toEqual(['prod', 'dr']);
    expect(order.pins.map((p) => `${p.env} ${p.source}`)).toEqual(['prod staging', 'dr prod']);
    expect(order.chain).toEqual({ ok: true, violations: [] });
    expect(order.guard.violations).toEqual([]);
  });

  it("GIVEN an app's first entry into dev beside a promotion into sit WHEN ordered THEN the entry does not count for dev", async () => {
    const head = await branch('enter-dev', () => {
      h.setApp('fresh-api', service('fresh-api', { environments: ['dev'] }));
      h.pin('dev', 'fresh-api', '0.1.0');
      h.pin('sit', 'quote-api', '1.3.0');
    });
    const order = await buildReleaseOrder(h.root, main, head, { now: NOW });
    expect(order.environments.map((e) => [e.env, e.apps.map((a) => `${a.app} ${a.status}`)])).toEqual([
      ['dev', ['fresh-api added']],
      ['sit', ['quote-api changed']],
    ]);
    expect(order.chain).toEqual({ ok: true, violations: [] });
    expect(order.guard.violations).toEqual([]);

    // WHEN dev also changes an app it already runs THEN that change counts, and the entry is still left out.
    h.pin('dev', 'claims-api', '2.0.0');
    await h.synth();
    const both = await buildReleaseOrder(h.root, main, h.commit('Also a new claims-api build in dev'), { now: NOW });
    expect(steps(both)).toEqual(['sit<dev claims-api,quote-api']);
    expect(both.guard.violations.map((v) => `${v.env} ${v.rule}`)).toEqual(['sit chain']);
  });

  it('GIVEN a hotfix into prod and dr from uat beside a promotion into staging WHEN ordered THEN the hotfix step is allowed', async () => {
    const head = await branch('hotfix', () => {
      h.pin('staging', 'quote-api', '1.1.0');
      h.pin('prod', 'claims-api', '1.2.0');
      h.pin('dr', 'claims-api', '1.2.0');
    });
    const order = await buildReleaseOrder(h.root, main, head, { now: NOW });
    expect(order.environments.map((e) => e.env)).toEqual(['staging', 'prod', 'dr']);
    expect(order.pins.map((p) => `${p.env} ${p.app} ${p.source}`)).toEqual([
      'staging quote-api uat',
      'prod claims-api uat',
      'dr claims-api prod',
    ]);
    expect(order.chain).toEqual({ ok: true, violations: [] });
    expect(order.guard.violations).toEqual([]);

    // WHEN prod and dr take staging's version instead, beside the same staging change THEN both skip a step.
    const normal = await branch('staging-and-prod', () => {
      h.pin('staging', 'quote-api', '1.1.0');
      h.pin('prod', 'claims-api', '1.1.0');
      h.pin('dr', 'claims-api', '1.1.0');
    });
    const refused = await buildReleaseOrder(h.root, main, normal, { now: NOW });
    expect(steps(refused)).toEqual(['prod<staging claims-api,quote-api', 'dr<staging claims-api,quote-api']);
    expect(refused.guard.violations.map((v) => `${v.env} ${v.rule}`)).toEqual(['prod chain', 'dr chain']);
  });

  it('GIVEN a policy-only edit of sit beside a dev change WHEN ordered THEN the policy edit is no manifest change', async () => {
    const head = await branch('policy-and-dev', () => {
      h.pin('dev', 'claims-api', '2.0.0');
      const file = 'environments/sit/environment.ts';
      h.write(file, h.read(file).replace('minSoakHours: 1', 'minSoakHours: 2'));
    });
    const order = await buildReleaseOrder(h.root, main, head, { now: NOW });
    expect(order.environments.map((e) => [e.env, e.apps.map((a) => a.app)])).toEqual([
      ['dev', ['claims-api']],
      ['sit', ['policy']],
    ]);
    expect(order.chain).toEqual({ ok: true, violations: [] });
  });

  it('GIVEN the dev and sit edit with a Chain-Override trailer WHEN ordered, merged and audited THEN it passes, flagged everywhere', async () => {
    const head = await branch('override', editIntake, `Raise intake logging\n\nChain-Override: ${REASON}`);
    const order = await buildReleaseOrder(h.root, main, head, { now: NOW });
    const override = { reason: REASON, commit: head, author: ALICE.name };
    expect(order.chain).toEqual({
      ok: true,
      violations: [{ env: 'sit', upstream: 'dev', apps: ['intake-api'] }],
      override,
    });
    expect(order.guard).toMatchObject({ blocked: false, violations: [] });
    const md = releaseOrderMarkdown(order)[0]!;
    expect(md).toContain(
      `**Chain override in force** (\`Chain-Override\` in commit \`${head.slice(0, 7)}\` by Alice Ops)`,
    );
    expect(md).toContain('> - **sit** changes with its upstream **dev**: intake-api');
    expect(md).toContain('Every environment of this order needs the approvals of its own approvers');
    expect(parseReleaseOrder(releaseOrderJson(order), 'order.json').chain.override).toEqual(override);
    const cli = runCli(h.root, ['release-order', '--base', main, '--head', head, '--format', 'json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).chain).toEqual({ ok: true, violations: order.chain.violations, override });

    // WHEN merged THEN audit flags each release of the merge, and audit --exceptions lists it.
    h.checkout('main');
    const merge = h.merge('override', 'Merge pull request #31 from insure/override');
    const records = (await auditReleases(h.root)).filter((r) => r.commit === merge);
    expect(records.map((r) => [r.env, r.app, r.chainOverride])).toEqual([
      ['dev', 'intake-api', REASON],
      ['sit', 'intake-api', REASON],
    ]);
    expect(auditMarkdown(records)).toContain(`**chain override: ${REASON}**`);
    const earlier = (await auditReleases(h.root)).filter((r) => r.commit !== merge);
    expect(earlier.every((r) => r.chainOverride === null)).toBe(true);
    const report = await findExceptions(h.root, { env: 'sit' });
    const flagged = report.exceptions.filter((e) => e.rule === 'chain-override');
    expect(flagged.map((e) => [e.commit, e.env, e.apps, e.pullRequest])).toEqual([[merge, 'sit', ['intake-api'], 31]]);
    expect(flagged[0]!.message).toBe(
      `released with a chain override (Chain-Override: ${REASON}): the pull request could change an environment ` +
        'together with the one it is promoted from',
    );
    const cliExceptions = runCli(h.root, ['audit', '--exceptions', '--env', 'sit', '--format', 'json']);
    expect(cliExceptions.code).toBe(1);
    expect(JSON.parse(cliExceptions.stdout).exceptions.map((e: { rule: string }) => e.rule)).toContain(
      'chain-override',
    );
  });
});
