/**
 * `release-order --verify`: re-renders the head revision's specs and compares
 * the result with the head's committed `manifests/`. The render runs as
 * `synth --check` in a child process (from the platform build, as `npm run`
 * runs it) on a scratch copy of the revision, so release tooling never loads
 * the constructs itself.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MANIFESTS } from './manifests.ts';
import { LIB_DIR, scratchCopy } from './revision.ts';

/** Outcome of re-rendering the head. */
export type VerifyResult =
  | { readonly status: 'fresh' }
  | { readonly status: 'stale'; readonly report: string }
  | { readonly status: 'failed'; readonly report: string };

/**
 * Re-renders `rev` (its `apps/`, `environments/`, `package.json`) with this checkout's `lib/` and compares with its
 * `manifests/`.
 */
export function verifyHead(root: string, rev: string): VerifyResult {
  const scratch = scratchCopy(root, rev, ['apps', 'environments', MANIFESTS, 'package.json']);
  try {
    const run = spawnSync(process.execPath, [join(LIB_DIR, 'cli', 'launch.mjs'), 'synth', '--check'], {
      cwd: scratch.dir,
      encoding: 'utf8',
      env: { ...process.env, PLATFORM_ROOT: scratch.dir },
      maxBuffer: 256 * 1024 * 1024,
    });
    const report = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim();
    if (run.status === 0) return { status: 'fresh' };
    if (run.status === 1 && /manifests\/ is stale/.test(report)) return { status: 'stale', report };
    return { status: 'failed', report: report || `synth exited with ${run.status ?? run.signal}` };
  } finally {
    scratch.cleanup();
  }
}
