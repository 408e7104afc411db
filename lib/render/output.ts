/**
 * Writing `manifests/`: all or nothing. The new tree is built in a temporary
 * folder beside `manifests/` (unchanged files hard-linked, changed ones
 * written), which then replaces it; files no longer rendered disappear with
 * the old folder.
 *
 * Whether a file changed is known without reading it when the output record
 * (`.render-cache/outputs.json`) holds its hash, size and modification time
 * from the run that wrote it, and the file on disk still has that size and
 * time (as git's index does). Any other file is read and compared.
 */
import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listFiles } from '../validate/validate.ts';

/** A file to write under `manifests/`. */
export interface OutputFile {
  /** Path relative to `manifests/` (`prod/apps/claims-api.yaml`). */
  readonly path: string;
  /** The file's bytes. */
  readonly content: string;
  /** SHA-1 of the bytes, hex, when known: an unchanged file is then recognised from the output record without reading it. */
  readonly hash?: string;
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

/** Hash, size and modification time of each file a run left in an output folder. */
export class OutputRecord {
  private constructor(
    private readonly file: string | undefined,
    private readonly entries: Map<string, readonly [hash: string, size: number, mtimeMs: number]>,
  ) {}

  /** Reads the record kept in `file`; `undefined` gives a record that is never kept. */
  static open(file: string | undefined): OutputRecord {
    const entries = new Map<string, readonly [string, number, number]>();
    if (file && existsSync(file)) {
      try {
        for (const [path, entry] of Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, [string, number, number]>)) entries.set(path, entry);
      } catch {
        // An unreadable record is an empty one: every file is read.
      }
    }
    return new OutputRecord(file, entries);
  }

  /** Whether `path` under `dir` is known to hold the bytes of hash `hash`. */
  holds(dir: string, path: string, hash: string): boolean {
    const entry = this.entries.get(path);
    if (!entry || entry[0] !== hash) return false;
    const stat = lstatSync(join(dir, path), { throwIfNoEntry: false });
    return stat !== undefined && stat.isFile() && stat.size === entry[1] && stat.mtimeMs === entry[2];
  }

  /** Records `files` as they are now under `dir` (those with a hash), and forgets every other path. */
  update(dir: string, files: readonly OutputFile[], written: ReadonlySet<string>): void {
    const next = new Map<string, readonly [string, number, number]>();
    for (const f of files) {
      if (!f.hash) continue;
      const known = this.entries.get(f.path);
      if (known && known[0] === f.hash && !written.has(f.path)) {
        next.set(f.path, known);
        continue;
      }
      const stat = lstatSync(join(dir, f.path));
      next.set(f.path, [f.hash, stat.size, stat.mtimeMs]);
    }
    this.entries.clear();
    for (const [k, v] of next) this.entries.set(k, v);
  }

  /** Writes the record, atomically. */
  save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp-${process.pid}`, JSON.stringify(Object.fromEntries(this.entries)));
    renameSync(`${this.file}.tmp-${process.pid}`, this.file);
  }
}

/** Compares rendered files with `dir` without touching it. */
export function diffOutput(dir: string, files: readonly OutputFile[], record?: OutputRecord): OutputDiff {
  const onDisk = new Set(listFiles(dir));
  const changed: string[] = [];
  const added: string[] = [];
  for (const f of files) {
    if (!onDisk.has(f.path)) added.push(f.path);
    else if (!(f.hash && record?.holds(dir, f.path, f.hash)) && readFileSync(join(dir, f.path), 'utf8') !== f.content) changed.push(f.path);
    onDisk.delete(f.path);
  }
  return { changed, added, removed: [...onDisk] };
}

/** Replaces `dir` with exactly `files`. A failure before the swap leaves `dir` untouched. */
export function writeOutput(dir: string, files: readonly OutputFile[], record?: OutputRecord): OutputDiff {
  const diff = diffOutput(dir, files, record);
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
  if (record) {
    record.update(dir, files, differs);
    record.save();
  }
  return diff;
}
