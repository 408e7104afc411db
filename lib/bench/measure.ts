/**
 * One measurement of the benchmark, in a process of its own, started by
 * `bench` with `child_process.fork`: every figure then comes from a fresh
 * process (no code already optimised, no heap left over from the run
 * before), as a `synth` on the command line would be. The timed span starts
 * after the platform code is loaded.
 *
 * Tasks (the message the parent sends):
 * - `full`: render and validate every app × environment with no cache, then write `manifests/`;
 * - `synth`: an ordinary `synth` (cache on), as after a change;
 * - `release-order`: the release order between two revisions, with its comment (Markdown) and its JSON;
 * - `cdk8s`: the single-App cdk8s baseline on the repository's resolved apps;
 * - `floor`: the stack's floor (`stackFloor`) on one share of the resolved
 *   apps; the process says it is ready once they are loaded and starts on
 *   `go`, so that one process per core starts at the same moment.
 */
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFESTS_DIR, renderAll, synth } from '../render/synth.ts';
import { writeOutput } from '../render/output.ts';
import type { PhaseTimings } from '../render/render.ts';
import { releaseOrderJson } from '../release/json.ts';
import { releaseOrderDetail, releaseOrderMarkdown } from '../release/markdown.ts';
import { buildReleaseOrder } from '../release/order.ts';
import { loadProject, resolveProject } from '../spec/project.ts';
import { cdk8sSingleApp, stackFloor } from './baselines.ts';

/** What the parent asks for. */
export type MeasureRequest =
  | { readonly task: 'full'; readonly root: string; readonly workers?: number }
  | { readonly task: 'synth'; readonly root: string; readonly workers?: number }
  | { readonly task: 'release-order'; readonly root: string; readonly base: string; readonly head: string }
  | { readonly task: 'cdk8s'; readonly root: string }
  | { readonly task: 'floor'; readonly root: string; readonly share: number; readonly shares: number };

/** What the child answers. */
export interface MeasureResult {
  readonly ms: number;
  /**
   * Phases of a render, milliseconds summed over threads; `load` is the spec loading, `write` the write of
   * `manifests/`.
   */
  readonly phases?: PhaseTimings & { load: number; write: number };
  readonly objects?: number;
  /** Files written under `manifests/` (a full render). */
  readonly files?: number;
  readonly rendered?: number;
  readonly peakRssMiB: number;
  /** A release order: its changes, apps × environments, and the characters of its comments. */
  readonly releaseOrder?: {
    readonly changes: number;
    readonly appReleases: number;
    readonly comments: number;
    readonly commentChars: number;
  };
  /** Set when the task did not run (a baseline that was skipped). */
  readonly skipped?: string;
}

async function run(request: MeasureRequest, progress: (done: number, total: number) => void): Promise<MeasureResult> {
  const rss = () => Math.round(process.resourceUsage().maxRSS / 1024);
  switch (request.task) {
    case 'full': {
      // Every run writes every file, as a first render does. The last run's files are moved aside, not
      // deleted, so that deleting them (the bench removes the repository at the end) does not slow this run.
      const dir = join(request.root, MANIFESTS_DIR);
      if (existsSync(dir)) renameSync(dir, join(request.root, `.bench-old-manifests-${process.pid}`));
      const timings: PhaseTimings & { load: number; write: number } = {
        load: 0,
        build: 0,
        serialize: 0,
        validate: 0,
        write: 0,
      };
      const t0 = performance.now();
      const result = await renderAll(request.root, {
        cache: false,
        workers: request.workers,
        timings,
        onProgress: progress,
      });
      const t1 = performance.now();
      writeOutput(join(request.root, MANIFESTS_DIR), result.files);
      const t2 = performance.now();
      timings.write = t2 - t1;
      return {
        ms: t2 - t0,
        phases: timings,
        objects: result.objects,
        files: result.files.length,
        rendered: result.rendered,
        peakRssMiB: rss(),
      };
    }
    case 'synth': {
      const t0 = performance.now();
      const result = await synth(request.root, { workers: request.workers, onProgress: progress });
      return { ms: performance.now() - t0, objects: result.objects, rendered: result.rendered, peakRssMiB: rss() };
    }
    case 'release-order': {
      // What the workflow makes of a pull request: the order, its comment, its per-app detail and its JSON.
      const t0 = performance.now();
      const order = await buildReleaseOrder(request.root, request.base, request.head);
      const comments = releaseOrderMarkdown(order);
      releaseOrderDetail(order);
      releaseOrderJson(order);
      const ms = performance.now() - t0;
      const appReleases = order.environments.reduce((n, e) => n + e.apps.length, 0);
      const commentChars = Math.max(...comments.map((c) => c.length));
      const releaseOrder = { changes: order.changes.length, appReleases, comments: comments.length, commentChars };
      return { ms, peakRssMiB: rss(), releaseOrder };
    }
    case 'cdk8s': {
      const resolved = resolveProject(await loadProject(request.root, { cache: false }));
      const result = cdk8sSingleApp(resolved);
      return 'seconds' in result
        ? { ms: result.seconds * 1000, peakRssMiB: rss() }
        : { ms: 0, skipped: result.skipped, peakRssMiB: rss() };
    }
    case 'floor': {
      const apps = resolveProject(await loadProject(request.root, { cache: false })).filter(
        (_, i) => i % request.shares === request.share,
      );
      await new Promise<void>((go) => {
        process.once('message', () => go());
        process.send!({ ready: true });
      });
      const t0 = performance.now();
      const objects = stackFloor(apps);
      return { ms: performance.now() - t0, objects, rendered: apps.length, peakRssMiB: rss() };
    }
  }
}

process.once('message', (request: MeasureRequest) => {
  run(request, (done, total) => process.send!({ progress: [done, total] })).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (error: Error) => process.send!({ error: error.stack ?? String(error) }, () => process.exit(1)),
  );
});
