/**
 * Loading many spec files (the app files, the environment files) at once.
 * Importing a TypeScript file costs a few milliseconds of loader work each,
 * seconds at a thousand apps, and needs a TypeScript loader in the process; so
 * the files are compiled together in one esbuild pass, with what they import
 * from the repository, and evaluated in this process against the spec module
 * already loaded here. What they import is compiled afresh on every load, so a
 * change to it is seen even by a long-lived process. Any failure (a syntax
 * error, a throwing file, a missing default export, an import of a package)
 * gives up on the batch: the caller then imports the files one by one, which
 * names the file at fault.
 */
import { build } from 'esbuild';
import { runInThisContext } from 'node:vm';
import * as spec from './index.ts';
import { resolve } from 'node:path';
import { realpathSync } from 'node:fs';

/** The real path of `path` (symbolic links resolved, as esbuild names the files it loads), or `path` itself. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
import type { Plugin } from 'esbuild';

/** Serves the given text of each of the batch's files (by absolute path) instead of reading the file again. */
function givenTexts(texts: ReadonlyMap<string, string>, served: Set<string>): Plugin {
  const filter = new RegExp(`^(${[...texts.keys()].map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
  return {
    name: 'given-texts',
    setup(build) {
      build.onLoad({ filter }, (args) => {
        served.add(args.path);
        return { contents: texts.get(args.path)!, loader: 'ts', resolveDir: resolve(args.path, '..') };
      });
    },
  };
}

/**
 * Imports of the spec module (`#platform`, the package's import alias, or a relative
 * `../lib/spec/index.ts` as older revisions have it) are left out of the batch and
 * given the module loaded here. esbuild matches these patterns itself: a plugin that did it asked
 * this process about every import, which took longer than compiling the files.
 */
const SPEC_MODULE_PATHS = ['#platform', '*/lib/spec/index.ts'];
const SPEC_MODULE = /^#platform$|(^|\/)lib\/spec\/index\.ts$/;

/**
 * The default exports of `files` (paths relative to `root`), in order; `undefined` when the batch
 * cannot be loaded whole. With `texts`, each file is compiled from the text given for it (the bytes
 * the caller read and hashed), never from a second read of the file, which may have changed since.
 */
export async function loadSpecFiles(
  root: string,
  files: readonly string[],
  texts?: readonly string[],
): Promise<unknown[] | undefined> {
  if (files.length === 0) return [];
  const given = new Map(texts ? files.map((f, i) => [realPath(resolve(root, f)), texts[i]!]) : []);
  const served = new Set<string>();
  const entry = files.map((f, i) => `export { default as f${i} } from ${JSON.stringify(`./${f}`)};`).join('\n');
  let code: string;
  try {
    code = await compile(root, entry, 'apps.bundle.ts', given.size === 0 ? [] : [givenTexts(given, served)]);
    // Every given text must have been compiled; a file esbuild read from disk instead might not be the one hashed.
    if (served.size !== given.size) return undefined;
  } catch {
    return undefined;
  }
  try {
    const values = evaluate(code, root, files.length);
    return values.some((v) => v === undefined) ? undefined : values;
  } catch {
    return undefined;
  }
}

/**
 * One esbuild pass over the module `entry` (which re-exports the batch's files), with the spec module left
 * out (`SPEC_MODULE_PATHS`): the batch as CommonJS, for `evaluate`.
 */
async function compile(root: string, entry: string, name: string, plugins: Plugin[]): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts', sourcefile: name },
    bundle: true,
    packages: 'external',
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    external: SPEC_MODULE_PATHS,
    plugins,
  });
  return result.outputFiles[0]!.text;
}

/** Runs a compiled batch (CommonJS) in this process and returns the exports `f0`, `f1`, … of its `count` files. */
function evaluate(code: string, root: string, count: number): unknown[] {
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string): unknown => {
    if (SPEC_MODULE.test(id)) return spec;
    throw new Error(`a spec loads only when it imports nothing but the spec module ('#platform'), not '${id}'`);
  };
  // Strict, as the same files are when imported as ES modules.
  const run = runInThisContext(`(function (exports, require, module) {'use strict';\n${code}\n})`, {
    filename: `${root}/apps.bundle.js`,
  }) as (exports: unknown, require: (id: string) => unknown, module: { exports: Record<string, unknown> }) => void;
  run(module.exports, require, module);
  return Array.from({ length: count }, (_, i) => module.exports[`f${i}`]);
}

/** Namespace of the spec texts `loadSpecTexts` serves to esbuild: `pinned:<index>`. */
const PINNED = 'pinned';

/** The default export of each text, or why it cannot be loaded. */
export type TextLoad = { readonly value: unknown } | { readonly error: string };

/**
 * The default exports of spec `texts` that are not files of the work tree (the spec texts pinned in
 * environments, read from git objects), compiled together in one esbuild pass. Such a text may import
 * the spec module and nothing else. When the batch fails, each text is compiled on its own, so that
 * every failure is named with its reason.
 */
export async function loadSpecTexts(root: string, texts: readonly string[]): Promise<TextLoad[]> {
  if (texts.length === 0) return [];
  const whole = await compileTexts(
    root,
    texts.map((_, i) => i),
    texts,
  );
  if (!('error' in whole) && whole.values.every((v) => v !== undefined))
    return whole.values.map((value) => ({ value }));
  return Promise.all(
    texts.map(async (_, i): Promise<TextLoad> => {
      const one = await compileTexts(root, [i], texts);
      if ('error' in one) return one;
      return one.values[0] === undefined ? { error: 'has no default export' } : { value: one.values[0] };
    }),
  );
}

async function compileTexts(
  root: string,
  indexes: readonly number[],
  texts: readonly string[],
): Promise<{ values: unknown[] } | { error: string }> {
  const entry = indexes
    .map((n, i) => `export { default as f${i} } from ${JSON.stringify(`${PINNED}:${n}`)};`)
    .join('\n');
  const served: Plugin = {
    name: 'pinned-texts',
    setup(build) {
      build.onResolve({ filter: /^pinned:\d+$/ }, (args) => ({
        path: args.path.slice(PINNED.length + 1),
        namespace: PINNED,
      }));
      build.onLoad({ filter: /.*/, namespace: PINNED }, (args) => ({
        contents: texts[Number(args.path)]!,
        loader: 'ts',
        resolveDir: resolve(root, 'apps'),
      }));
    },
  };
  let code: string;
  try {
    code = await compile(root, entry, 'pinned.bundle.ts', [served]);
  } catch (error) {
    return { error: firstLines((error as Error).message) };
  }
  try {
    return { values: evaluate(code, root, indexes.length) };
  } catch (error) {
    return { error: firstLines((error as Error).message) };
  }
}

/** The first lines of an error message, on one line. */
function firstLines(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(' ');
}
