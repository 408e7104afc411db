/** Types of `process.mjs` (plain JavaScript: the platform build uses it before TypeScript can be loaded). */
export declare function isRunning(pid: number): boolean;
