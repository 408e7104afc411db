/**
 * Writing `manifests/`: all or nothing. Files are written to a temporary
 * folder beside `manifests/`, which then replaces it; files no longer rendered
 * disappear with the old folder.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listFiles } from '../validate/validate.ts';
import type { RenderedFile } from './render.ts';

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
export function diffOutput(dir: string, files: readonly RenderedFile[]): OutputDiff {
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
export function writeOutput(dir: string, files: readonly RenderedFile[]): OutputDiff {
  const diff = diffOutput(dir, files);
  const parent = dirname(dir);
  const suffix = `${process.pid}-${Date.now()}`;
  const staging = join(parent, `.manifests.new-${suffix}`);
  const retired = join(parent, `.manifests.old-${suffix}`);
  try {
    for (const f of files) {
      const target = join(staging, f.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content);
    }
    mkdirSync(staging, { recursive: true });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(dir)) renameSync(dir, retired);
  renameSync(staging, dir);
  rmSync(retired, { recursive: true, force: true });
  return diff;
}
