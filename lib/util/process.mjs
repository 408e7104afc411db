/**
 * Process helpers shared by the platform build (plain JavaScript, loaded
 * before TypeScript can be) and the TypeScript code.
 */

/** Whether a process with id `pid` runs on this machine. */
export function isRunning(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
