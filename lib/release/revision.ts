/**
 * Files of a git revision, read without touching the work tree: a scratch
 * copy of some folders, and the environments' policy as of that revision.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listTree, readBlobs } from '../git/git.ts';
import { loadEnvironmentsOnly, type LoadedEnvironment } from '../spec/project.ts';

/** The platform library this process runs (`lib/`). */
export const LIB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The package manifest, which holds the `#platform` import alias of app and environment files. */
const PACKAGE_FILE = 'package.json';

/** A throwaway folder holding files of one revision; `cleanup` removes it. */
export interface Scratch {
  readonly dir: string;
  readonly cleanup: () => void;
}

/**
 * Copies the files under `paths` at `rev` into a new temp folder, with this
 * process's `lib/` and `node_modules/` linked in, so TypeScript specs of the
 * revision import the platform library exactly as in a checkout. Unless
 * `paths` brings the revision's own `package.json`, this platform's is copied
 * in, so that its `#platform` import alias resolves; specs of older
 * revisions, which import `../lib/spec/index.ts`, load as well.
 */
export function scratchCopy(root: string, rev: string, paths: readonly string[]): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'release-rev-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const entries = paths.flatMap((p) => listTree(root, rev, p));
    const blobs = readBlobs(
      root,
      entries.map((e) => e.sha),
    );
    for (const e of entries) {
      const target = join(dir, e.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, blobs.get(e.sha)!);
    }
    symlinkSync(LIB_DIR, join(dir, 'lib'), 'dir');
    const manifest = join(dirname(LIB_DIR), PACKAGE_FILE);
    if (!existsSync(join(dir, PACKAGE_FILE)) && existsSync(manifest)) copyFileSync(manifest, join(dir, PACKAGE_FILE));
    const modules = join(dirname(LIB_DIR), 'node_modules');
    if (existsSync(modules)) symlinkSync(modules, join(dir, 'node_modules'), 'dir');
  } catch (error) {
    cleanup();
    throw error;
  }
  return { dir, cleanup };
}

/**
 * The environments (facts, policy, pinned versions) as of `rev`, checked and
 * in promotion order. A bad environment file fails with its file, field and fix.
 */
export async function environmentsAt(root: string, rev: string): Promise<LoadedEnvironment[]> {
  const scratch = scratchCopy(root, rev, ['environments']);
  try {
    return await loadEnvironmentsOnly(scratch.dir);
  } catch (error) {
    (error as Error).message = `environments/ at ${rev.slice(0, 12)}: ${(error as Error).message}`;
    throw error;
  } finally {
    scratch.cleanup();
  }
}
