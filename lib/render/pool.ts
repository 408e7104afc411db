/**
 * Render worker threads, started ahead of the renders they take.
 *
 * A worker runs the render code from the platform build (`lib/util/build.mjs`:
 * the code and its libraries compiled into a few JavaScript files), so it
 * starts without a TypeScript loader and without loading the libraries file by
 * file. Where the build cannot be made, workers load the sources through the
 * loader instead.
 *
 * On a quiet 2-core machine the second thread makes a 1000-app render about a
 * fifth faster; with other work running it was a tenth slower, so `--workers 0`
 * turns it off (docs/performance.md, "What each piece buys").
 */
import { Worker } from 'node:worker_threads';
import { platformEntry } from '../util/build.mjs';

/** A set of render workers; each is usable once it has reported ready. */
export class RenderPool {
  /** Each worker, once it has loaded the render code; rejects if it stops or fails before. */
  public readonly ready: readonly Promise<Worker>[];
  private readonly started: Worker[] = [];
  /** Workers that stopped, also while they waited for work. */
  private readonly stopped = new WeakSet<Worker>();
  private closed = false;

  private constructor(size: number) {
    const source = workerScript();
    this.ready = Array.from({ length: size }, () =>
      source.then(({ url, compiled }) => {
        if (this.closed) throw new Error('the render pool was closed before the worker started');
        return new Promise<Worker>((resolve, reject) => {
          // No inherited loader flags for the compiled worker: it needs none, and they would slow every import.
          const worker = new Worker(url, { execArgv: compiled ? [] : undefined });
          this.started.push(worker);
          // Kept for the worker's life: a worker that stops while idle is known as stopped, and its
          // error (which stops it) is not thrown in this thread when no render is listening.
          worker.on('exit', () => this.stopped.add(worker));
          worker.on('error', () => this.stopped.add(worker));
          const settle = () => {
            worker.off('message', onMessage);
            worker.off('error', onError);
            worker.off('exit', onExit);
          };
          const onMessage = (message: { ready?: boolean }) => {
            if (!message.ready) return;
            settle();
            resolve(worker);
          };
          const onError = (error: Error) => {
            settle();
            reject(error);
          };
          const onExit = (code: number) => {
            settle();
            reject(new Error(`the render worker stopped (exit code ${code}) before it was ready`));
          };
          worker.on('message', onMessage);
          worker.on('error', onError);
          worker.on('exit', onExit);
        });
      }),
    );
    // A worker that fails to start is reported by whoever waits for it; until then the failure is not unhandled.
    for (const r of this.ready) r.catch(() => undefined);
  }

  /** Whether `worker` still runs and can take batches. */
  isRunning(worker: Worker): boolean {
    return !this.stopped.has(worker);
  }

  /** Starts `size` workers. */
  static start(size: number): RenderPool {
    return new RenderPool(size);
  }

  /** Stops every worker, started or still starting; none starts afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.started.map((w) => w.terminate()));
  }
}

let script: Promise<{ url: URL; compiled: boolean }> | undefined;

/** The worker script: the platform build's; the TypeScript entry where there is no build. */
function workerScript(): Promise<{ url: URL; compiled: boolean }> {
  script ??= platformEntry('worker').then((url) =>
    url ? { url, compiled: true } : { url: new URL('./worker-entry.mjs', import.meta.url), compiled: false },
  );
  return script;
}
