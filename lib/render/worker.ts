/**
 * A render worker: takes batches of resolved apps, returns their files,
 * object counts and per-object violations. Runs in a worker thread.
 */
import { parentPort } from 'node:worker_threads';
import { renderBatch, type BatchRequest } from './batch.ts';

parentPort!.on('message', (request: BatchRequest) => {
  try {
    const timings = { build: 0, serialize: 0, validate: 0 };
    parentPort!.postMessage({
      id: request.id,
      results: renderBatch(request.apps, timings, request.cross ? new Set(request.cross) : undefined),
      timings,
    });
  } catch (error) {
    // The message only: it names the app file and environment; the worker's stack adds nothing for the user.
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort!.postMessage({ ready: true });
