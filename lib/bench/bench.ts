/**
 * `bench`: the render measured on N generated apps × the repository's
 * environments, against the approaches a team would otherwise pick.
 *
 * Everything runs in throwaway repositories in a temporary folder, and every
 * timed figure in a fresh process (`measure.ts`, run from the platform
 * build), as a command-line run would be: full renders with validation and
 * the write of `manifests/` at N apps and at a quarter of them (to show how
 * it scales; sizes alternate, and the median of `--runs` is reported, since a
 * shared machine's speed drifts), an incremental render after one app and
 * after one versions file changed, a release order for a one-app change and
 * for changes that touch every app (in one environment, in all of them), the
 * baselines, and the floor: what cdk8s-plus itself costs for the same renders
 * on every core (`stackFloor`).
 */
import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformEntry } from '../util/build.mjs';
import { isEntry, loadEnvironmentsOnly, resolveProject, loadProject } from '../spec/project.ts';
import { blobId } from '../git/git.ts';
import { renderApp } from '../render/render.ts';
import { addEnvToEveryApp, raisePreStop } from './bigchange.ts';
import { benchPin, generateApps } from './generate.ts';
import { kustomizeOverlays, type BaselineResult } from './baselines.ts';
import type { MeasureRequest, MeasureResult } from './measure.ts';
import { formatPins } from '../promote/versions.ts';

/** Options of a benchmark run. */
export interface BenchOptions {
  readonly apps: number;
  /** Worker threads (default: cores - 1 for large renders). */
  readonly workers?: number;
  /**
   * Full renders per size; the median is reported.
   * @default 3
   */
  readonly runs?: number;
  readonly skipCdk8s?: boolean;
  readonly skipKustomize?: boolean;
  /** Progress lines (a terminal gets them on stderr). */
  readonly progress?: (line: string) => void;
}

/** Budgets the render is held to on a 2-core machine at 1000 apps. */
const BUDGETS = {
  fullSeconds: 5,
  incrementalSeconds: 1,
  releaseOrderSeconds: 1,
  scalingRatio: 4.5,
  bigReleaseOrderOneEnvSeconds: 10,
  bigReleaseOrderOneEnvMiB: 500,
  bigReleaseOrderAllEnvsSeconds: 30,
} as const;

/** A release order of a change to every app that failed: the change and the error; the other figures still count. */
export interface FailedReleaseOrder {
  /** The change, in words. */
  readonly change: string;
  /** The error's first line. */
  readonly failed: string;
}

/** The release order of a change to every app: its time (with its comment, detail and JSON) and peak memory. */
export interface BigReleaseOrder {
  /** The change, in words. */
  readonly change: string;
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly changes: number;
  /** Apps × environments changed. */
  readonly appReleases: number;
  /** Comments of the pull request, and the characters of the longest. */
  readonly comments: number;
  readonly commentChars: number;
}

/** Seconds of a render phase, summed over threads. */
export interface BenchPhases {
  load: number;
  build: number;
  serialize: number;
  validate: number;
  write: number;
}

