import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPromotion, planPromotion, PromotionRefused, type PromotionRequest } from '../../lib/promote/promote.ts';
import { readPins } from '../../lib/promote/versions.ts';
import { REPO_ROOT, appSource, digestOf, makeRepo, service } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** Tuesday 2026-11-10 09:00 UTC: outside every freeze window of the repository's environments. */
const T0 = Date.parse('2026-11-10T09:00:00Z');
const hours = (h: number) => new Date(T0 + h * 3_600_000);

function git(root: string, args: string[], at = hours(0)): string {
  const date = at.toISOString();
  return execFileSync('git', args, {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_AUTHOR_NAME: 'Dana Dev',
      GIT_AUTHOR_EMAIL: 'dana@insure.example',
      GIT_COMMITTER_NAME: 'Dana Dev',
      GIT_COMMITTER_EMAIL: 'dana@insure.example',
    },
  });
}

/**
 * A git repository with claims-api and quote-api, each pinned at 1.0.0 in every environment, committed on main at T0.
 */
async function gitRepo(): Promise<string> {
  const repo = makeRepo({ apps: { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') } });
  cleanups.push(repo.cleanup);
  const root = repo.root;
  writeFileSync(join(root, '.gitignore'), '/lib\n/node_modules\n/.render-cache/\n');
  git(root, ['init', '-q', '-b', 'main']);
  const { synth } = await import('../../lib/render/synth.ts');
  await synth(root);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'Initial state']);
  return root;
}

/** Promotes with `--commit` and merges the branch into main at time `at`, as a merged pull request would. */
async function promoteAndMerge(root: string, request: PromotionRequest, at: Date): Promise<string> {
  const plan = await planPromotion(root, { ...request, now: at });
  const applied = await applyPromotion(root, plan, request, { commit: true });
  git(root, ['switch', '-q', 'main'], at);
  git(
    root,
    ['merge', '-q', '--no-ff', '-m', `Merge pull request #7 from insure/${applied.branch}`, applied.branch!],
    at,
  );
  return applied.branch!;
}

async function refusal(root: string, request: PromotionRequest): Promise<PromotionRefused> {
  const error = await planPromotion(root, request).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PromotionRefused);
  return error as PromotionRefused;
}

const NEW = { tag: '1.1.0', digest: digestOf('claims-api:1.1.0') };

