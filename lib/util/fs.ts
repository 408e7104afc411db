/** File helpers shared by everything that writes into the repository or its cache. */
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isRunning } from './process.mjs';

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
 * Runs `task` holding the lock file `file`, which holds this process's id
 * from the moment it exists (written aside, then linked into place, which
 * fails if the lock is there), and removes it after. A lock whose process no
 * longer runs is taken over; one held by a running process fails at once,
 * naming it and `what` it guards.
 */
export async function withLock<T>(file: string, what: string, task: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (;;) {
      try {
        linkSync(mine, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(readLock(file));
        if (isRunning(holder)) {
          throw new Error(`${what} is in use by process ${holder} (${file}); wait for it to end, or remove ${file} if that process is not this tool`);
        }
        // Left by a process that stopped: take it over.
        rmSync(file, { force: true });
      }
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

function readLock(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