/** What `bench` reports. */
export interface BenchReport {
  apps: number;
  environments: number;
  renders: number;
  objects: number;
  /** Files a full render writes under `manifests/`. */
  files: number;
  workers: number | 'auto';
  runs: number;
  /**
   * Full render + validate (what the budget holds: loading the specs, rendering and checking every
   * app × environment) and, as `wallSeconds`, with the write of `manifests/` too: the median of
   * the runs, the fastest, each run, and the phases of the middle run (the faster of the two
   * middle ones, for an even number of runs).
   */
  full: { renderSeconds: number; wallSeconds: number; minSeconds: number; runSeconds: number[]; phases: BenchPhases };
  /** The same render (without the write) at a quarter of the apps, and how many times longer the full one took. */
  quarter: { apps: number; renderSeconds: number; runSeconds: number[]; ratio: number };
  incremental: { appChangeSeconds: number; versionsChangeSeconds: number; rendered: number; cliWallSeconds: number };
  releaseOrderSeconds: number;
  /** Release orders of a change to every app: in one environment (its policy), in all (every app spec). */
  bigReleaseOrder: {
    oneEnvironment: BigReleaseOrder | FailedReleaseOrder;
    allEnvironments: BigReleaseOrder | FailedReleaseOrder;
  };
  peakRssMiB: number;
  /**
   * The approaches a team would otherwise pick; `ratio` is a baseline's time over the platform's full render with its
   * write.
   */
  baselines: { cdk8sSingleApp: BaselineResult & { ratio?: number }; kustomize: BaselineResult & { ratio?: number } };
  /**
   * The stack's floor: the least cdk8s-plus constructs of every render and their `toJson`, one
   * process per core, nothing else (`stackFloor`); the median of `runs`. `ratio` is the full render's time (without the
   * write) over it.
   */
  floor: { seconds: number; processes: number; objects: number; ratio: number };
  /** Each budget: its limit, the measured value (`null` when the measure failed) and whether it is met. */
  budgets: Record<string, { limit: number; value: number | null; ok: boolean }>;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** A budget's entry of the report: met when the value is at most the limit; not met when it could not be measured. */
const budget = (limit: number, value: number | undefined) => ({
  limit,
  value: value ?? null,
  ok: value !== undefined && value <= limit,
});

/**
 * Writes a repository of `n` generated apps, pinned in every environment, under a new temp
 * folder; `onCreated` hears of the folder as soon as it exists, so that it can be removed whatever happens.
 */
export async function makeBenchRepo(repoRoot: string, n: number, onCreated?: (root: string) => void): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'platform-bench-'));
  onCreated?.(root);
  symlinkSync(join(repoRoot, 'lib'), join(root, 'lib'), 'dir');
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(repoRoot, f), join(root, f));
  writeFileSync(join(root, '.gitignore'), '/lib\n/node_modules\n/.render-cache/\n/.bench-old-manifests-*\n');
  const envs = await loadEnvironmentsOnly(repoRoot);
  const apps = generateApps(n);
  mkdirSync(join(root, 'apps'));
  for (const app of apps) {
    writeFileSync(join(root, 'apps', `${app.name}.ts`), appSource(app));
  }
  // Outside the chain's entry, each pin names the spec text it runs, as `pin-specs` leaves a repository.
  const specs = new Map(apps.map((a) => [a.name, blobId(appSource(a))]));
  envs.forEach((env, i) => {
    const dir = join(root, 'environments', env.spec.name);
    mkdirSync(dir, { recursive: true });
    cpSync(join(repoRoot, env.file), join(dir, 'environment.ts'));
    const spec = (app: string) => (isEntry(env.spec) ? {} : { spec: specs.get(app)! });
    writeFileSync(
      join(dir, 'versions.json'),
      formatPins(Object.fromEntries(apps.map((a) => [a.name, { ...benchPin(a.name, i), ...spec(a.name) }]))),
    );
  });
  return root;
}

function git(root: string, args: string[]): void {
  execFileSync('git', args, {
    cwd: root,
    stdio: 'pipe',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@insure.example',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@insure.example',
    },
  });
}

/**
 * Makes `root` a git repository whose git never tidies up on its own. Git's automatic gc (and
 * background maintenance) would otherwise start after a large commit, detach, and still be writing
 * in `.git` while the bench removes the folder: the removal then failed with ENOTEMPTY at 10,000 apps.
 */
export function initBenchRepo(root: string): void {
  git(root, ['init', '-q', '-b', 'main']);
  for (const [key, value] of [
    ['gc.auto', '0'],
    ['gc.autoDetach', 'false'],
    ['maintenance.auto', 'false'],
  ]) {
    git(root, ['config', key!, value!]);
  }
}

/**
 * Removes a bench repository and everything in it. Retried a few times, since a process that is
 * just stopping (a measurement killed by a signal) may still hold or write a file there.
 */
export function removeBenchRepo(root: string): void {
  rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}

/** The measuring processes still running: a bench stopped by a signal stops them too. */
const running = new Set<ChildProcess>();

/**
 * Runs one measurement in a fresh process; progress of renders goes to `onProgress`, and `onStart` gets the process.
 */
