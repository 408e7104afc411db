/**
 * Spec pins: an app's release is its image and its spec text. Outside the chain's entry an
 * environment renders the spec its pin names, read from git objects, so that a spec edit reaches dev
 * alone and climbs the chain by promotion, like an image.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PinSpecsRefused, pinSpecs } from '../../lib/promote/pin-specs.ts';
import { readPins, writePins } from '../../lib/promote/versions.ts';
import { buildReleaseOrder } from '../../lib/release/order.ts';
import { releaseOrderMarkdown } from '../../lib/release/markdown.ts';
import { releaseOrderJson } from '../../lib/release/json.ts';
import { SpecError } from '../../lib/spec/problems.ts';
import { synth } from '../../lib/render/synth.ts';
import { runCli } from '../cli/run-cli.ts';
import { ENVS, appSource, service, snapshotTree } from '../fixture.ts';
import { committedRepo, gitAt } from './repo.ts';

/** Tuesday 2026-11-10 09:00 UTC: outside every freeze window, and weeks before the real clock the CLI runs at. */
const T0 = Date.parse('2026-11-10T09:00:00Z');
const hours = (h: number) => new Date(T0 + h * 3_600_000);

const CLAIMS = service('claims-api');
const QUOTE = service('quote-api');

/** A repository with claims-api and quote-api everywhere, its specs pinned by `pin-specs`, committed on main. */
async function pinnedRepo(): Promise<string> {
  const root = await committedRepo({ 'claims-api': CLAIMS, 'quote-api': QUOTE }, hours(0));
  await pinSpecs(root);
  gitAt(root, ['commit', '-q', '-am', 'Pin every environment to the spec it runs'], hours(0));
  return root;
}

/** The blob of `path` at `rev`. */
function blobAt(root: string, rev: string, path: string): string {
  return gitAt(root, ['rev-parse', `${rev}:${path}`], hours(0)).trim();
}

/** Paths that differ between the work tree and HEAD (tracked files). */
function changedFiles(root: string): string[] {
  return gitAt(root, ['diff', '--name-only', 'HEAD'], hours(0)).trim().split('\n').filter(Boolean).sort();
}

/** Edits claims-api's spec (three replicas) and commits it on main at `at`: what merging a spec change does. */
function editClaims(root: string, at: Date): string {
  writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource({ ...CLAIMS, replicas: 3 }));
  return writeAndCommit(root, at);
}

/** Commits the work tree on main at `at`; returns the blob of claims-api's spec then. */
function writeAndCommit(root: string, at: Date): string {
  gitAt(root, ['add', '-A'], at);
  gitAt(root, ['commit', '-q', '-m', 'claims-api: three replicas'], at);
  return blobAt(root, 'HEAD', 'apps/claims-api.ts');
}

/** Merges `branch` into main with a merge commit at `at`, as a merged pull request does. */
function merge(root: string, branch: string, at: Date): void {
  gitAt(root, ['switch', '-q', 'main'], at);
  gitAt(root, ['merge', '-q', '--no-ff', '-m', `Merge pull request #9 from insure/${branch}`, branch], at);
}

