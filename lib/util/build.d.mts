/** Types of `build.mjs`, the platform build (plain JavaScript: it runs before TypeScript can be loaded). */
export declare const PLATFORM_ROOT: string;
export declare const BUILD_DIR: string;
export declare const ENTRIES: { readonly main: string; readonly worker: string; readonly measure: string };
export declare function codeHash(root: string): string;
export declare function platformBuild(root: string, code?: string): Promise<string>;
export declare function holdBuild(dir: string): void;
export declare function platformEntry(name: keyof typeof ENTRIES): Promise<URL | undefined>;