function measure(
  request: MeasureRequest,
  onProgress?: (done: number, total: number) => void,
  onStart?: (child: ChildProcess) => void,
): Promise<MeasureResult> {
  return measureScript().then(
    (script) =>
      new Promise((resolve, reject) => {
        const child = fork(script.url, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: script.execArgv });
        running.add(child);
        onStart?.(child);
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('message', (message: { progress?: [number, number]; result?: MeasureResult; error?: string }) => {
          if (message.progress) onProgress?.(...message.progress);
          if (message.result) resolve(message.result);
          if (message.error) reject(new Error(`bench measurement '${request.task}' failed: ${message.error}`));
        });
        child.on('exit', (code) => {
          running.delete(child);
          if (code !== 0)
            reject(new Error(`bench measurement '${request.task}' exited with ${code}: ${stderr.trim()}`));
        });
        child.send(request);
      }),
  );
}

let measuring: Promise<{ url: URL; execArgv: string[] }> | undefined;

/**
 * The measuring process' script: the platform build's, as `npm run synth` runs; the TypeScript source under the loader
 * if there is no build.
 */
function measureScript(): Promise<{ url: URL; execArgv: string[] }> {
  measuring ??= platformEntry('measure').then((url) =>
    url ? { url, execArgv: [] } : { url: new URL('./measure.ts', import.meta.url), execArgv: ['--import', 'tsx'] },
  );
  return measuring;
}

/**
 * The floor (`stackFloor`) of every render in `root`, split over one process per core: each
 * loads its share, and all start together once every one is ready. The wall time is the slowest
 * share's. When one fails, the others are stopped rather than left waiting.
 */
