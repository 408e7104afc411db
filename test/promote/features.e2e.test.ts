import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyFeaturePromotion,
  planFeaturePromotion,
  type FeaturePromotionRequest,
} from '../../lib/promote/features.ts';
import { PromotionRefused } from '../../lib/promote/promote.ts';
import { service } from '../fixture.ts';
import { runCli } from '../cli/run-cli.ts';
import { committedRepo, gitAt } from './repo.ts';

/** Tuesday 2026-11-10 09:00 UTC: outside every freeze window of the fixture environments. */
const T0 = Date.parse('2026-11-10T09:00:00Z');
const hours = (h: number) => new Date(T0 + h * 3_600_000);

const APPS = { 'claims-api': service('claims-api') };

/** Turns `flag` on in `env` by hand, re-renders and commits on main at `at`, as a merged pull request would. */
async function commitFlag(root: string, env: string, at: Date, text = '{\n  "tmp-512": true\n}\n'): Promise<void> {
  writeFileSync(join(root, 'environments', env, 'features.json'), text);
  const { synth } = await import('../../lib/render/synth.ts');
  await synth(root);
  gitAt(root, ['add', '-A'], at);
  gitAt(root, ['commit', '-q', '-m', `Turn tmp-512 on in ${env}`], at);
}

/** Promotes the flag with `--commit` and merges the branch into main at `at`; returns the branch. */
async function promoteAndMerge(root: string, request: FeaturePromotionRequest, at: Date): Promise<string> {
  const plan = await planFeaturePromotion(root, { ...request, now: at });
  const applied = await applyFeaturePromotion(root, plan, request, { commit: true });
  gitAt(root, ['switch', '-q', 'main'], at);
  gitAt(
    root,
    ['merge', '-q', '--no-ff', '-m', `Merge pull request #9 from insure/${applied.branch}`, applied.branch!],
    at,
  );
  return applied.branch!;
}

async function refusals(root: string, request: FeaturePromotionRequest): Promise<PromotionRefused['refusals']> {
  const error = await planFeaturePromotion(root, request).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PromotionRefused);
  return (error as PromotionRefused).refusals;
}

function tmpLimit(root: string, env: string): string | undefined {
  return /sizeLimit: (\d+Mi)\n\s+name: tmp\n/.exec(
    readFileSync(join(root, 'manifests', env, 'apps', 'claims-api.yaml'), 'utf8'),
  )?.[1];
}

function changedFiles(root: string, rev: string): string[] {
  return gitAt(root, ['show', '--format=', '--name-only', rev], hours(0)).trim().split('\n');
}