describe('spec pins', () => {
  it('pin-specs pins every environment but the entry to the spec it renders, changing no manifest', async () => {
    const root = await committedRepo({ 'claims-api': CLAIMS, 'quote-api': QUOTE }, hours(0));
    const before = snapshotTree(join(root, 'manifests'));
    const result = await pinSpecs(root);
    expect(result.pinned).toHaveLength(10);
    const spec = blobAt(root, 'HEAD', 'apps/claims-api.ts');
    expect(readPins(root, 'dev')['claims-api']?.spec).toBeUndefined();
    for (const env of ENVS.filter((e) => e !== 'dev')) expect(readPins(root, env)['claims-api']?.spec).toBe(spec);
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
    expect(changedFiles(root)).toEqual(
      ENVS.filter((e) => e !== 'dev')
        .map((e) => `environments/${e}/versions.json`)
        .sort(),
    );
    // Done once: a second run finds every pin named.
    expect(await pinSpecs(root)).toEqual({ pinned: [], kept: 10 });
  });

  it('pin-specs refuses a spec file git does not have, and writes nothing', async () => {
    const root = await committedRepo({ 'claims-api': CLAIMS }, hours(0));
    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource({ ...CLAIMS, replicas: 2 }));
    const versions = readFileSync(join(root, 'environments', 'sit', 'versions.json'), 'utf8');
    const error = await pinSpecs(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinSpecsRefused);
    expect((error as Error).message).toContain('apps/claims-api.ts has changes git does not have: commit it first');
    expect(readFileSync(join(root, 'environments', 'sit', 'versions.json'), 'utf8')).toBe(versions);
  });

  it('a spec edit changes only the chain entry: every other environment keeps the spec it runs', async () => {
    const root = await pinnedRepo();
    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource({ ...CLAIMS, replicas: 3 }));
    const result = await synth(root);
    expect(result.diff.changed).toEqual(['dev/apps/claims-api.yaml']);
    expect(changedFiles(root)).toEqual(['apps/claims-api.ts', 'manifests/dev/apps/claims-api.yaml']);
    expect(readFileSync(join(root, 'manifests', 'dev', 'apps', 'claims-api.yaml'), 'utf8')).toContain('replicas: 3');
    expect(readFileSync(join(root, 'manifests', 'sit', 'apps', 'claims-api.yaml'), 'utf8')).not.toContain(
      'replicas: 3',
    );
    // The render reads the pinned texts from git: it is the same with no cache at all.
    expect((await synth(root, { check: true })).diff.changed).toEqual([]);
  });

  it('promote carries image and spec together, shows the config diff, and --rollback moves both back', async () => {
    const root = await pinnedRepo();
    const oldSpec = blobAt(root, 'HEAD', 'apps/claims-api.ts');
    const sitBefore = readFileSync(join(root, 'manifests', 'sit', 'apps', 'claims-api.yaml'), 'utf8');
    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource({ ...CLAIMS, replicas: 3 }));
    await synth(root);
    const newSpec = writeAndCommit(root, hours(1));

    const promoted = runCli(root, ['promote', 'claims-api', '--to', 'sit', '--commit']);
    expect(promoted.stderr).toBe('');
    expect(promoted.code).toBe(0);
    // The step's config diff: the spec text, then the release order of the rendered change.
    expect(promoted.stdout).toContain(
      `sit      claims-api                       1.0.0@sha256:000000000000 spec ${oldSpec.slice(0, 12)} -> 1.0.0@sha256:000000000000 spec ${newSpec.slice(0, 12)}`,
    );
    expect(promoted.stdout).toContain(`--- apps/claims-api.ts@${oldSpec.slice(0, 12)}`);
    expect(promoted.stdout).toContain('+  "replicas": 3\n');
    expect(promoted.stdout).toMatch(/\| sit \| 2 \| claims-api \| 1 scale, /);
    const pin = readPins(root, 'sit')['claims-api']!;
    expect(pin.spec).toBe(newSpec);
    expect(pin.tag).toBe('1.0.0');
    expect(gitAt(root, ['show', '--name-only', '--format=', 'HEAD'], hours(2)).trim().split('\n').sort()).toEqual([
      'environments/sit/versions.json',
      'manifests/sit/apps/claims-api.yaml',
    ]);
    expect(readFileSync(join(root, 'manifests', 'sit', 'apps', 'claims-api.yaml'), 'utf8')).toContain('replicas: 3');
    // uat still runs the old spec.
    expect(readPins(root, 'uat')['claims-api']?.spec).toBe(oldSpec);
    // A step that moves the spec alone is named by it, and the commit records it for audit.
    const branch = `promote/sit/claims-api-1.0.0-config-${newSpec.slice(0, 12)}`;
    expect(gitAt(root, ['rev-parse', '--abbrev-ref', 'HEAD'], hours(2)).trim()).toBe(branch);
    expect(gitAt(root, ['log', '-1', '--format=%B'], hours(2))).toContain(`\nSpec: ${newSpec}\n`);
    merge(root, branch, hours(2));

    const rolledBack = runCli(root, ['promote', 'claims-api', '--to', 'sit', '--rollback', '--commit']);
    expect(rolledBack.stderr).toBe('');
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.stdout).toContain(`+++ apps/claims-api.ts@${oldSpec.slice(0, 12)}`);
    expect(readPins(root, 'sit')['claims-api']?.spec).toBe(oldSpec);
    expect(readFileSync(join(root, 'manifests', 'sit', 'apps', 'claims-api.yaml'), 'utf8')).toBe(sitBefore);
    expect(gitAt(root, ['log', '-1', '--format=%B'], hours(3))).toContain('Rollback: true');
  });

  it('the soak gate counts from the spec reaching the upstream, not the image', async () => {
    const root = await pinnedRepo();
    const { planPromotion, PromotionRefused } = await import('../../lib/promote/promote.ts');
    editClaims(root, hours(100));
    // sit needs an hour of soak; the image has run in dev since T0, the new spec for half an hour.
    const refused = await planPromotion(root, { apps: ['claims-api'], to: 'sit', now: hours(100.5) }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(PromotionRefused);
    expect((refused as Error).message).toMatch(
      /\[soak\] claims-api: 1\.0\.0 with spec [0-9a-f]{12} has run in dev for 0\.5 h/,
    );
    const plan = await planPromotion(root, { apps: ['claims-api'], to: 'sit', now: hours(101.5) });
    expect(plan.changes.map((c) => c.after.spec)).toEqual([blobAt(root, 'HEAD', 'apps/claims-api.ts')]);
  });

  it('a pin naming an object git does not have is a clear error, and nothing is written', async () => {
    const root = await pinnedRepo();
    const before = snapshotTree(join(root, 'manifests'));
    const pins = readPins(root, 'uat');
    writePins(root, 'uat', { ...pins, 'claims-api': { ...pins['claims-api']!, spec: 'f'.repeat(40) } });
    writeFileSync(join(root, 'apps', 'quote-api.ts'), appSource({ ...QUOTE, replicas: 2 }));
    const error = await synth(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as Error).message).toContain(
      `environments/uat/versions.json: 'claims-api.spec' ("${'f'.repeat(40)}"): names an object this repository's git does not have. Fix: fetch the history that holds it (git fetch --unshallow), or pin a spec that exists: npm run -s promote -- claims-api --to uat`,
    );
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
  });

  it("the chain's entry pins no spec, and a pin names its own app's spec", async () => {
    const root = await pinnedRepo();
    const quote = blobAt(root, 'HEAD', 'apps/quote-api.ts');
    const dev = readPins(root, 'dev');
    writePins(root, 'dev', { ...dev, 'claims-api': { ...dev['claims-api']!, spec: quote } });
    const sit = readPins(root, 'sit');
    writePins(root, 'sit', { ...sit, 'claims-api': { ...sit['claims-api']!, spec: quote } });
    const message = ((await synth(root).catch((e: unknown) => e)) as Error).message;
    expect(message).toContain(
      "environments/dev/versions.json: 'claims-api.spec' (\"" +
        quote +
        '"): dev is the chain\'s entry: it renders apps/claims-api.ts from the work tree and pins no spec',
    );
    expect(message).toContain(
      `environments/sit/versions.json: 'claims-api.spec' ("${quote}"): names the spec of app 'quote-api', not of 'claims-api'`,
    );
  });

  it('judges a pinned spec against the environment that runs it, naming the pinned text', async () => {
    const root = await pinnedRepo();
    // A text without a shell and without a shutdown delay: no Kubernetes 1.27 environment may run it.
    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource({ ...CLAIMS, rollout: { shell: false } }));
    const bad = writeAndCommit(root, hours(1));
    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource(CLAIMS));
    writeAndCommit(root, hours(2));
    const sit = readPins(root, 'sit');
    writePins(root, 'sit', { ...sit, 'claims-api': { ...sit['claims-api']!, spec: bad } });
    const before = snapshotTree(join(root, 'manifests'));
    const message = ((await synth(root).catch((e: unknown) => e)) as Error).message;
    expect(message).toContain(
      `the text ${bad.slice(0, 12)} pinned in sit of apps/claims-api.ts: 'rollout.shutdownDelaySeconds'`,
    );
    expect(message).toContain('the image has no shell, so no preStop');
    expect(message).not.toContain('pinned in uat');
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
  });

  it('a pinned spec that imports another file is refused: its text alone must be its configuration', async () => {
    const root = await pinnedRepo();
    mkdirSync(join(root, 'apps', 'common'));
    writeFileSync(join(root, 'apps', 'common', 'sizes.ts'), 'export const REPLICAS = 2;\n');
    writeFileSync(
      join(root, 'apps', 'claims-api.ts'),
      `import { defineApp } from '../lib/spec/index.ts';\nimport { REPLICAS } from './common/sizes.ts';\n\nexport default defineApp({ ...${JSON.stringify(CLAIMS)}, replicas: REPLICAS } as never);\n`,
    );
    await synth(root);
    writeAndCommit(root, hours(1));
    const { planPromotion } = await import('../../lib/promote/promote.ts');
    const error = await planPromotion(root, { apps: ['claims-api'], to: 'sit', now: hours(48) }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain('[spec] claims-api: apps/claims-api.ts (');
    expect((error as Error).message).toContain('inline what it imports');
  });
});

