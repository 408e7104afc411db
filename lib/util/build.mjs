/**
 * The platform build: the command line, the render worker and the benchmark's
 * measuring process compiled by esbuild into JavaScript, with the libraries
 * they use, under `.render-cache/build/<code hash>/`.
 *
 * Loading the TypeScript sources through a loader's hooks, and the libraries
 * as hundreds of separate files, took seconds before a command did anything;
 * the build loads in a fraction of that. It is made once per change to the
 * platform code (the sources under `lib/`, tsconfig.json, the lockfile,
 * package.json) and reused until the next one. `launch.mjs` makes it once per
 * command and hands its folder to the rest of the process, and to the
 * processes it starts, in `PLATFORM_BUILD`, so that one command runs one
 * build throughout.
 *
 * Plain JavaScript, because it runs before anything can load TypeScript.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isRunning } from './process.mjs';

/** The platform's root: the checkout that holds this `lib/`. */
export const PLATFORM_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** Environment variable naming the build a process runs from (set by `launch.mjs`). */
const BUILD_VARIABLE = 'PLATFORM_BUILD';

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
 * re2-wasm's WebAssembly, the TypeScript loader, Pulumi's plugins, playwright-core's browser driver).
 */
const EXTERNAL = ['esbuild', 're2-wasm', 'tsx', '@pulumi/*', 'typescript', 'playwright-core'];

/** Marks a finished build; a folder without it is one that stopped half-way. Its time is the build's last use. */
const COMPLETE = 'complete';
/** Folder of a build holding one empty file per process running from it, named by its pid. */
const USERS = 'users';

/**
 * A build of other code is removed by the next build made after it has been
 * unused this long, and while no running process holds it (`holdBuild`).
 */
const KEEP_UNUSED_MS = 60 * 60 * 1000;

/** The files under `lib/` that make the platform: sources and data, not editors' swap or backup files. */
const SOURCE = /^[^.].*\.(?:[cm]?[jt]s|json)$/;

/**
 * Hash of the platform code under `root`: the sources under `lib/`, plus tsconfig.json, the lockfile and package.json.
 */
export function codeHash(root) {
  const hash = createHash('sha1');
  const files = readdirSync(join(root, 'lib'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const f of [
    ...files,
    join(root, 'tsconfig.json'),
    join(root, 'package-lock.json'),
    join(root, 'package.json'),
  ]) {
    if (!existsSync(f)) continue;
    hash.update(f.slice(root.length)).update('\0').update(readFileSync(f)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * The folder of the current build of the platform at `root`, compiled first if
 * there is none. Each entry of `ENTRIES` is `<folder>/<name>.mjs`. Concurrent
 * callers may both compile; each writes to a folder of its own and the first
 * rename wins. Sources changed while they compile are compiled again, so a
 * build never holds code other than its hash says.
 */
export async function platformBuild(root, code = codeHash(root)) {
  for (let attempt = 1; ; attempt++) {
    const dir = await buildOf(root, code);
    const now = codeHash(root);
    if (now === code) return dir;
    rmSync(dir, { recursive: true, force: true });
    if (attempt === 3) throw new Error('lib/ kept changing while the platform build was made; run the command again');
    code = now;
  }
}

/** The build of `code`, compiled unless it exists; builds of other code that nothing uses are removed. */
async function buildOf(root, code) {
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
    const folder = join(builds, other);
    if (other !== code.slice(0, 16) && !compiling(other) && !recentlyUsed(folder) && !held(folder))
      rmSync(folder, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Marks build `dir` as the one this process runs from, for the rest of the
 * process and the processes it starts (`PLATFORM_BUILD`), and holds it against
 * removal until the process exits.
 */
export function holdBuild(dir) {
  process.env[BUILD_VARIABLE] = dir;
  const lease = join(dir, USERS, String(process.pid));
  try {
    mkdirSync(join(dir, USERS), { recursive: true });
    writeFileSync(lease, '');
    process.on('exit', () => rmSync(lease, { force: true }));
  } catch {
    // A read-only checkout: nothing removes builds there either.
  }
}

/**
 * The URL of entry `name` of `ENTRIES` in the build this process runs from
 * (or the current build, made if needed); `undefined` where no build can be
 * made, for the caller to run the TypeScript source instead.
 */
export async function platformEntry(name) {
  try {
    const dir = process.env[BUILD_VARIABLE] ?? (await platformBuild(PLATFORM_ROOT));
    return pathToFileURL(join(dir, `${name}.mjs`));
  } catch {
    return undefined;
  }
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
  return pid !== undefined && isRunning(Number(pid));
}

/** Whether a running process holds build `folder` (`holdBuild`). */
function held(folder) {
  try {
    return readdirSync(join(folder, USERS)).some((pid) => isRunning(Number(pid)));
  } catch {
    return false;
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
    banner: {
      js: "import { createRequire as platformCreateRequire } from 'node:module';\nconst require = platformCreateRequire(import.meta.url);",
    },
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
        return {
          contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
          loader: 'ts',
        };
      });
    },
  };
}
