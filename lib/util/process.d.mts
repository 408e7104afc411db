/** Types of `process.mjs` (plain JavaScript: the platform build uses it before TypeScript can be loaded). */

/** State letter and start time of a process, from `/proc/<pid>/stat`. */
export declare function processStat(pid: number): { state: string; startTime: string } | undefined;
/** Start time of process `pid` (clock ticks since boot), or `undefined` where it cannot be read. */
export declare function processStartTime(pid: number): string | undefined;
/** Whether process `pid` runs (not a zombie; with `startTime`, not a later process reusing the id). */
export declare function isRunning(pid: number, startTime?: string): boolean;
