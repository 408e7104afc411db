/**
 * Writing `manifests/`: all or nothing, in time proportional to what changed.
 *
 * Changed and new files are first written to a staging folder beside
 * `manifests/`; nothing in `manifests/` is touched until every one of them is
 * written. Then a journal listing the moves and removals is written (the
 * commit point), stale files are removed, the staged files are renamed into
 * place, and the journal is deleted. A run that stops before the journal
 * leaves `manifests/` as it was; one that stops after it is completed by the
 * next write before it compares anything (`synth --check` writes nothing, so
 * it reports the files still to move as stale). Files are not flushed to the
 * disk one by one (that would cost more than the render): the scheme holds
 * when the process stops, not when the machine loses power, after which
 * `synth --no-cache` rewrites every file whose bytes differ.
 *
 * Whether a file changed is known without reading it when the output record
 * (`.render-cache/outputs.json`) holds its hash, size, modification and change
 * times from the run that wrote it, and the file on disk still has that size
 * and those times (as git's index does). Any other file is read and compared.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { listFiles } from '../validate/validate.ts';
import { writeAtomic } from '../util/fs.ts';
import { isRunning } from '../util/process.mjs';

/** A file to write under `manifests/`. */
export interface OutputFile {
  /** Path relative to `manifests/` (`prod/apps/claims-api.yaml`). */
  readonly path: string;
  /** The file's bytes; read from the render store when first asked for, which throws if the store lost them. */
  readonly content: string;
  /**
   * SHA-1 of the bytes, hex, when known: an unchanged file is then recognised from the output record without reading
   * it.
   */
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

/**
 * What the record keeps of a file: its hash, size, modification and change
 * times, and when they were read. The change time moves with any write or
 * time change, also one that puts the modification time back (`cp -p`,
 * `touch -r`), as git's index relies on.
 */
type RecordEntry = readonly [hash: string, size: number, mtimeMs: number, ctimeMs: number, statAtMs: number];

/**
 * The coarsest file time resolution to allow for (FAT keeps 2 s): a file whose
 * time is this close to when the record read it may have changed again within
 * the same tick, unseen, so it is read rather than trusted (git calls such an
 * entry "racily clean").
 */
const TIME_RESOLUTION_MS = 2000;

/** Hash, size, modification and change times of each file a run left in an output folder. */
export class OutputRecord {
  /** Files found unchanged by reading them: their entry is renewed. */
  private readonly verified = new Set<string>();

  private constructor(
    private readonly file: string | undefined,
    private readonly entries: Map<string, RecordEntry>,
  ) {}

  /** Reads the record kept in `file`; `undefined` gives a record that is never kept. */
  static open(file: string | undefined): OutputRecord {
    const entries = new Map<string, RecordEntry>();
    if (file && existsSync(file)) {
      try {
        for (const [path, entry] of Object.entries(
          JSON.parse(readFileSync(file, 'utf8')) as Record<string, RecordEntry>,
        )) {
          if (Array.isArray(entry) && entry.length === 5) entries.set(path, entry);
        }
      } catch {
        // An unreadable record is an empty one: every file is read.
      }
    }
    return new OutputRecord(file, entries);
  }

  /** Whether `path` under `dir` is known to hold the bytes of hash `hash`. */
  holds(dir: string, path: string, hash: string): boolean {
    const entry = this.entries.get(path);
    if (!entry) return false;
    const [recorded, size, mtimeMs, ctimeMs, statAtMs] = entry;
    if (recorded !== hash || Math.max(mtimeMs, ctimeMs) >= statAtMs - TIME_RESOLUTION_MS) return false;
    const stat = statOf(join(dir, path));
    return stat?.isFile() === true && stat.size === size && stat.mtimeMs === mtimeMs && stat.ctimeMs === ctimeMs;
  }

  /** Notes that `path` was read and found to hold its rendered bytes. */
  verifiedByReading(path: string): void {
    this.verified.add(path);
  }

  /** Records `files` as they are now under `dir` (those with a hash), and forgets every other path. */
  update(dir: string, files: readonly OutputFile[], written: ReadonlySet<string>): void {
    const next = new Map<string, RecordEntry>();
    for (const f of files) {
      if (!f.hash) continue;
      const known = this.entries.get(f.path);
      if (known && known[0] === f.hash && !written.has(f.path) && !this.verified.has(f.path)) {
        next.set(f.path, known);
        continue;
      }
      const statAt = Date.now();
      const stat = lstatSync(join(dir, f.path));
      next.set(f.path, [f.hash, stat.size, stat.mtimeMs, stat.ctimeMs, statAt]);
    }
    this.entries.clear();
    this.verified.clear();
    for (const [k, v] of next) this.entries.set(k, v);
  }