describe('promote', () => {
  it('carries a new build along the whole chain, prod and dr together, digest unchanged', async () => {
    const root = await gitRepo();
    const branch = await promoteAndMerge(
      root,
      { apps: ['claims-api'], to: 'dev', version: NEW.tag, digest: NEW.digest },
      hours(1),
    );
    expect(branch).toBe('promote/dev/claims-api-1.1.0');
    // Each step waits out the target's soak time, on weekdays outside the freeze windows.
    for (const [env, at] of [
      ['sit', 3],
      ['uat', 8],
      ['staging', 33],
      ['prod', 58],
    ] as const) {
      await promoteAndMerge(root, { apps: ['claims-api'], to: env }, hours(at));
    }
    // The image travels alone into dev; every later step pins it with the spec dev ran: the app's release.
    const spec = git(root, ['rev-parse', 'main:apps/claims-api.ts']).trim();
    expect(readPins(root, 'dev')['claims-api']).toEqual(NEW);
    for (const env of ['sit', 'uat', 'staging', 'prod', 'dr'])
      expect(readPins(root, env)['claims-api']).toEqual({ ...NEW, spec });
    expect(readPins(root, 'prod')['quote-api']?.tag).toBe('1.0.0');
    const manifest = readFileSync(join(root, 'manifests', 'dr', 'apps', 'claims-api.yaml'), 'utf8');
    expect(manifest).toContain(`image: registry.insure.example/claims/claims-api:1.1.0@${NEW.digest}`);

    const message = git(root, ['log', '-1', '--format=%B', 'main^2']);
    expect(message).toMatch(/^Promote claims-api 1\.1\.0 to prod \+ dr/);
    expect(message).toContain(
      `Promoted-From: staging\nPromoted-To: prod, dr\nApp: claims-api\nVersion: 1.1.0\nDigest: ${NEW.digest}`,
    );
    expect(git(root, ['show', '--name-only', '--format=', 'main^2']).trim().split('\n').sort()).toEqual([
      'environments/dr/versions.json',
      'environments/prod/versions.json',
      'manifests/dr/apps/claims-api.yaml',
      'manifests/prod/apps/claims-api.yaml',
    ]);
  });

  it('fails when the version is not running upstream on main', async () => {
    const root = await gitRepo();
    // Pinned in dev only in the work tree, never merged.
    writeFileSync(
      join(root, 'environments', 'dev', 'versions.json'),
      JSON.stringify({ ...readPins(root, 'dev'), 'claims-api': NEW }),
    );
    const plan = await planPromotion(root, { apps: ['claims-api'], to: 'sit', now: hours(48) });
    expect(plan.changes).toEqual([]);
    expect(plan.unchanged).toEqual(['claims-api']);

    // A new app whose dev pin exists only in the work tree, not on main.
    writeFileSync(
      join(root, 'apps', 'fraud-check.ts'),
      appSource(service('fraud-check', { environments: ['dev', 'sit'] })),
    );
    for (const env of ['dev', 'sit']) {
      const pins = readPins(root, env);
      writeFileSync(
        join(root, 'environments', env, 'versions.json'),
        JSON.stringify({ ...pins, 'fraud-check': { tag: '0.1.0' } }),
      );
    }
    const error = await refusal(root, { apps: ['fraud-check'], to: 'sit', now: hours(48) });
    expect(error.refusals[0]).toMatchObject({ gate: 'upstream', app: 'fraud-check' });
    expect(error.message).toContain('not running in dev (no pin in environments/dev/versions.json on main)');
    expect(error.message).toContain('npm run promote -- fraud-check --to dev');
    const elsewhere = await refusal(root, { apps: ['fraud-check'], to: 'uat', now: hours(48) });
    expect(elsewhere.refusals[0]).toMatchObject({
      gate: 'app',
      message: 'does not run in uat',
      remedy: "add 'uat' to environments in apps/fraud-check.ts",
    });
  });

  it('fails before the soak time has passed, and --force with a reason records it', async () => {
    const root = await gitRepo();
    await promoteAndMerge(root, { apps: ['claims-api'], to: 'dev', version: NEW.tag, digest: NEW.digest }, hours(1));
    await promoteAndMerge(root, { apps: ['claims-api'], to: 'sit' }, hours(3));
    await promoteAndMerge(root, { apps: ['claims-api'], to: 'uat' }, hours(8));
    const error = await refusal(root, { apps: ['claims-api'], to: 'staging', now: hours(20) });
    expect(error.refusals).toEqual([
      {
        gate: 'soak',
        app: 'claims-api',
        message: '1.1.0 has run in uat for 12.0 h; staging needs 24 h (since 2026-11-10T17:00:00.000Z)',
        remedy: 'promote after 2026-11-11T17:00:00.000Z, or --force --reason "…" for an emergency',
      },
    ]);
    expect(
      (await refusal(root, { apps: ['claims-api'], to: 'staging', force: true, now: hours(20) })).message,
    ).toContain('--force needs --reason');
    await promoteAndMerge(
      root,
      { apps: ['claims-api'], to: 'staging', force: true, reason: 'fix for claim payout rounding, INC-4711' },
      hours(20),
    );
    expect(git(root, ['log', '-1', '--format=%(trailers:key=Reason,valueonly)', 'main^2']).trim()).toBe(
      'fix for claim payout rounding, INC-4711',
    );
  });

  it('fails in a freeze window and names the next open time; force does not help', async () => {
    const root = await gitRepo();
    const friday = new Date('2026-11-13T11:00:00Z'); // Friday 19:00 in Shanghai: weekend freeze of prod.
    for (const force of [false, true]) {
      const error = await refusal(root, {
        apps: ['claims-api'],
        to: 'prod',
        force,
        reason: force ? 'urgent' : undefined,
        now: friday,
      });
      expect(error.refusals.find((r) => r.gate === 'freeze')?.message).toBe(
        'prod is frozen (weekend: no production changes from Friday 18:00 to Monday 06:00) until 2026-11-15T22:00:00.000Z (2026-11-16 06:00 Asia/Shanghai)',
      );
    }
  });

  it('fails when the target runs a newer version, unless rolling back on purpose', async () => {
    const root = await gitRepo();
    await promoteAndMerge(root, { apps: ['claims-api'], to: 'dev', version: NEW.tag, digest: NEW.digest }, hours(1));
    // sit somehow runs 2.0.0 (a hotfix pinned by hand and merged).
    writeFileSync(
      join(root, 'environments', 'sit', 'versions.json'),
      JSON.stringify({ ...readPins(root, 'sit'), 'claims-api': { tag: '2.0.0' } }),
    );
    git(root, ['commit', '-q', '-am', 'hotfix'], hours(2));
    const error = await refusal(root, { apps: ['claims-api'], to: 'sit', now: hours(30) });
    expect(error.refusals[0]).toMatchObject({ gate: 'newer-target', message: 'sit runs 2.0.0, newer than 1.1.0' });
    expect(error.refusals[0]!.remedy).toContain('--rollback --version 1.1.0');
  });

  it('promotes a release train of several apps in one commit, and --all finds them', async () => {
    const root = await gitRepo();
    const quote = { tag: '1.2.0', digest: digestOf('quote-api:1.2.0') };
    for (const env of ['dev', 'sit', 'uat']) {
      writeFileSync(
        join(root, 'environments', env, 'versions.json'),
        JSON.stringify({ 'claims-api': NEW, 'quote-api': quote }),
      );
    }
    const { synth } = await import('../../lib/render/synth.ts');
    await synth(root);
    git(root, ['add', '-A'], hours(0));
    git(root, ['commit', '-q', '-m', 'both apps reach uat'], hours(0));
    const all = await planPromotion(root, { apps: [], all: true, to: 'staging', now: hours(30) });
    expect(all.changes.map((c) => `${c.env}:${c.app}:${c.after.tag}`)).toEqual([
      'staging:claims-api:1.1.0',
      'staging:quote-api:1.2.0',
    ]);
    const branch = await promoteAndMerge(root, { apps: ['quote-api', 'claims-api'], to: 'staging' }, hours(30));
    expect(branch).toBe('promote/staging/train-2-apps-claims-api-quote-api');
    const trailers = git(root, ['log', '-1', '--format=%(trailers:key=App,valueonly)', 'main^2']).trim().split('\n');
    expect(trailers).toEqual(['claims-api', 'quote-api']);
  });

  it('rolls back to the previous version with a commit that says so', async () => {
    const root = await gitRepo();
    await promoteAndMerge(root, { apps: ['claims-api'], to: 'dev', version: NEW.tag, digest: NEW.digest }, hours(1));
    const branch = await promoteAndMerge(root, { apps: ['claims-api'], to: 'dev', rollback: true }, hours(2));
    expect(branch).toBe('rollback/dev/claims-api-1.0.0');
    expect(readPins(root, 'dev')['claims-api']?.tag).toBe('1.0.0');
    const message = git(root, ['log', '-1', '--format=%B', 'main^2']);
    expect(message).toMatch(/^Roll back claims-api 1\.0\.0 to dev/);
    expect(message).toContain('Rollback: true');
    const error = await refusal(root, {
      apps: ['claims-api'],
      to: 'dev',
      rollback: true,
      version: '0.9.0',
      now: hours(3),
    });
    expect(error.message).toContain('0.9.0 never ran in dev (pins seen: 1.0.0, 1.1.0)');
  });

  it('fails a hotfix path the target policy does not declare, and allows the declared one', async () => {
    const root = await gitRepo();
    expect(
      (await refusal(root, { apps: ['claims-api'], to: 'prod', from: 'dev', now: hours(48) })).refusals[0],
    ).toMatchObject({
      gate: 'usage',
      message: 'prod does not take promotions from dev',
    });
    const plan = await planPromotion(root, { apps: ['claims-api'], to: 'prod', from: 'uat', now: hours(48) });
    expect(plan.source).toBe('uat');
  });

  it('fails to pin a new build anywhere but the first environment, or without a digest', async () => {
    const root = await gitRepo();
    const error = await refusal(root, {
      apps: ['claims-api'],
      to: 'uat',
      version: '1.1.0',
      digest: NEW.digest,
      now: hours(1),
    });
    expect(error.refusals[0]!.message).toBe(
      '--version pins new builds only into the environment fed by builds, not uat',
    );
    const noDigest = await refusal(root, { apps: ['claims-api'], to: 'dev', version: '1.1.0', now: hours(1) });
    expect(noDigest.refusals[0]!.message).toBe('a new build needs its digest (got none)');
  });

  it('fails on a dirty work tree with --commit and changes nothing (real CLI run)', async () => {
    const root = await gitRepo();
    writeFileSync(join(root, 'notes.txt'), 'work in progress\n');
    const result = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'),
        'promote',
        'claims-api',
        '--to',
        'dev',
        '--version',
        '1.1.0',
        '--digest',
        NEW.digest,
        '--commit',
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PLATFORM_ROOT: root },
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the work tree has uncommitted changes (notes.txt)');
    expect(readPins(root, 'dev')['claims-api']?.tag).toBe('1.0.0');
    expect(git(root, ['branch', '--format=%(refname:short)']).trim()).toBe('main');
  });

  it('prints the release order of an uncommitted promotion and leaves git untouched (real CLI run)', async () => {
    const root = await gitRepo();
    const result = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'),
        'promote',
        'claims-api',
        '--to',
        'dev',
        '--version',
        '1.1.0',
        '--digest',
        NEW.digest,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PLATFORM_ROOT: root },
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('dev      claims-api');
    expect(result.stdout).toContain('# Release order');
    expect(result.stdout).toMatch(/\| dev \|.*\| low \|/);
    expect(readPins(root, 'dev')['claims-api']).toEqual(NEW);
    expect(git(root, ['status', '--porcelain']).split('\n').filter(Boolean).sort()).toEqual([
      ' M environments/dev/versions.json',
      ' M manifests/dev/apps/claims-api.yaml',
    ]);
    expect(git(root, ['rev-list', '--count', 'HEAD']).trim()).toBe('1');
  });
});
