import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { toYaml } from '../../lib/render/yaml.ts';
import { auditJson, auditMarkdown, auditReleases, pullRequestOf } from '../../lib/release/audit.ts';
import { digestOf, service } from '../fixture.ts';
import { ALICE, BOB, History, type Person } from './history.ts';

const CAROL: Person = { name: 'Carol Dev', email: 'carol@insure.example' };

describe('audit from a scripted history', () => {
  let h: History;
  const c: Record<string, string> = {};

  beforeAll(async () => {
    h = await History.create({
      'claims-api': service('claims-api'),
      'quote-api': service('quote-api', { team: 'pricing' }),
      'claims-legacy': service('claims-legacy'),
    });
    c.initial = h.sha('HEAD');

    // PR #12, merged with a merge commit; the approvals were recorded on the branch.
    h.checkout('bump-claims', true);
    h.pin('dev', 'claims-api', '1.1.0');
    await h.synth();
    h.commit(
      'Bump claims-api to 1.1.0 in dev\n\nApproved-by: Dan Lead <dan@insure.example>\nApproved-by: Erin SRE <erin@insure.example>',
      CAROL,
    );
    h.checkout('main');
    c.merge = h.merge('bump-claims', 'Merge pull request #12 from insure/bump-claims\n\nBump claims-api in dev');

    // A commit on main outside manifests/: no release.
    h.write('docs/notes.md', 'notes\n');
    c.docs = h.commit('Add notes');

    // PR #13, squash-merged, with trailers in the squash message.
    h.checkout('scale-quote', true);
    h.setApp('quote-api', service('quote-api', { team: 'pricing', overrides: { prod: { replicas: 6 } } }));
    await h.synth();
    h.commit('Scale quote-api', CAROL);
    h.checkout('main');
    c.squash = h.squash(
      'scale-quote',
      'Scale quote-api to 6 in prod (#13)\n\nApproved-by: Erin SRE <erin@insure.example>\nReason: renewal season peak',
      CAROL,
    );

    // A promotion committed straight to main, as the promote command writes it.
    h.pin('sit', 'claims-api', '1.1.0');
    await h.synth();
    c.promote = h.commit(
      'Promote claims-api 1.1.0 to sit\n\nPromoted-From: dev\nVersion: 1.1.0\nDigest: ' + digestOf('claims-api:1.1.0'),
      ALICE,
    );

    // Removal of an app, overriding the deletion guard.
    h.removeApp('claims-legacy');
    await h.synth();
    c.remove = h.commit('Retire claims-legacy (#14)\n\nRelease-Override: remove claims-legacy from prod and dr', BOB);

    // The same objects written differently: no release.
    const file = 'manifests/dev/apps/claims-api.yaml';
    h.write(
      file,
      toYaml(
        parseAllDocuments(h.read(file))
          .map((d) => d.toJS() as unknown)
          .reverse(),
      ),
    );
    c.reformat = h.commit('Re-emit dev manifests');

    // Hand-made manifests without version labels: versions come from the promote trailers, app by app.
    const deployment = (name: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'legacy' },
      spec: { template: { spec: { containers: [{ name, image: `registry.insure.example/legacy/${name}` }] } } },
    });
    h.write('manifests/dev/apps/legacy-a.yaml', toYaml([deployment('legacy-a')]));
    h.write('manifests/dev/apps/legacy-b.yaml', toYaml([deployment('legacy-b')]));
    c.train = h.commit(
      `Roll back 2 apps to dev\n\nPromoted-From: dev\nPromoted-To: dev\nApp: legacy-a\nVersion: 3.0.0\nDigest: ${digestOf('a')}\nApp: legacy-b\nVersion: 4.0.0\nRollback: true`,
    );
  }, 120_000);

  afterAll(() => h.cleanup());

  it('GIVEN a merge commit of a pull request WHEN audited THEN one release with the PR number, the merger, and the approvers the merged commits claim', async () => {
    const records = (await auditReleases(h.root)).filter((r) => r.commit === c.merge);
    expect(records).toEqual([
      {
        env: 'dev',
        app: 'claims-api',
        change: 'changed',
        version: '1.1.0',
        previousVersion: '1.0.0',
        digest: digestOf('claims-api:1.1.0'),
        commit: c.merge,
        merge: true,
        pullRequest: 12,
        subject: 'Merge pull request #12 from insure/bump-claims',
        author: BOB.name,
        authorEmail: BOB.email,
        date: '2026-03-02T09:30:00+00:00',
        recorded: false,
        approvers: [],
        promotedFrom: null,
        overrides: [],
        claims: {
          approvers: ['Dan Lead <dan@insure.example>', 'Erin SRE <erin@insure.example>'],
          promotedFrom: null,
          rollback: false,
          reason: null,
          override: null,
        },
        chainOverride: null,
      },
    ]);
  });

  it('GIVEN a squash merge, a promotion and a removal WHEN audited THEN each is a release with its trailers as claims; commits outside manifests/ are not', async () => {
    const records = await auditReleases(h.root);
    expect(records.some((r) => r.commit === c.docs)).toBe(false);
    const squash = records.filter((r) => r.commit === c.squash);
    expect(
      squash.map((r) => [
        r.env,
        r.app,
        r.change,
        r.version,
        r.pullRequest,
        r.merge,
        r.author,
        r.approvers,
        r.claims.approvers,
        r.claims.reason,
      ]),
    ).toEqual([
      [
        'prod',
        'quote-api',
        'changed',
        '1.0.0',
        13,
        false,
        CAROL.name,
        [],
        ['Erin SRE <erin@insure.example>'],
        'renewal season peak',
      ],
    ]);
    const promote = records.find((r) => r.commit === c.promote)!;
    expect([
      promote.env,
      promote.previousVersion,
      promote.version,
      promote.promotedFrom,
      promote.claims.promotedFrom,
      promote.pullRequest,
    ]).toEqual(['sit', '1.0.0', '1.1.0', null, 'dev', null]);
    const removal = records.filter((r) => r.commit === c.remove);
    expect(removal.map((r) => r.env)).toEqual(['dev', 'sit', 'uat', 'staging', 'prod', 'dr']);
    expect(removal[0]).toMatchObject({
      app: 'claims-legacy',
      change: 'removed',
      version: null,
      previousVersion: '1.0.0',
      pullRequest: 14,
      overrides: [],
      claims: { override: 'remove claims-legacy from prod and dr' },
    });
  });

  it('lists releases newest first, the first render last', async () => {
    const commits = [...new Set((await auditReleases(h.root)).map((r) => r.commit))];
    expect(commits).toEqual([c.train, c.remove, c.promote, c.squash, c.merge, c.initial]);
  });

  it('GIVEN a commit that only re-writes a manifest WHEN audited THEN it is no release', async () => {
    expect(h.git(['show', '--stat', '--format=', c.reformat!])).toContain('manifests/dev/apps/claims-api.yaml');
    expect((await auditReleases(h.root)).some((r) => r.commit === c.reformat)).toBe(false);
  });

  it('GIVEN manifests without version labels WHEN audited THEN each app takes the Version and Digest trailers of its own App group', async () => {
    const train = (await auditReleases(h.root)).filter((r) => r.commit === c.train);
    expect(train.map((r) => [r.app, r.version, r.digest, r.claims.rollback, r.claims.promotedFrom])).toEqual([
      ['legacy-a', '3.0.0', digestOf('a'), true, 'dev'],
      ['legacy-b', '4.0.0', null, true, 'dev'],
    ]);
  });

  it('GIVEN --env, --app and --since WHEN audited THEN only matching releases are listed', async () => {
    expect((await auditReleases(h.root, { env: 'sit' })).map((r) => [r.app, r.commit])).toEqual([
      ['claims-legacy', c.remove],
      ['claims-api', c.promote],
      ['claims-api', c.initial],
      ['claims-legacy', c.initial],
      ['quote-api', c.initial],
    ]);
    expect((await auditReleases(h.root, { app: 'claims-api', env: 'dev' })).map((r) => r.commit)).toEqual([
      c.merge,
      c.initial,
    ]);
    const squashDate = (await auditReleases(h.root)).find((r) => r.commit === c.squash)!.date;
    const since = await auditReleases(h.root, { since: squashDate });
    expect([...new Set(since.map((r) => r.commit))]).toEqual([c.train, c.remove, c.promote, c.squash]);
  });

  it('fails naming the bad --env and --since values', async () => {
    await expect(auditReleases(h.root, { env: 'prd' })).rejects.toThrow(
      "--env 'prd': no such environment at main; did you mean 'prod'?",
    );
    await expect(auditReleases(h.root, { since: 'last tuesday' })).rejects.toThrow(
      "--since 'last tuesday': not a date; write it as YYYY-MM-DD",
    );
    await expect(auditReleases(h.root, { ref: 'trunk' })).rejects.toThrow("'trunk' is not a commit");
  });

  it('GIVEN the records WHEN formatted THEN JSON is { releases } and Markdown a table with PR, author, approvers and notes', async () => {
    const records = await auditReleases(h.root, { env: 'prod' });
    expect(JSON.parse(auditJson(records))).toEqual({ releases: JSON.parse(JSON.stringify(records)) });
    const md = auditMarkdown(records, { env: 'prod' });
    expect(md).toContain('## Releases on `main` (env prod)');
    // Dates name the zone they were written in.
    expect(md).toMatch(/^\| 2026-03-02 \d\d:\d\d \+00:00 \| prod \| /m);
    expect(md).toContain(
      `| prod | claims-legacy | 1.0.0 (removed) | \`${c.remove!.slice(0, 7)}\` | #14 | ${BOB.name} | — | no release record; claimed in commit (unverified): override requested: remove claims-legacy from prod and dr |`,
    );
    expect(md).toContain(
      `| prod | quote-api | 1.0.0 (same version) | \`${c.squash!.slice(0, 7)}\` | #13 | ${CAROL.name} | — | no release record; claimed in commit (unverified): approved-by Erin SRE <erin@insure.example>; reason: renewal season peak |`,
    );
  });
});

describe('pull request numbers from commit subjects', () => {
  it('reads GitHub merge and squash subjects, and nothing else', () => {
    expect(pullRequestOf('Merge pull request #123 from insure/feature-x')).toBe(123);
    expect(pullRequestOf('Bump claims-api to 2.0.0 (#456)')).toBe(456);
    expect(pullRequestOf('Fix #12 in the claims flow')).toBeNull();
    expect(pullRequestOf('Merge branch main into feature')).toBeNull();
  });
});