  /** Writes the record, atomically. */
  save(): void {
    if (this.file) writeAtomic(this.file, JSON.stringify(Object.fromEntries(this.entries)));
  }
}

/** The journal of a write in progress: staged files to move into `dir`, and stale files to remove from it. */
interface Journal {
  readonly staging: string;
  readonly moves: readonly string[];
  readonly removals: readonly string[];
}

function journalFile(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.journal.json`);
}

/** Prefix of the staging folders beside `dir`; each ends in the writer's pid and a time. */
function stagingPrefix(dir: string): string {
  return `.${basename(dir)}.new-`;
}

/**
 * Completes a write that stopped after its journal was written, and removes
 * what writes that stopped earlier left behind (staging folders of processes
 * that no longer run). A journal that cannot be read (cut short by a crash)
 * is dropped: the caller compares and writes everything again anyway, which
 * also rewrites any moved file whose bytes did not reach the disk.
 */
function recoverOutput(dir: string): void {
  const file = journalFile(dir);
  if (existsSync(file)) {
    let journal: Journal | undefined;
    try {
      journal = JSON.parse(readFileSync(file, 'utf8')) as Journal;
    } catch {
      journal = undefined;
    }
    if (!journal) rmSync(file, { force: true });
    else {
      try {
        finishJournal(dir, journal);
      } catch (error) {
        throw new Error(
          `manifests: cannot complete the write that stopped part-way (${file}): ${(error as Error).message}. Fix: make ${dir} writable and run synth again, or remove ${file} and ${journal.staging}, then run \`npm run synth\``,
          { cause: error },
        );
      }
    }
  }
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(stagingPrefix(dir))) continue;
    const pid = Number(name.slice(stagingPrefix(dir).length).split('-')[0]);
    if (pid !== process.pid && !isRunning(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Applies `journal` to `dir`, then removes its staging folder and the journal itself. */
function finishJournal(dir: string, journal: Journal): void {
  applyJournal(dir, journal);
  rmSync(journal.staging, { recursive: true, force: true });
  rmSync(journalFile(dir), { force: true });
}

/** Applies `journal` to `dir`; applying it again after a stop part-way finishes it. */
function applyJournal(dir: string, journal: Journal): void {
  // Removals first, and the folders they empty: a stale file may stand where a new file's folder goes, and a stale
  // folder where a new file goes.
  const emptied = new Set<string>();
  for (const path of journal.removals) {
    // After a stop part-way, a new file's folder may already stand where a stale file was.
    if (statOf(join(dir, path))?.isFile()) rmSync(join(dir, path), { force: true });
    for (let folder = dirname(path); folder !== '.'; folder = dirname(folder)) emptied.add(folder);
  }
  for (const folder of [...emptied].sort((a, b) => b.length - a.length)) {
    const full = join(dir, folder);
    if (statOf(full)?.isDirectory() && readdirSync(full).length === 0) rmdirSync(full);
  }
  const made = new Set<string>();
  for (const path of journal.moves) {
    const from = join(journal.staging, path);
    // A move already done before a stop has no staged file left.
    if (!existsSync(from)) continue;
    const folder = dirname(path);
    if (!made.has(folder)) {
      makeFolder(dir, folder);
      made.add(folder);
    }
    // What is left in the way is nothing synth writes (a stale file was removed above): an empty folder, a link.
    const target = join(dir, path);
    const there = statOf(target);
    if (there && !there.isFile()) rmSync(target, { recursive: true, force: true });
    renameSync(from, target);
  }
}

/**
 * Makes `folder` (relative to `dir`) and its parents, removing any entry in the way that is not a folder (a link, say).
 */
function makeFolder(dir: string, folder: string): void {
  let at = dir;
  for (const part of folder === '.' ? [] : folder.split('/')) {
    at = join(at, part);
    const there = statOf(at);
    if (there?.isDirectory()) continue;
    if (there) rmSync(at, { force: true });
    mkdirSync(at);
  }
}

/** Compares rendered files with `dir` as it is, without touching it (an interrupted write shows as stale files). */
export function diffOutput(dir: string, files: readonly OutputFile[], record?: OutputRecord): OutputDiff {
  const onDisk = new Set(listFiles(dir));
  const changed: string[] = [];
  const added: string[] = [];
  for (const f of files) {
    if (!onDisk.has(f.path)) added.push(f.path);
    else if (!(f.hash && record?.holds(dir, f.path, f.hash))) {
      if (readFileSync(join(dir, f.path), 'utf8') !== f.content) changed.push(f.path);
      else record?.verifiedByReading(f.path);
    }
    onDisk.delete(f.path);
  }
  return { changed, added, removed: [...onDisk] };
}

/** Makes `dir` hold exactly `files`. A failure before the journal is written leaves `dir` untouched. */
export function writeOutput(dir: string, files: readonly OutputFile[], record?: OutputRecord): OutputDiff {
  assertNoClash(files);
  recoverOutput(dir);
  const diff = diffOutput(dir, files, record);
  const moves = [...diff.changed, ...diff.added].sort();
  if (moves.length > 0 || diff.removed.length > 0) {
    const staging = join(dirname(dir), `${stagingPrefix(dir)}${process.pid}-${Date.now()}`);
    const byPath = new Map(files.map((f) => [f.path, f]));
    let journal: Journal | undefined;
    try {
      const made = new Set<string>();
      for (const path of moves) {
        const target = join(staging, path);
        const folder = dirname(target);
        if (!made.has(folder)) {
          mkdirSync(folder, { recursive: true });
          made.add(folder);
        }
        writeFileSync(target, byPath.get(path)!.content);
      }
      if (existsSync(dir)) {
        journal = { staging, moves, removals: diff.removed };
        writeAtomic(journalFile(dir), JSON.stringify(journal));
      } else {
        // Nothing to keep: the staged tree becomes the folder in one rename.
        renameSync(staging, dir);
      }
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    if (journal) finishJournal(dir, journal);
  }
  if (record) {
    record.update(dir, files, new Set(moves));
    record.save();
  }
  return diff;
}

/** Throws, before anything is written, when one file of `files` stands where another's folder must be. */
function assertNoClash(files: readonly OutputFile[]): void {
  const paths = new Set(files.map((f) => f.path));
  for (const { path } of files) {
    for (let folder = dirname(path); folder !== '.'; folder = dirname(folder)) {
      if (paths.has(folder))
        throw new Error(
          `manifests: cannot write both ${folder} and ${path}: a rendered file stands where another's folder must be; rename one of them`,
        );
    }
  }
}

/** The entry at `path` (not following a link), or `undefined` when there is none, also when a parent is a file. */
function statOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
