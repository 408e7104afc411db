/**
 * Writing `manifests/`: all or nothing. The new tree is built in a temporary
 * folder beside `manifests/` (unchanged files hard-linked, changed ones
 * written), which then replaces it; files no longer rendered disappear with
 * the old folder.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listFiles } from '../validate/validate.ts';

/** A file to write under `manifests/`. */
export interface OutputFile {
  /** Path relative to `manifests/` (`prod/apps/claims-api.yaml`). */
  readonly path: string;
  /** The file's bytes. */
  readonly content: string;
}

/** What changed on disk, or would change. */
export interface OutputDiff {
  /** Files whose bytes differ. */
  readonly changed: string[];
  /** Files rendered but not on disk. */
  readonly added: string[];
  /** Files on disk no longer rendered (stale). */
  readonly removed: string[];
}

/** Compares rendered files with `dir` without touching it. */
export function diffOutput(dir: string, files: readonly OutputFile[]): OutputDiff {
  const onDisk = new Set(listFiles(dir));
  const changed: string[] = [];
  const added: string[] = [];
  for (const f of files) {
    if (!onDisk.has(f.path)) added.push(f.path);
    else if (readFileSync(join(dir, f.path), 'utf8') !== f.content) changed.push(f.path);
    onDisk.delete(f.path);
  }
  return { changed, added, removed: [...onDisk] };
}

/** Replaces `dir` with exactly `files`. A failure before the swap leaves `dir` untouched. */
export function writeOutput(dir: string, files: readonly OutputFile[]): OutputDiff {
  const diff = diffOutput(dir, files);
  const differs = new Set([...diff.changed, ...diff.added]);
  const parent = dirname(dir);
  const suffix = `${process.pid}-${Date.now()}`;
  const staging = join(parent, `.manifests.new-${suffix}`);
  const retired = join(parent, `.manifests.old-${suffix}`);
  try {
    mkdirSync(staging, { recursive: true });
    const made = new Set<string>();
    for (const f of files) {
      const target = join(staging, f.path);
      const folder = dirname(target);
      if (!made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      // An unchanged file is linked, not copied: the swap then costs little however large the tree.
      if (differs.has(f.path)) writeFileSync(target, f.content);
      else linkSync(join(dir, f.path), target);
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(dir)) renameSync(dir, retired);
  renameSync(staging, dir);
  rmSync(retired, { recursive: true, force: true });
  return diff;
}
