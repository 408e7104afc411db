/**
 * `bench`: the render measured on N generated apps × the repository's
 * environments, against the approaches a team would otherwise pick.
 *
 * Everything runs in a throwaway repository in a temporary folder: a full
 * render and validation, the same at a quarter of the apps (to show how it
 * scales), an incremental render after one app and one versions file change,
 * a release order for a one-app change, and the baselines.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironmentsOnly, resolveProject, loadProject } from '../spec/project.ts';
import { MANIFESTS_DIR, renderAll, synth } from '../render/synth.ts';
import { writeOutput } from '../render/output.ts';
import { renderApp, type PhaseTimings } from '../render/render.ts';
import { buildReleaseOrder } from '../release/order.ts';
import { benchPin, generateApps } from './generate.ts';
import { cdk8sSingleApp, kustomizeOverlays, type BaselineResult } from './baselines.ts';
import { formatPins } from '../promote/versions.ts';

/** Options of a benchmark run. */
export interface BenchOptions {
  readonly apps: number;
  /** Worker threads (default: cores - 1). */
  readonly workers?: number;
  readonly skipCdk8s?: boolean;
  readonly skipKustomize?: boolean;
  /** Progress lines (a terminal gets them on stderr). */
  readonly progress?: (line: string) => void;
}

/** Budgets the render is held to on a 2-core machine at 1000 apps. */
export const BUDGETS = { fullSeconds: 5, incrementalSeconds: 1, releaseOrderSeconds: 1, scalingRatio: 4.5 } as const;

/** What `bench` reports. */
export interface BenchReport {
  apps: number;
  environments: number;
  renders: number;
  objects: number;
  workers: number | 'auto';
  full: { wallSeconds: number; phases: { build: number; serialize: number; validate: number; write: number } };
  quarter: { apps: number; wallSeconds: number; ratio: number };
  incremental: { appChangeSeconds: number; versionsChangeSeconds: number; rendered: number; cliWallSeconds: number };
  releaseOrderSeconds: number;
  peakRssMiB: number;
  baselines: { cdk8sSingleApp: BaselineResult & { ratio?: number }; kustomize: BaselineResult & { ratio?: number } };
  budgets: Record<string, { limit: number; value: number; ok: boolean }>;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** Writes a repository of `n` generated apps, pinned in every environment, under a new temp folder. */
export async function makeBenchRepo(repoRoot: string, n: number): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'platform-bench-'));
  symlinkSync(join(repoRoot, 'lib'), join(root, 'lib'), 'dir');
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(repoRoot, f), join(root, f));
  writeFileSync(join(root, '.gitignore'), '/lib\n/node_modules\n/.render-cache/\n');
  const envs = await loadEnvironmentsOnly(repoRoot);
  const apps = generateApps(n);
  mkdirSync(join(root, 'apps'));
  for (const app of apps) {
    writeFileSync(join(root, 'apps', `${app.name}.ts`), `import { defineApp } from '../lib/spec/index.ts';\n\nexport default defineApp(${JSON.stringify(app, null, 2)});\n`);
  }
  envs.forEach((env, i) => {
    const dir = join(root, 'environments', env.spec.name);
    mkdirSync(dir, { recursive: true });
    cpSync(join(repoRoot, env.file), join(dir, 'environment.ts'));
    writeFileSync(join(dir, 'versions.json'), formatPins(Object.fromEntries(apps.map((a) => [a.name, benchPin(a.name, i)]))));
  });
  return root;
}

function git(root: string, args: string[]): void {
  execFileSync('git', args, { cwd: root, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@insure.example', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@insure.example' } });
}