async function measureFloor(root: string): Promise<{ ms: number; processes: number; objects: number }> {
  const shares = availableParallelism();
  const children: ChildProcess[] = [];
  let ready = 0;
  const onStart = (child: ChildProcess) => {
    children.push(child);
    child.on('message', (message: { ready?: boolean }) => {
      if (message.ready && ++ready === shares) for (const c of children) c.send('go');
    });
  };
  try {
    const results = await Promise.all(
      Array.from({ length: shares }, (_, share) => measure({ task: 'floor', root, share, shares }, undefined, onStart)),
    );
    return {
      ms: Math.max(...results.map((r) => r.ms)),
      processes: shares,
      objects: results.reduce((n, r) => n + (r.objects ?? 0), 0),
    };
  } catch (error) {
    for (const c of children) c.kill();
    throw error;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The source of an app file holding `spec`; it imports the platform as app files do, through `#platform`. */
function appSource(spec: unknown): string {
  return `import { defineApp } from '#platform';\n\nexport default defineApp(${JSON.stringify(spec, null, 2)});\n`;
}

/** Runs the benchmark. */
export async function runBench(repoRoot: string, options: BenchOptions): Promise<BenchReport> {
  const say = options.progress ?? (() => undefined);
  const runs = options.runs ?? 3;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1 (got ${runs})`);
  const roots: string[] = [];
  // Stopped by Ctrl-C or a kill, the bench removes its repositories (hundreds of MB at 1000 apps) before it exits.
  const stop = (signal: NodeJS.Signals) => {
    for (const child of running) child.kill();
    for (const r of roots) removeBenchRepo(r);
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    say(`generating ${options.apps} apps`);
    const root = await makeBenchRepo(repoRoot, options.apps, (r) => roots.push(r));
    const quarterApps = Math.max(1, Math.round(options.apps / 4));
    const quarterRoot = await makeBenchRepo(repoRoot, quarterApps, (r) => roots.push(r));

    const fullRuns: MeasureResult[] = [];
    const quarterRuns: MeasureResult[] = [];
    for (let run = 1; run <= runs; run++) {
      say(`full render of ${quarterApps} apps (run ${run}/${runs})`);
      quarterRuns.push(await measure({ task: 'full', root: quarterRoot, workers: options.workers }));
      fullRuns.push(
        await measure({ task: 'full', root, workers: options.workers }, (done, total) =>
          say(`full render of ${options.apps} apps (run ${run}/${runs}): ${done}/${total}`),
        ),
      );
    }
    // A disk's speed of creating files varies more than the processors' (it is the write phase that
    // took ten times as long on a busy machine): the budget holds the render and checks, and the
    // report shows the time with the write beside it.
    const renderMs = (r: MeasureResult) => r.ms - (r.phases?.write ?? 0);
    const fullMs = median(fullRuns.map(renderMs));
    const fullWithWriteMs = median(fullRuns.map((r) => r.ms));
    const quarterMs = median(quarterRuns.map(renderMs));
    const typical = [...fullRuns].sort((a, b) => renderMs(a) - renderMs(b))[Math.floor((fullRuns.length - 1) / 2)]!;

    say('filling the render cache');
    await measure({ task: 'synth', root, workers: options.workers }, (done, total) =>
      say(`filling the render cache: ${done}/${total}`),
    );
    initBenchRepo(root);
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'generated apps']);

    say('incremental render after one app changed');
    const project = await loadProject(root);
    const target = project.apps[Math.floor(project.apps.length / 2)]!;
    writeFileSync(join(root, target.file), appSource({ ...target.spec, replicas: 7 }));
    const appChange = await measure({ task: 'synth', root, workers: options.workers });
    git(root, ['commit', '-q', '-am', `scale ${target.spec.name}`]);

    say('release order of a one-app change');
    const release = await measure({ task: 'release-order', root, base: 'HEAD~1', head: 'HEAD' });

    // A release order of a change to every app may fail at a scale the platform does not handle yet
    // (at 10,000 apps, git's output of 120,000 blobs passed the 1 GiB read limit): the report says so
    // and goes on, so that the other figures are not lost.
    const big = async (change: string, edit: () => void): Promise<BigReleaseOrder | FailedReleaseOrder> => {
      say(`release order of a change to every app: ${change} (render)`);
      edit();
      await measure({ task: 'synth', root, workers: options.workers });
      git(root, ['commit', '-q', '-am', change]);
      say(`release order of a change to every app: ${change}`);
      try {
        const r = await measure({ task: 'release-order', root, base: 'HEAD~1', head: 'HEAD' });
        return { change, seconds: seconds(r.ms), peakRssMiB: r.peakRssMiB, ...r.releaseOrder! };
      } catch (error) {
        return { change, failed: firstLine(error) };
      }
    };
    const firstEnv = project.environments[0]!.spec.name;
    const policyChange = `${firstEnv}: preStop delay raised by 5 s (environments/${firstEnv}/environment.ts)`;
    const oneEnvironment = await big(policyChange, () => raisePreStop(root, firstEnv));
    const specChange = 'every app spec: a new env var, in every environment';
    const allEnvironments = await big(specChange, () => addEnvToEveryApp(root, 'PLATFORM_TRACE', 'on'));

    say('incremental render after one versions file changed');
    const versionsFile = join(root, 'environments', project.environments[0]!.spec.name, 'versions.json');
    const pins = Object.fromEntries(project.apps.map((a) => [a.spec.name, benchPin(a.spec.name, 0)]));
    pins[target.spec.name] = { tag: '9.9.9', digest: `sha256:${'b'.repeat(64)}` };
    writeFileSync(versionsFile, formatPins(pins));
    const versionsChange = await measure({ task: 'synth', root, workers: options.workers });

    say('incremental render, as a command');
    writeFileSync(join(root, target.file), appSource({ ...target.spec, replicas: 8 }));
    const c0 = performance.now();
    const cli = spawnSync(process.execPath, [join(repoRoot, 'lib', 'cli', 'launch.mjs'), 'synth'], {
      cwd: root,
      env: { ...process.env, PLATFORM_ROOT: root },
      encoding: 'utf8',
    });
    const cliMs = performance.now() - c0;
    if (cli.status !== 0) throw new Error(`synth in the bench repository failed: ${cli.stderr}`);

    const floorRuns: { ms: number; processes: number; objects: number }[] = [];
    for (let run = 1; run <= runs; run++) {
      say(
        `floor: the least cdk8s-plus constructs of ${fullRuns[0]!.rendered} renders, on every core (run ${run}/${runs})`,
      );
      floorRuns.push(await measureFloor(root));
    }
    const floor = { ...floorRuns[0]!, ms: median(floorRuns.map((r) => r.ms)) };

    let cdk8s: BaselineResult = { skipped: 'skipped with --skip-cdk8s' };
    if (!options.skipCdk8s) {
      say(`baseline: one cdk8s App with ${fullRuns[0]!.rendered} charts (quadratic; --skip-cdk8s skips it)`);
      const result = await measure({ task: 'cdk8s', root });
      cdk8s = result.skipped ? { skipped: result.skipped } : { seconds: result.ms / 1000 };
    }
    let kustomize: BaselineResult = { skipped: 'skipped with --skip-kustomize' };
    if (!options.skipKustomize) {
      say('baseline: kubectl kustomize over a base and one overlay per environment (--skip-kustomize skips it)');
      kustomize = kustomizeOverlays(resolveProject(await loadProject(root)), renderApp);
    }
    // A baseline is compared with the render and its write (app.synth() writes files too): the smaller ratio.
    const ratio = (b: BaselineResult) =>
      'seconds' in b
        ? { seconds: seconds(b.seconds * 1000), ratio: Math.round((b.seconds / (fullWithWriteMs / 1000)) * 10) / 10 }
        : b;
    const budgets = {
      fullSeconds: { limit: BUDGETS.fullSeconds, value: seconds(fullMs), ok: fullMs / 1000 <= BUDGETS.fullSeconds },
      incrementalSeconds: {
        limit: BUDGETS.incrementalSeconds,
        value: seconds(appChange.ms),
        ok: appChange.ms / 1000 <= BUDGETS.incrementalSeconds,
      },
      releaseOrderSeconds: {
        limit: BUDGETS.releaseOrderSeconds,
        value: seconds(release.ms),
        ok: release.ms / 1000 <= BUDGETS.releaseOrderSeconds,
      },
      scalingRatio: {
        limit: BUDGETS.scalingRatio,
        value: Math.round((fullMs / quarterMs) * 100) / 100,
        ok: fullMs / quarterMs <= BUDGETS.scalingRatio,
      },
      bigReleaseOrderOneEnvSeconds: budget(BUDGETS.bigReleaseOrderOneEnvSeconds, measured(oneEnvironment)?.seconds),
      bigReleaseOrderOneEnvMiB: budget(BUDGETS.bigReleaseOrderOneEnvMiB, measured(oneEnvironment)?.peakRssMiB),
      bigReleaseOrderAllEnvsSeconds: budget(BUDGETS.bigReleaseOrderAllEnvsSeconds, measured(allEnvironments)?.seconds),
    };
    const phases = typical.phases!;
    return {
      apps: options.apps,
      environments: project.environments.length,
      renders: typical.rendered ?? 0,
      objects: typical.objects ?? 0,
      files: typical.files ?? 0,
      workers: options.workers ?? 'auto',
      runs,
      full: {
        renderSeconds: seconds(fullMs),
        wallSeconds: seconds(fullWithWriteMs),
        minSeconds: seconds(Math.min(...fullRuns.map(renderMs))),
        runSeconds: fullRuns.map((r) => seconds(renderMs(r))),
        phases: {
          load: seconds(phases.load),
          build: seconds(phases.build),
          serialize: seconds(phases.serialize),
          validate: seconds(phases.validate),
          write: seconds(phases.write),
        },
      },
      quarter: {
        apps: quarterApps,
        renderSeconds: seconds(quarterMs),
        runSeconds: quarterRuns.map((r) => seconds(renderMs(r))),
        ratio: budgets.scalingRatio.value,
      },
      incremental: {
        appChangeSeconds: seconds(appChange.ms),
        versionsChangeSeconds: seconds(versionsChange.ms),
        rendered: appChange.rendered ?? 0,
        cliWallSeconds: seconds(cliMs),
      },
      releaseOrderSeconds: seconds(release.ms),
      bigReleaseOrder: { oneEnvironment, allEnvironments },
      peakRssMiB: Math.max(...fullRuns.map((r) => r.peakRssMiB)),
      baselines: { cdk8sSingleApp: ratio(cdk8s), kustomize: ratio(kustomize) },
      floor: {
        seconds: seconds(floor.ms),
        processes: floor.processes,
        objects: floor.objects,
        ratio: Math.round((fullMs / floor.ms) * 10) / 10,
      },
      budgets,
    };
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    for (const r of roots) removeBenchRepo(r);
  }
}

/** The figures of a big release order, or `undefined` when it failed. */
function measured(order: BigReleaseOrder | FailedReleaseOrder): BigReleaseOrder | undefined {
  return 'failed' in order ? undefined : order;
}

/** The first line of an error's message: a failed measurement's stack stays out of the report. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? message
  );
}

/** The report as a short table for the terminal. */
export function formatBench(r: BenchReport): string {
  const base = (name: string, b: BaselineResult & { ratio?: number }) =>
    'seconds' in b
      ? `  ${name.padEnd(34)} ${b.seconds.toFixed(2)} s  (${b.ratio}x the platform's full render and write)`
      : `  ${name.padEnd(34)} not run: ${b.skipped}`;
  const mark = (ok: boolean) => (ok ? 'ok' : 'OVER BUDGET');
  const line = (label: string, figures: string) => `  ${label.padEnd(35)}${figures}`;
  return [
    `${r.apps} apps x ${r.environments} environments = ${r.renders} renders, ${r.objects} objects in ${r.files} files (workers: ${r.workers})`,
    `full and scaling renders and the floor: median of ${r.runs} run(s), each in a fresh process; the other figures: one run each`,
    line(
      'full render + validate',
      `${r.full.renderSeconds.toFixed(2)} s wall (fastest ${r.full.minSeconds.toFixed(2)} s)   [budget ${r.budgets.fullSeconds!.limit} s: ${mark(r.budgets.fullSeconds!.ok)}]`,
    ),
    line(
      '  phases, summed over threads:',
      `load ${r.full.phases.load.toFixed(2)} s, build ${r.full.phases.build.toFixed(2)} s, serialize ${r.full.phases.serialize.toFixed(2)} s, validate ${r.full.phases.validate.toFixed(2)} s`,
    ),
    line(
      '... and the write of manifests/',
      `${r.full.wallSeconds.toFixed(2)} s wall (the write: ${r.full.phases.write.toFixed(2)} s)`,
    ),
    line(
      `${r.quarter.apps} apps (scaling)`,
      `${r.quarter.renderSeconds.toFixed(2)} s wall   ratio ${r.quarter.ratio}  [budget ${r.budgets.scalingRatio!.limit}: ${mark(r.budgets.scalingRatio!.ok)}]`,
    ),
    line(
      'incremental, one app changed',
      `${r.incremental.appChangeSeconds.toFixed(2)} s (${r.incremental.rendered} renders)   [budget ${r.budgets.incrementalSeconds!.limit} s: ${mark(r.budgets.incrementalSeconds!.ok)}]`,
    ),
    line('incremental, one versions file', `${r.incremental.versionsChangeSeconds.toFixed(2)} s`),
    line(
      'incremental, as a command',
      `${r.incremental.cliWallSeconds.toFixed(2)} s wall (includes starting Node and loading the platform)`,
    ),
    line(
      'release order, one-app change',
      `${r.releaseOrderSeconds.toFixed(2)} s   [budget ${r.budgets.releaseOrderSeconds!.limit} s: ${mark(r.budgets.releaseOrderSeconds!.ok)}]`,
    ),
    ...[r.bigReleaseOrder.oneEnvironment, r.bigReleaseOrder.allEnvironments].map((b, i) => {
      const label = `release order, every app, ${i === 0 ? 'one env' : 'all envs'}`;
      if ('failed' in b) return line(label, `FAILED (${b.change}): ${b.failed}`);
      const within = (name: string, unit: string) => {
        const entry = r.budgets[name]!;
        return `[budget ${entry.limit} ${unit}: ${mark(entry.ok)}]`;
      };
      const time = within(i === 0 ? 'bigReleaseOrderOneEnvSeconds' : 'bigReleaseOrderAllEnvsSeconds', 's');
      const memory = i === 0 ? ` ${within('bigReleaseOrderOneEnvMiB', 'MiB')}` : '';
      const figures = `${b.seconds.toFixed(2)} s ${time}, peak RSS ${b.peakRssMiB} MiB${memory}`;
      const what = `${b.change}: ${b.changes} changes in ${b.appReleases} app releases`;
      return [
        line(`release order, every app, ${i === 0 ? 'one env' : 'all envs'}`, figures),
        line('', `${what}; ${b.comments} comment(s), ${b.commentChars} characters`),
      ].join('\n');
    }),
    line('peak RSS of a full render', `${r.peakRssMiB} MiB`),
    line(
      'floor: cdk8s-plus alone',
      `${r.floor.seconds.toFixed(2)} s on ${r.floor.processes} core(s), ${r.floor.objects} objects (the full render takes ${r.floor.ratio}x this)`,
    ),
    'baselines on the same objects:',
    base('one cdk8s App, app.synth()', r.baselines.cdk8sSingleApp),
    base(`kubectl kustomize, ${r.environments} overlays`, r.baselines.kustomize),
  ].join('\n');
}
