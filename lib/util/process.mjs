/**
 * Process helpers shared by the platform build (plain JavaScript, loaded
 * before TypeScript can be) and the TypeScript code.
 */
import { readFileSync } from 'node:fs';

/**
 * The state letter and start time (clock ticks since boot) of process `pid`, from
 * `/proc/<pid>/stat`; `undefined` where there is no such file (no process, or no procfs).
 */
export function processStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and ')': read after the last one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

/** Start time of process `pid` (clock ticks since boot), or `undefined` where it cannot be read. */
export function processStartTime(pid) {
  return processStat(pid)?.startTime || undefined;
}

/**
 * Whether a process with id `pid` runs on this machine. A zombie (ended, not yet reaped by its
 * parent) does not run. With `startTime` (as `processStartTime` gave it), a process that has the
 * id but started at another time is a later process that reuses the id, and does not count.
 */
export function isRunning(pid, startTime) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code !== 'EPERM') return false;
  }
  const stat = processStat(pid);
  if (stat === undefined) return true;
  if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
  return startTime === undefined || startTime === '' || stat.startTime === startTime;
}