/** Runs the benchmark. */
export async function runBench(repoRoot: string, options: BenchOptions): Promise<BenchReport> {
  const say = options.progress ?? (() => undefined);
  const roots: string[] = [];
  try {
    say(`generating ${options.apps} apps`);
    const root = await makeBenchRepo(repoRoot, options.apps);
    roots.push(root);

    say('full render + validate');
    const timings: PhaseTimings = { build: 0, serialize: 0, validate: 0 };
    const t0 = performance.now();
    const onProgress = (done: number, total: number) => say(`full render ${done}/${total}`);
    const full = await renderAll(root, { cache: false, workers: options.workers, timings, onProgress });
    const writeStart = performance.now();
    writeOutput(join(root, MANIFESTS_DIR), full.files);
    const writeMs = performance.now() - writeStart;
    const fullMs = performance.now() - t0;
    // Fill the render cache the incremental runs start from.
    await synth(root, { workers: options.workers });

    say('quarter size');
    const quarterApps = Math.max(1, Math.round(options.apps / 4));
    const quarterRoot = await makeBenchRepo(repoRoot, quarterApps);
    roots.push(quarterRoot);
    const q0 = performance.now();
    await synth(quarterRoot, { cache: false, workers: options.workers });
    const quarterMs = performance.now() - q0;

    say('incremental render');
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'generated apps']);
    const project = await loadProject(root);
    const target = project.apps[Math.floor(project.apps.length / 2)]!;
    writeFileSync(join(root, target.file), `import { defineApp } from '../lib/spec/index.ts';\n\nexport default defineApp(${JSON.stringify({ ...target.spec, replicas: 7 }, null, 2)});\n`);
    const i0 = performance.now();
    const appChange = await synth(root, { workers: options.workers });
    const appChangeMs = performance.now() - i0;
    git(root, ['commit', '-q', '-am', `scale ${target.spec.name}`]);

    say('release order of a one-app change');
    const r0 = performance.now();
    await buildReleaseOrder(root, 'HEAD~1', 'HEAD');
    const releaseMs = performance.now() - r0;

    const versionsFile = join(root, 'environments', project.environments[0]!.spec.name, 'versions.json');
    const pins = Object.fromEntries(project.apps.map((a) => [a.spec.name, benchPin(a.spec.name, 0)]));
    pins[target.spec.name] = { tag: '9.9.9', digest: `sha256:${'b'.repeat(64)}` };
    writeFileSync(versionsFile, formatPins(pins));
    const v0 = performance.now();
    await synth(root, { workers: options.workers });
    const versionsMs = performance.now() - v0;

    say('incremental render, as a command');
    writeFileSync(join(root, target.file), `import { defineApp } from '../lib/spec/index.ts';\n\nexport default defineApp(${JSON.stringify({ ...target.spec, replicas: 8 }, null, 2)});\n`);
    const c0 = performance.now();
    const cli = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'lib', 'cli', 'main.ts'), 'synth'], { cwd: root, env: { ...process.env, PLATFORM_ROOT: root }, encoding: 'utf8' });
    const cliMs = performance.now() - c0;
    if (cli.status !== 0) throw new Error(`synth in the bench repository failed: ${cli.stderr}`);

    const resolved = resolveProject(await loadProject(root));
    let cdk8s: BaselineResult = { skipped: 'skipped with --skip-cdk8s' };
    if (!options.skipCdk8s) {
      say(`baseline: one cdk8s App with ${resolved.length} charts (quadratic; --skip-cdk8s skips it)`);
      cdk8s = cdk8sSingleApp(resolved);
    }
    let kustomize: BaselineResult = { skipped: 'skipped with --skip-kustomize' };
    if (!options.skipKustomize) {
      say('baseline: kubectl kustomize over a base and one overlay per environment (--skip-kustomize skips it)');
      kustomize = kustomizeOverlays(resolved, renderApp);
    }
    const ratio = (b: BaselineResult) => ('seconds' in b ? { ...b, ratio: Math.round((b.seconds / (fullMs / 1000)) * 10) / 10 } : b);
    const budgets = {
      fullSeconds: { limit: BUDGETS.fullSeconds, value: seconds(fullMs), ok: fullMs / 1000 <= BUDGETS.fullSeconds },
      incrementalSeconds: { limit: BUDGETS.incrementalSeconds, value: seconds(appChangeMs), ok: appChangeMs / 1000 <= BUDGETS.incrementalSeconds },
      releaseOrderSeconds: { limit: BUDGETS.releaseOrderSeconds, value: seconds(releaseMs), ok: releaseMs / 1000 <= BUDGETS.releaseOrderSeconds },
      scalingRatio: { limit: BUDGETS.scalingRatio, value: Math.round((fullMs / quarterMs) * 100) / 100, ok: fullMs / quarterMs <= BUDGETS.scalingRatio },
    };
    return {
      apps: options.apps,
      environments: project.environments.length,
      renders: resolved.length,
      objects: full.objects,
      workers: options.workers ?? 'auto',
      full: {
        wallSeconds: seconds(fullMs),
        phases: { build: seconds(timings.build), serialize: seconds(timings.serialize), validate: seconds(timings.validate), write: seconds(writeMs) },
      },
      quarter: { apps: quarterApps, wallSeconds: seconds(quarterMs), ratio: budgets.scalingRatio.value },
      incremental: { appChangeSeconds: seconds(appChangeMs), versionsChangeSeconds: seconds(versionsMs), rendered: appChange.rendered, cliWallSeconds: seconds(cliMs) },
      releaseOrderSeconds: seconds(releaseMs),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      baselines: { cdk8sSingleApp: ratio(cdk8s), kustomize: ratio(kustomize) },
      budgets,
    };
  } finally {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  }
}

