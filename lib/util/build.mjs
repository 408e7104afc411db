/**
 * The platform build: the command line, the render worker and the benchmark's
 * measuring process compiled by esbuild into JavaScript, with the libraries
 * they use, under `.render-cache/build/<code hash>/`.
 *
 * Loading the TypeScript sources through a loader's hooks, and the libraries
 * as hundreds of separate files, took seconds before a command did anything;
 * the build loads in a fraction of that. It is made once per change to the
 * platform code (every file under `lib/`, the lockfile, package.json) and
 * reused until the next one.
 *
 * Plain JavaScript, because it runs before anything can load TypeScript.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Folder of the builds, relative to the platform's root. */
export const BUILD_DIR = join('.render-cache', 'build');

/** Entry points of the build: output name → source, relative to the platform's root. */
export const ENTRIES = {
  main: 'lib/cli/main.ts',
  worker: 'lib/render/worker.ts',
  measure: 'lib/bench/measure.ts',
};

/**
 * Packages left out of the build and loaded from `node_modules` at run time:
 * those that find files of their own next to their code (esbuild's binary,
 * re2-wasm's WebAssembly, the TypeScript loader, Pulumi's plugins).
 */
export const EXTERNAL = ['esbuild', 're2-wasm', 'tsx', '@pulumi/*', 'typescript'];

/** Marks a finished build; a folder without it is one that stopped half-way. Its time is the build's last use. */
const COMPLETE = 'complete';

/**
 * A build of other code is removed once unused this long: a process still
 * running from it (a long benchmark, a command started before an edit) keeps
 * loading its files meanwhile.
 */
const KEEP_UNUSED_MS = 60 * 60 * 1000;

/** Hash of the platform code under `root`: every file under `lib/`, plus the lockfile and package.json. */
export function codeHash(root) {
  const hash = createHash('sha1');
  const files = readdirSync(join(root, 'lib'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const f of [...files, join(root, 'package-lock.json'), join(root, 'package.json')]) {
    if (!existsSync(f)) continue;
    hash.update(f.slice(root.length)).update('\0').update(readFileSync(f)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * The folder of the current build of the platform at `root`, compiled first if
 * there is none. Each entry of `ENTRIES` is `<folder>/<name>.mjs`. Builds of
 * other code are removed once unused for an hour. Concurrent callers may both
 * compile; each writes to a folder of its own and the first rename wins.
 */
export async function platformBuild(root, code = codeHash(root)) {
  const builds = join(root, BUILD_DIR);
  const dir = join(builds, code.slice(0, 16));
  if (existsSync(join(dir, COMPLETE))) {
    touch(join(dir, COMPLETE));
    return dir;
  }
  const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await compile(root, temp);
    writeFileSync(join(temp, COMPLETE), `${code}\n`);
    try {
      renameSync(temp, dir);
    } catch (error) {
      // Another process finished the same build first: use it. A folder without the mark is no build: replace it.
      if (!existsSync(join(dir, COMPLETE))) {
        if (!existsSync(dir)) throw error;
        rmSync(dir, { recursive: true, force: true });
        renameSync(temp, dir);
      }
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  for (const other of readdirSync(builds)) {
    if (other !== code.slice(0, 16) && !compiling(other) && !recentlyUsed(join(builds, other))) rmSync(join(builds, other), { recursive: true, force: true });
  }
  return dir;
}

function touch(file) {
  const now = new Date();
  try {
    utimesSync(file, now, now);
  } catch {
    // A read-only checkout: the build is still usable, only its age is not kept.
  }
}

function recentlyUsed(build) {
  try {
    return Date.now() - statSync(join(build, COMPLETE)).mtimeMs < KEEP_UNUSED_MS;
  } catch {
    return false;
  }
}

/** Whether `folder` is a build another live process is still writing. */
function compiling(folder) {
  const pid = /\.tmp-(\d+)-/.exec(folder)?.[1];
  if (pid === undefined) return false;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function compile(root, outdir) {
  mkdirSync(outdir, { recursive: true });
  const { build } = await import('esbuild');
  const lib = join(root, 'lib') + sep;
  await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    external: EXTERNAL,
    logLevel: 'silent',
    // CommonJS libraries inside an ES module build still call require() for Node's own modules.
    banner: { js: "import { createRequire as platformCreateRequire } from 'node:module';\nconst require = platformCreateRequire(import.meta.url);" },
    plugins: [sourceLocations(lib)],
  });
}

/**
 * Keeps `import.meta.url` of every platform TypeScript module pointing at its
 * source file, so that paths the code finds from its own location (the
 * repository root, the `lib/` folder) are the same compiled or not.
 */
function sourceLocations(lib) {
  return {
    name: 'platform-source-locations',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(lib)) return undefined;
        const text = await readFile(args.path, 'utf8');
        return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
      });
    },
  };
}
