/** File helpers shared by everything that writes into the repository or its cache. */
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isRunning, processStartTime } from './process.mjs';

/**
 * Writes `content` to `file` through a temporary file beside it and a
 * rename, creating the folder: a reader sees the old file or the new one,
 * never part of it, even if the process dies half-way.
 */
export function writeAtomic(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, content);
  renameSync(temp, file);
}

/**
 * Runs `task` holding the lock file `file`, and removes it after. The lock holds this process's id
 * and start time (`<pid> <start>`) from the moment it exists: it is written aside, then linked into
 * place, which fails if the lock is there. A lock whose process no longer runs (ended, a zombie, or
 * its id now used by a later process) is taken over atomically: under a short takeover guard
 * (`<file>.takeover`, linked the same way), the lock is read again and replaced only if it is still
 * the stale one, so two processes never both take it. One held by a running process fails at once,
 * naming it and `what` it guards.
 */
export async function withLock<T>(file: string, what: string, task: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim());
  try {
    for (let attempt = 0; ; attempt++) {
      if (tryLink(mine, file)) break;
      const holder = readLock(file);
      if (holder && isRunning(holder.pid, holder.start)) {
        throw new Error(
          `${what} is in use by process ${holder.pid} (${file}); ` +
            `wait for it to end, or remove ${file} if that process is not this tool`,
        );
      }
      if (attempt > 200) throw new Error(`cannot take over the stale lock ${file}; remove it if no ${what} user runs`);
      takeOver(file, mine, holder);
    }
  } finally {
    rmSync(mine, { force: true });
  }
  try {
    return await task();
  } finally {
    rmSync(file, { force: true });
  }
}

/** Links `source` to `target`; false when `target` exists. */
function tryLink(source: string, target: string): boolean {
  try {
    linkSync(source, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/**
 * Removes the stale lock `file` (whose holder was read as `stale`) under the takeover guard, if it
 * is still that lock. Returns without doing anything while another process holds the guard: the
 * caller tries again, and then finds the lock taken or free.
 */
function takeOver(file: string, mine: string, stale: LockHolder | undefined): void {
  const guard = `${file}.takeover`;
  if (!tryLink(mine, guard)) {
    const holder = readLock(guard);
    // A guard is held for microseconds; one whose process ended is left by a crash and is removed.
    if (holder && !isRunning(holder.pid, holder.start)) rmSync(guard, { force: true });
    else sleepMs(5);
    return;
  }
  try {
    const now = readLock(file);
    const same = now === undefined ? stale === undefined : stale !== undefined && now.text === stale.text;
    if (same && !(now && isRunning(now.pid, now.start))) rmSync(file, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

/** What a lock file says: its text, the holder's pid and, when recorded, its start time. */
interface LockHolder {
  readonly text: string;
  readonly pid: number;
  readonly start?: string;
}

function readLock(file: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const [pid, start] = text.trim().split(/\s+/);
  return { text, pid: Number(pid), start };
}

/** Blocks the thread for `ms` milliseconds (a lock takeover waits this long for another one). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