describe('spec pins at the pull request', () => {
  it('passes a promoted spec and refuses a spec the upstream does not run, or a pin that drops its spec', async () => {
    const root = await pinnedRepo();
    const oldSpec = blobAt(root, 'HEAD', 'apps/claims-api.ts');
    editClaims(root, hours(1));
    const newSpec = blobAt(root, 'HEAD', 'apps/claims-api.ts');
    await synth(root);
    gitAt(root, ['commit', '-q', '-am', 'render'], hours(1));

    // A promotion to sit: the spec dev runs on main.
    gitAt(root, ['switch', '-q', '-c', 'to-sit'], hours(3));
    const sit = readPins(root, 'sit');
    writePins(root, 'sit', { ...sit, 'claims-api': { ...sit['claims-api']!, spec: newSpec } });
    await synth(root);
    gitAt(root, ['commit', '-q', '-am', 'promote claims-api spec to sit'], hours(3));
    const good = await buildReleaseOrder(root, 'main', 'to-sit', { now: hours(3) });
    expect(good.guard.violations).toEqual([]);
    // The configuration it releases, as the diff of the spec text, beside the manifest changes it causes.
    expect(good.specs).toEqual([
      {
        app: 'claims-api',
        envs: ['sit'],
        before: oldSpec,
        after: newSpec,
        diff: expect.stringContaining('+  "replicas": 3'),
      },
    ]);
    const markdown = releaseOrderMarkdown(good).join('\n');
    expect(markdown).toContain(
      `<b>claims-api</b> in sit: <code>${oldSpec.slice(0, 12)}</code> → <code>${newSpec.slice(0, 12)}</code>`,
    );
    expect(markdown).toContain('```diff\n--- apps/claims-api.ts@');
    expect(JSON.parse(releaseOrderJson(good)).pins[0].after.spec).toBe(newSpec);
    expect(good.pins).toEqual([
      {
        env: 'sit',
        app: 'claims-api',
        before: sit['claims-api'],
        after: { ...sit['claims-api'], spec: newSpec },
        source: 'dev',
      },
    ]);

    // By hand, uat jumps to the new spec that sit does not run yet.
    gitAt(root, ['switch', '-q', '-c', 'to-uat', 'main'], hours(3));
    const uat = readPins(root, 'uat');
    writePins(root, 'uat', { ...uat, 'claims-api': { ...uat['claims-api']!, spec: newSpec } });
    await synth(root);
    gitAt(root, ['commit', '-q', '-am', 'skip a step'], hours(3));
    const skipped = await buildReleaseOrder(root, 'main', 'to-uat', { now: hours(3) });
    expect(skipped.guard.violations.map((v) => [v.env, v.rule])).toEqual([['uat', 'upstream']]);
    expect(skipped.guard.violations[0]!.message).toContain(`spec ${newSpec.slice(0, 12)} does not run in sit`);

    // A pin that drops its spec would make staging follow the work tree again.
    gitAt(root, ['switch', '-q', '-c', 'drop', 'main'], hours(3));
    const staging = readPins(root, 'staging');
    writePins(root, 'staging', { ...staging, 'claims-api': { tag: '1.0.0', digest: staging['claims-api']!.digest } });
    gitAt(root, ['commit', '-q', '-am', 'drop the spec pin'], hours(3));
    const dropped = await buildReleaseOrder(root, 'main', 'drop', { now: hours(3) });
    expect(dropped.guard.violations.map((v) => [v.env, v.rule])).toEqual([['staging', 'provenance']]);
    expect(dropped.guard.violations[0]!.message).toContain(`the pin drops its spec (${oldSpec.slice(0, 12)})`);
  });
});