/** The report as a short table for the terminal. */
export function formatBench(r: BenchReport): string {
  const base = (name: string, b: BaselineResult & { ratio?: number }) =>
    'seconds' in b ? `  ${name.padEnd(34)} ${b.seconds.toFixed(2)} s  (${b.ratio}x the platform's full render)` : `  ${name.padEnd(34)} not run: ${b.skipped}`;
  const mark = (ok: boolean) => (ok ? 'ok' : 'OVER BUDGET');
  return [
    `${r.apps} apps x ${r.environments} environments = ${r.renders} renders, ${r.objects} objects (workers: ${r.workers})`,
    `  full render + validate + write       ${r.full.wallSeconds.toFixed(2)} s wall   [budget ${r.budgets.fullSeconds!.limit} s: ${mark(r.budgets.fullSeconds!.ok)}]`,
    `    phases, summed over threads:       build ${r.full.phases.build.toFixed(2)} s, serialize ${r.full.phases.serialize.toFixed(2)} s, validate ${r.full.phases.validate.toFixed(2)} s; write ${r.full.phases.write.toFixed(2)} s`,
    `  ${r.quarter.apps} apps (scaling)                   ${r.quarter.wallSeconds.toFixed(2)} s wall   ratio ${r.quarter.ratio}  [budget ${r.budgets.scalingRatio!.limit}: ${mark(r.budgets.scalingRatio!.ok)}]`,
    `  incremental, one app changed         ${r.incremental.appChangeSeconds.toFixed(2)} s (${r.incremental.rendered} renders)   [budget ${r.budgets.incrementalSeconds!.limit} s: ${mark(r.budgets.incrementalSeconds!.ok)}]`,
    `  incremental, one versions file       ${r.incremental.versionsChangeSeconds.toFixed(2)} s`,
    `  incremental, as a command            ${r.incremental.cliWallSeconds.toFixed(2)} s wall (includes starting Node and loading the platform)`,
    `  release order, one-app change        ${r.releaseOrderSeconds.toFixed(2)} s   [budget ${r.budgets.releaseOrderSeconds!.limit} s: ${mark(r.budgets.releaseOrderSeconds!.ok)}]`,
    `  peak RSS                             ${r.peakRssMiB} MiB`,
    'baselines on the same objects:',
    base('one cdk8s App, app.synth()', r.baselines.cdk8sSingleApp),
    base('kubectl kustomize, 6 overlays', r.baselines.kustomize),
  ].join('\n');
}
