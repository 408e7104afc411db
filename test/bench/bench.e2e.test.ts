import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { generateApps } from '../../lib/bench/generate.ts';
import { formatBench, initBenchRepo, makeBenchRepo, removeBenchRepo, type BenchReport } from '../../lib/bench/bench.ts';
import { stackFloor } from '../../lib/bench/baselines.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { REPO_ROOT } from '../fixture.ts';

describe('bench', () => {
  it('generates the same valid mix of apps for the same count', () => {
    const apps = generateApps(40);
    expect(generateApps(40)).toEqual(apps);
    expect(new Set(apps.map((a) => a.name)).size).toBe(40);
    expect(new Set(apps.map((a) => a.kind))).toEqual(new Set(['service', 'worker', 'cronjob']));
    expect(apps.some((a) => a.autoscaling)).toBe(true);
    // The platform's own features, in about the shares of the sample apps.
    const share = (pick: (a: (typeof apps)[number]) => unknown) => apps.filter(pick).length / apps.length;
    expect(share((a) => a.logs)).toBeGreaterThan(0.2);
    expect(share((a) => a.metrics)).toBeGreaterThan(0.3);
    expect(share((a) => a.rollout?.fixedIp)).toBeGreaterThan(0.05);
    expect(share((a) => a.rollout?.critical)).toBeGreaterThan(0.05);
    expect(new Set(apps.flatMap((a) => (a.logs?.multiline === undefined ? [] : [typeof a.logs.multiline])))).toEqual(
      new Set(['string', 'object']),
    );
  });

  it('reports every figure for a small run and says which baselines it skipped (real CLI run)', () => {
    const result = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'),
        'bench',
        '--apps',
        '8',
        '--json',
        '--skip-cdk8s',
        '--skip-kustomize',
        '--runs',
        '1',
      ],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, PLATFORM_ROOT: REPO_ROOT },
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect([report.apps, report.environments, report.renders]).toEqual([8, 6, 48]);
    expect(report.objects).toBeGreaterThan(48 * 3);
    expect(report.quarter.apps).toBe(2);
    expect(report.incremental.rendered).toBeGreaterThan(0);
    expect(report.incremental.rendered).toBeLessThan(report.renders);
    expect(report.baselines.cdk8sSingleApp).toEqual({ skipped: 'skipped with --skip-cdk8s' });
    expect(Object.keys(report.budgets)).toEqual([
      'fullSeconds',
      'incrementalSeconds',
      'releaseOrderSeconds',
      'scalingRatio',
      'bigReleaseOrderOneEnvSeconds',
      'bigReleaseOrderOneEnvMiB',
      'bigReleaseOrderAllEnvsSeconds',
    ]);
    // The release orders of changes to every app: dev's policy reaches every workload there; a new env var in
    // every spec changes every app in every environment. Each is one summary comment when it does not fit one.
    const { oneEnvironment, allEnvironments } = report.bigReleaseOrder;
    expect(oneEnvironment.change).toContain('environments/dev/environment.ts');
    expect(oneEnvironment.appReleases).toBe(9);
    // 48 env vars, and the incremental step's scale-up of one app, which only dev ran until the spec pins of every
    // environment moved: 4 replica counts, a PodDisruptionBudget and a topology spread where it first runs 2 pods.
    expect(allEnvironments.changes).toBe(48 + 6);
    expect(allEnvironments.appReleases).toBe(48);
    for (const b of [oneEnvironment, allEnvironments]) {
      expect(b.comments).toBe(1);
      expect(b.commentChars).toBeLessThanOrEqual(65536);
      expect(b.seconds).toBeGreaterThan(0);
      expect(b.peakRssMiB).toBeGreaterThan(0);
    }
    expect(report.budgets.bigReleaseOrderOneEnvMiB.value).toBe(oneEnvironment.peakRssMiB);
    expect(report.budgets.bigReleaseOrderAllEnvsSeconds.value).toBe(allEnvironments.seconds);
    expect(report.full.phases.build).toBeGreaterThan(0);
    expect(report.full.phases.load).toBeGreaterThan(0);
    expect([report.runs, report.full.runSeconds.length, report.quarter.runSeconds.length]).toEqual([1, 1, 1]);
    expect(report.full.minSeconds).toBe(report.full.renderSeconds);
    // The budget holds the render and its checks; the wall time with the write of manifests/ is reported beside it.
    expect(report.budgets.fullSeconds.value).toBe(report.full.renderSeconds);
    expect(report.full.wallSeconds).toBeCloseTo(report.full.renderSeconds + report.full.phases.write, 2);
    // The floor builds fewer objects than the platform (no PDB, NetworkPolicy, collector config, ...), on every core.
    expect(report.floor.processes).toBe(availableParallelism());
    expect(report.floor.objects).toBeGreaterThan(report.renders);
    expect(report.floor.objects).toBeLessThan(report.objects);
    expect(report.floor.seconds).toBeGreaterThan(0);
  });

  it('builds, as the floor, the least cdk8s-plus objects each render needs', async () => {
    const root = await makeBenchRepo(REPO_ROOT, 12);
    try {
      const apps = resolveProject(await loadProject(root, { cache: false }));
      const expected = apps.reduce((n, a) => {
        const served = a.kind !== 'cronjob';
        return (
          n +
          2 +
          (Object.keys(a.config).length > 0 ? 1 : 0) +
          (served && a.ports.length > 0 ? 1 : 0) +
          (served && a.autoscaling ? 1 : 0)
        );
      }, 0);
      expect(stackFloor(apps)).toBe(expected);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('removes its repositories when stopped with Ctrl-C (real CLI run)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bench-stop-'));
    try {
      const child = spawn(
        process.execPath,
        [
          join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'),
          'bench',
          '--apps',
          '8',
          '--skip-cdk8s',
          '--skip-kustomize',
          '--runs',
          '1',
        ],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, PLATFORM_ROOT: REPO_ROOT, TMPDIR: tmp },
          stdio: 'ignore',
        },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Stopped once both repositories exist, while the renders are measured.
      const benchRepos = () => readdirSync(tmp).filter((f) => f.startsWith('platform-bench-'));
      for (let i = 0; i < 300 && benchRepos().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(benchRepos()).toHaveLength(2);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(benchRepos()).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
  it('keeps git from tidying a bench repository on its own, so that its removal cannot race a background gc', () => {
    // GIVEN two repositories holding 8000 new files, past git's automatic gc threshold (6700 loose objects):
    // one made as a bench repository, one by a plain `git init`
    const tmp = mkdtempSync(join(tmpdir(), 'bench-gc-'));
    const who = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@insure.example' };
    const env = { ...process.env, ...who, GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@insure.example' };
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', args, { cwd, stdio: 'pipe', encoding: 'utf8', env });
    const packs = (repo: string) =>
      readdirSync(join(repo, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.pack'));
    try {
      const bench = join(tmp, 'bench');
      const plain = join(tmp, 'plain');
      for (const repo of [bench, plain]) {
        mkdirSync(join(repo, 'files'), { recursive: true });
        for (let i = 0; i < 8000; i++) writeFileSync(join(repo, 'files', `${i}.txt`), `object ${i}\n`);
      }
      initBenchRepo(bench);
      git(plain, 'init', '-q');
      // WHEN each commits them; git runs its automatic gc after a commit (in the foreground here, to see its result)
      git(bench, 'add', '-A');
      git(bench, 'commit', '-q', '-m', 'files');
      git(plain, 'add', '-A');
      git(plain, '-c', 'gc.autoDetach=false', 'commit', '-q', '-m', 'files');
      // THEN git packed the plain repository's objects, and left the bench repository alone
      expect(packs(plain)).toHaveLength(1);
      expect(packs(bench)).toEqual([]);
      expect(git(bench, 'config', '--get', 'gc.autoDetach').trim()).toBe('false');
      expect(git(bench, 'config', '--get', 'maintenance.auto').trim()).toBe('false');
      // AND the bench repository is removed whole
      removeBenchRepo(bench);
      expect(existsSync(bench)).toBe(false);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reports a big release order that failed, with its error, beside the figures that were measured', () => {
    // GIVEN a report whose release order of a change to every app in every environment failed
    const budget = (limit: number, value: number | null) => ({ limit, value, ok: value !== null && value <= limit });
    const measured = { seconds: 3.1, peakRssMiB: 190, changes: 14, appReleases: 7, comments: 1, commentChars: 99 };
    const big = { change: 'dev: preStop', ...measured };
    const failed = { change: 'every app spec', failed: "bench measurement 'release-order' failed: GitError: ENOBUFS" };
    const report: BenchReport = {
      apps: 10,
      environments: 6,
      renders: 60,
      objects: 400,
      files: 84,
      workers: 'auto',
      runs: 1,
      full: {
        renderSeconds: 1,
        wallSeconds: 1.1,
        minSeconds: 1,
        runSeconds: [1],
        phases: { load: 0, build: 0, serialize: 0, validate: 0, write: 0 },
      },
      quarter: { apps: 3, renderSeconds: 0.4, runSeconds: [0.4], ratio: 2.5 },
      incremental: { appChangeSeconds: 0.2, versionsChangeSeconds: 0.2, rendered: 6, cliWallSeconds: 0.6 },
      releaseOrderSeconds: 0.3,
      bigReleaseOrder: { oneEnvironment: big, allEnvironments: failed },
      peakRssMiB: 200,
      baselines: {
        cdk8sSingleApp: { skipped: 'skipped with --skip-cdk8s' },
        kustomize: { skipped: 'skipped with --skip-kustomize' },
      },
      floor: { seconds: 0.3, processes: 2, objects: 200, ratio: 3.3 },
      budgets: {
        fullSeconds: budget(5, 1),
        incrementalSeconds: budget(1, 0.2),
        releaseOrderSeconds: budget(1, 0.3),
        scalingRatio: budget(4.5, 2.5),
        bigReleaseOrderOneEnvSeconds: budget(10, 3.1),
        bigReleaseOrderOneEnvMiB: budget(500, 190),
        bigReleaseOrderAllEnvsSeconds: budget(30, null),
      },
    };
    // WHEN it is printed for the terminal
    const lines = formatBench(report).split('\n');
    // THEN the failed one says so with its error, and the one measured keeps its figures
    const all = lines.find((l) => l.includes('every app, all envs'));
    expect(all).toContain('FAILED (every app spec): bench measurement');
    expect(all).toContain('ENOBUFS');
    expect(lines.find((l) => l.includes('every app, one env'))).toContain('3.10 s [budget 10 s: ok], peak RSS 190 MiB');
  });
});