describe('promote --feature', () => {
  it('GIVEN tmp-512 on in dev for 2 h WHEN promoted to sit with --commit THEN one commit changes only sit, with trailers', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFlag(root, 'dev', hours(1));
    const plan = await planFeaturePromotion(root, { flag: 'tmp-512', to: 'sit', now: hours(3) });
    expect(plan).toMatchObject({
      mode: 'promote',
      source: 'dev',
      targets: ['sit'],
      changes: [{ env: 'sit', on: true }],
    });
    const applied = await applyFeaturePromotion(root, plan, { flag: 'tmp-512', to: 'sit' }, { commit: true });
    expect(applied.branch).toBe('promote/sit/feature-tmp-512');
    expect(readFileSync(join(root, 'environments', 'sit', 'features.json'), 'utf8')).toBe('{\n  "tmp-512": true\n}\n');
    expect(changedFiles(root, 'HEAD')).toEqual([
      'environments/sit/features.json',
      'manifests/sit/apps/claims-api.yaml',
    ]);
    expect(tmpLimit(root, 'sit')).toBe('512Mi');
    expect(tmpLimit(root, 'uat')).toBe('256Mi');
    const message = gitAt(root, ['log', '-1', '--format=%B'], hours(0));
    expect(message).toContain('Turn platform flag tmp-512 on in sit');
    expect(message).toContain('- sit: tmp-512 off -> on');
    expect(message).toMatch(/Promoted-From: dev\nPromoted-To: sit\nFeature: tmp-512\n+$/);
  });

  it('refuses when the flag is not on upstream on main, naming the way out, and writes nothing', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFlag(root, 'dev', hours(1));
    expect(await refusals(root, { flag: 'tmp-512', to: 'uat', now: hours(10) })).toEqual([
      {
        gate: 'upstream',
        app: 'feature:tmp-512',
        message: 'flag tmp-512 is not on in sit (environments/sit/features.json on main)',
        remedy: 'turn it on in sit first and merge that: npm run -s promote -- --feature tmp-512 --to sit',
      },
    ]);
    expect(existsSync(join(root, 'environments', 'uat', 'features.json'))).toBe(false);
  });

  it('refuses before the soak time upstream, from the history of its features file; --force --reason skips it', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFlag(root, 'dev', hours(1));
    const [soak] = await refusals(root, { flag: 'tmp-512', to: 'sit', now: hours(1.5) });
    expect(soak).toEqual({
      gate: 'soak',
      app: 'feature:tmp-512',
      message: 'flag tmp-512 has been on in dev for 0.5 h; sit needs 1 h (since 2026-11-10T10:00:00.000Z)',
      remedy: 'promote after 2026-11-10T11:00:00.000Z, or --force --reason "…" for an emergency',
    });
    const request = { flag: 'tmp-512', to: 'sit', now: hours(1.5), force: true, reason: 'disk full in sit' };
    const plan = await planFeaturePromotion(root, request);
    expect(plan.forced).toBe('disk full in sit');
    await applyFeaturePromotion(root, plan, request, { commit: true });
    expect(gitAt(root, ['log', '-1', '--format=%B'], hours(0))).toContain('Reason: disk full in sit');
  });

  it('measures soak from when the flag was last turned on upstream', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFlag(root, 'dev', hours(1));
    await commitFlag(root, 'dev', hours(2), '{}\n');
    await commitFlag(root, 'dev', hours(5));
    const [soak] = await refusals(root, { flag: 'tmp-512', to: 'sit', now: hours(5.5) });
    expect(soak?.message).toContain('since 2026-11-10T14:00:00.000Z');
  });

  it('refuses in a freeze window of the target, which --force cannot lift; turning off is allowed there', async () => {
    const root = await committedRepo(APPS, hours(0));
    const christmas = new Date('2026-12-26T10:00:00Z');
    const found = await refusals(root, { flag: 'tmp-512', to: 'staging', now: christmas, force: true, reason: 'x' });
    expect(found.map((r) => r.gate)).toEqual(['freeze', 'upstream']);
    expect(found[0]!.message).toBe(
      'staging is frozen (quarter-end: quarter-end closing: staging mirrors the frozen prod) until 2027-01-01T00:00:00.000Z',
    );
    // Turning a flag off is allowed in the freeze, as a rollback is.
    const rollback = await planFeaturePromotion(root, {
      flag: 'tmp-512',
      to: 'staging',
      now: christmas,
      rollback: true,
    });
    expect(rollback.notes).toEqual(['staging is in a freeze window; turning a flag off is allowed, as a rollback is']);
  });

  it('turns the flag on in prod and dr together', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFlag(root, 'dev', hours(1));
    await promoteAndMerge(root, { flag: 'tmp-512', to: 'sit' }, hours(3));
    await promoteAndMerge(root, { flag: 'tmp-512', to: 'uat' }, hours(8));
    await promoteAndMerge(root, { flag: 'tmp-512', to: 'staging' }, hours(33));
    expect(await refusals(root, { flag: 'tmp-512', to: 'dr', now: hours(60) })).toMatchObject([
      { gate: 'usage', message: 'dr is released together with prod' },
    ]);
    const branch = await promoteAndMerge(root, { flag: 'tmp-512', to: 'prod' }, hours(58));
    expect(branch).toBe('promote/prod/feature-tmp-512');
    expect(changedFiles(root, 'HEAD^2')).toEqual([
      'environments/dr/features.json',
      'environments/prod/features.json',
      'manifests/dr/apps/claims-api.yaml',
      'manifests/prod/apps/claims-api.yaml',
    ]);
    expect(gitAt(root, ['log', '-1', '--format=%B', 'HEAD^2'], hours(0))).toContain(
      'Promoted-From: staging\nPromoted-To: prod, dr\nFeature: tmp-512',
    );
  });

  it('takes the flag from a hotfix source declared by the target (--from), and refuses an undeclared one', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFlag(root, 'dev', hours(1));
    await promoteAndMerge(root, { flag: 'tmp-512', to: 'sit' }, hours(3));
    await promoteAndMerge(root, { flag: 'tmp-512', to: 'uat' }, hours(8));
    expect(await refusals(root, { flag: 'tmp-512', to: 'prod', from: 'sit', now: hours(40) })).toMatchObject([
      { gate: 'usage', message: 'prod does not take promotions from sit' },
    ]);
    const plan = await planFeaturePromotion(root, { flag: 'tmp-512', to: 'prod', from: 'uat', now: hours(40) });
    expect(plan).toMatchObject({
      source: 'uat',
      targets: ['prod', 'dr'],
      changes: [
        { env: 'prod', on: true },
        { env: 'dr', on: true },
      ],
    });
  });

  it('GIVEN tmp-512 on in sit WHEN rolled back THEN it is off there again, on a rollback branch', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFlag(root, 'dev', hours(1));
    await promoteAndMerge(root, { flag: 'tmp-512', to: 'sit' }, hours(3));
    expect(tmpLimit(root, 'sit')).toBe('512Mi');
    const branch = await promoteAndMerge(root, { flag: 'tmp-512', to: 'sit', rollback: true }, hours(4));
    expect(branch).toBe('rollback/sit/feature-tmp-512');
    expect(readFileSync(join(root, 'environments', 'sit', 'features.json'), 'utf8')).toBe('{}\n');
    expect(tmpLimit(root, 'sit')).toBe('256Mi');
    expect(tmpLimit(root, 'dev')).toBe('512Mi');
    expect(gitAt(root, ['log', '-1', '--format=%B', 'HEAD^2'], hours(0))).toContain('Feature: tmp-512\nRollback: true');
  });

  it('fails on an unknown flag with the closest name, and on apps given with --feature (CLI)', async () => {
    const root = await committedRepo(APPS, hours(0));
    const unknown = runCli(root, ['promote', '--feature', 'tmp512', '--to', 'dev']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      "[usage] feature:tmp512: unknown platform flag 'tmp512'. Remedy: did you mean 'tmp-512'?",
    );
    const mixed = runCli(root, ['promote', 'claims-api', '--feature', 'tmp-512', '--to', 'dev']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('--feature moves a platform flag, not apps; got apps (claims-api) as well');
  });

  it('turns a flag on in the chain entry from the command line, and prints the release order of the change', async () => {
    const root = await committedRepo(APPS, hours(0));
    const run = runCli(root, ['promote', '--feature', 'tmp-512', '--to', 'dev', '--commit']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Platform flag tmp-512 on in dev (from the chain entry):');
    expect(run.stdout).toContain('sizeLimit');
    expect(run.stdout).toContain('committed');
    expect(run.stdout).toContain('on branch promote/dev/feature-tmp-512');
    expect(changedFiles(root, 'HEAD')).toEqual([
      'environments/dev/features.json',
      'manifests/dev/apps/claims-api.yaml',
    ]);
  });
});
