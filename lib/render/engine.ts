/**
 * The render engine: resolved apps → validated manifest files, on every core.
 *
 * The main thread and worker threads pull batches from one queue; results are
 * put back in input order, so the output is byte-identical whatever the
 * number of workers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { validateFiles, type Violation } from '../validate/validate.ts';
import { renderAppFile, type PhaseTimings } from './render.ts';
import { objectId } from './order.ts';
import type { KubeObject } from './yaml.ts';

/** One app × environment, rendered and checked. Plain data: it crosses threads and is cached on disk. */
export interface RenderedAppFile {
  readonly path: string;
  readonly env: string;
  readonly content: string;
  readonly objectCount: number;
  /** `apiVersion/kind/namespace/name` of every object, for the duplicate check across files. */
  readonly ids: readonly string[];
  /** Violations of the per-object rules (schema and policy). */
  readonly violations: readonly Violation[];
  /** The workload objects, for the rules that compare environments (e.g. the same strategy in prod and dr). */
  readonly crossObjects: readonly KubeObject[];
}

/** Kinds the cross-environment rules read. */
const CROSS_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'CloneSet', 'Rollout']);

/** A batch sent to a worker. */
export interface BatchRequest {
  readonly id: number;
  readonly apps: readonly ResolvedApp[];
  /** Environments compared with another by the cross-environment rules; `undefined` for all. */
  readonly cross?: readonly string[];
}

/** Apps per batch: large enough to amortise messaging, small enough to balance the cores. */
const BATCH = 40;
/** Below this many app × environment renders, starting a worker costs more than it saves. */
export const PARALLEL_THRESHOLD = 3000;

/** Renders and validates a batch in the current thread. */
export function renderBatch(apps: readonly ResolvedApp[], timings?: PhaseTimings, cross?: ReadonlySet<string>): RenderedAppFile[] {
  return apps.map((app) => {
    const file = renderAppFile(app, timings);
    const environments = new Map<string, EnvironmentSpec>([[app.environment.name, app.environment]]);
    const t0 = performance.now();
    const violations = validateFiles([file], environments, { across: false });
    if (timings) timings.validate += performance.now() - t0;
    return {
      path: file.path,
      env: file.env,
      content: file.content,
      objectCount: file.objects.length,
      ids: file.objects.map(objectId),
      violations,
      crossObjects: cross === undefined || cross.has(app.environment.name) ? file.objects.filter((o) => CROSS_KINDS.has(o.kind)) : [],
    };
  });
}

/** Options of `renderApps`. */
export interface EngineOptions {
  /**
   * Worker threads besides the main thread.
   * @default - one less than the cores, when there are at least PARALLEL_THRESHOLD renders; else 0
   */
  readonly workers?: number;
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

/** Renders and validates `apps`, in parallel where it pays; results in input order. */
export async function renderApps(apps: readonly ResolvedApp[], options: EngineOptions = {}): Promise<RenderedAppFile[]> {
  const workers = options.workers ?? (apps.length >= PARALLEL_THRESHOLD ? Math.max(0, availableParallelism() - 1) : 0);
  const results: RenderedAppFile[][] = [];
  const batches: BatchRequest[] = [];
  const cross = options.crossEnvironments ? [...options.crossEnvironments] : undefined;
  for (let i = 0; i < apps.length; i += BATCH) batches.push({ id: batches.length, apps: apps.slice(i, i + BATCH), cross });
  let next = 0;
  let done = 0;
  const report = (n: number) => {
    done += n;
    options.onProgress?.(done, apps.length);
  };

  const pool = Array.from({ length: workers }, () => new Worker(new URL('./worker-entry.mjs', import.meta.url)));
  try {
    const workerRuns = pool.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const send = () => {
            const batch = batches[next++];
            if (batch) worker.postMessage(batch);
            else resolve();
          };
          worker.on('message', (message: { ready?: boolean; id?: number; results?: RenderedAppFile[]; timings?: PhaseTimings; error?: string }) => {
            if (message.error) return reject(new Error(`render worker failed: ${message.error}`));
            if (message.timings && options.timings) {
              options.timings.build += message.timings.build;
              options.timings.serialize += message.timings.serialize;
              options.timings.validate += message.timings.validate;
            }
            if (message.results && message.id !== undefined) {
              results[message.id] = message.results;
              report(message.results.length);
            }
            send();
          });
          worker.on('error', reject);
        }),
    );
    // The main thread renders too, yielding between batches so worker messages are served.
    const mainRun = (async () => {
      for (;;) {
        const batch = batches[next++];
        if (!batch) return;
        results[batch.id] = renderBatch(batch.apps, options.timings, options.crossEnvironments);
        report(batch.apps.length);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all([mainRun, ...workerRuns]);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results.flat();
}
