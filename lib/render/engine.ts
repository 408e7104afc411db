/**
 * The render engine: resolved apps → validated manifest files, on every core.
 *
 * The main thread and worker threads pull batches from one queue; results are
 * put back in input order, so the output is byte-identical whatever the
 * number of workers.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { PhaseTimings } from './render.ts';
import { renderBatch, type BatchRequest, type RenderedAppFile } from './batch.ts';
import { RenderPool } from './pool.ts';

/** Apps per batch: large enough to amortise messaging, small enough to balance the cores. */
const BATCH = 40;
/** Batches sent to a worker ahead of its results. */
const IN_FLIGHT = 2;
/**
 * Below this many app × environment renders, a worker saves nothing: on 2 cores, a render of
 * 600 took as long with one as without, and one of 1500 a tenth less.
 */
const PARALLEL_THRESHOLD = 1000;

/** Options of `renderApps`. */
export interface EngineOptions {
  /**
   * Worker threads besides the main thread.
   * @default - one less than the cores, when there are at least PARALLEL_THRESHOLD renders; else 0
   */
  readonly workers?: number;
  /** Workers started earlier (`RenderPool.start`), used instead of starting new ones; the caller closes it. */
  readonly pool?: RenderPool;
  /** Called after each batch with the number of renders done. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Filled with the time spent per phase, summed over all threads. */
  readonly timings?: PhaseTimings;
  /**
   * Environments the cross-environment rules compare; other files carry no `crossObjects`.
   * @default - every environment
   */
  readonly crossEnvironments?: ReadonlySet<string>;
}

/**
 * Worker threads worth starting for `renders` renders on this machine: one less than the cores, or none for small
 * renders.
 */
export function defaultWorkers(renders: number): number {
  return renders >= PARALLEL_THRESHOLD ? Math.max(0, availableParallelism() - 1) : 0;
}

/** Renders and validates `apps`, in parallel where it pays; results in input order. */
export async function renderApps(
  apps: readonly ResolvedApp[],
  options: EngineOptions = {},
): Promise<RenderedAppFile[]> {
  const results: RenderedAppFile[][] = [];
  const batches: BatchRequest[] = [];
  const cross = options.crossEnvironments ? [...options.crossEnvironments] : undefined;
  for (let i = 0; i < apps.length; i += BATCH)
    batches.push({ id: batches.length, apps: apps.slice(i, i + BATCH), cross });
  let next = 0;
  let done = 0;
  const report = (n: number) => {
    done += n;
    options.onProgress?.(done, apps.length);
  };
  const workers = options.pool ? 0 : (options.workers ?? defaultWorkers(apps.length));
  const pool = options.pool ?? (workers > 0 && batches.length > 1 ? RenderPool.start(workers) : undefined);
  let failure: Error | undefined;
  try {
    // Each worker takes batches from the moment it is ready until none are left.
    const workerRuns = (pool?.ready ?? []).map(async (ready) => {
      if (next >= batches.length) return;
      let worker: Worker;
      try {
        worker = await ready;
        if (!pool!.isRunning(worker)) throw new Error('it stopped while it waited');
      } catch (error) {
        // The main thread takes every batch anyway; a worker that could not start only costs time.
        if (next < batches.length)
          process.emitWarning(
            `a render worker cannot take work (${(error as Error).message}); rendering on the main thread`,
          );
        return;
      }
      let listening: (() => void) | undefined;
      await new Promise<void>((resolve, reject) => {
        const fail = (error: Error) => {
          failure ??= error;
          reject(error);
        };
        let inFlight = 0;
        const send = () => {
          const batch = failure ? undefined : batches[next++];
          if (batch) {
            worker.postMessage(batch);
            inFlight++;
          } else if (inFlight === 0) resolve();
        };
        const onMessage = (message: {
          id?: number;
          results?: RenderedAppFile[];
          timings?: PhaseTimings;
          error?: string;
        }) => {
          if (message.error !== undefined) return fail(new Error(message.error));
          if (message.timings && options.timings) {
            options.timings.build += message.timings.build;
            options.timings.serialize += message.timings.serialize;
            options.timings.validate += message.timings.validate;
          }
          if (message.results && message.id !== undefined) {
            inFlight--;
            results[message.id] = message.results;
            report(message.results.length);
          }
          send();
        };
        const onExit = (code: number) =>
          fail(new Error(`a render worker stopped (exit code ${code}) in the middle of a batch`));
        worker.on('message', onMessage);
        worker.on('error', fail);
        worker.on('exit', onExit);
        listening = () => {
          worker.off('message', onMessage);
          worker.off('error', fail);
          worker.off('exit', onExit);
        };
        // Two batches in flight: the worker starts the second while the main thread, busy with a
        // batch of its own, has not yet read the first one's results.
        for (let i = 0; i < IN_FLIGHT; i++) send();
      }).finally(() => listening?.());
    });
    // The main thread renders too, yielding between batches so worker messages are served.
    const mainRun = (async () => {
      for (;;) {
        const batch = failure ? undefined : batches[next++];
        if (!batch) return;
        try {
          results[batch.id] = renderBatch(batch.apps, options.timings, options.crossEnvironments);
        } catch (error) {
          // The workers take no more batches once one render has failed.
          failure ??= error as Error;
          throw error;
        }
        report(batch.apps.length);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all([mainRun, ...workerRuns]);
  } finally {
    if (pool && !options.pool) await pool.close();
  }
  return results.flat();
}
