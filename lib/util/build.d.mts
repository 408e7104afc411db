/** Types of `build.mjs`, the platform build (plain JavaScript: it runs before TypeScript can be loaded). */
export declare const BUILD_DIR: string;
export declare const ENTRIES: { readonly main: string; readonly worker: string; readonly measure: string };
export declare const EXTERNAL: readonly string[];
export declare function codeHash(root: string): string;
export declare function platformBuild(root: string, code?: string): Promise<string>;
