/**
 * `synth`: specs → validated manifests, written all or nothing, or checked for staleness.
 *
 * Only what changed is rendered: each app × environment is keyed by a hash of
 * its inputs (the app's spec and file, its pinned version, its environment),
 * and the store by a hash of the platform code (`store.ts`). Renders that miss
 * run on every core. Cached, incremental, serial and parallel runs give the
 * same bytes.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject, renderInputs, resolveInput, type LoadedApp, type Project } from '../spec/project.ts';
import { namespaceOf } from '../spec/resolve.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { checkPolicyAcross } from '../validate/policy.ts';
import { duplicateObjects, formatViolations, validateFiles, type Violation } from '../validate/validate.ts';
import { cmp } from '../util/compare.ts';
import { withLock } from '../util/fs.ts';
import { CACHE_DIR, codeHash, hashText } from '../util/cache.ts';
import { RenderStore, type RenderMeta } from './store.ts';
import { defaultWorkers, renderApps } from './engine.ts';
import { checkedFile } from './batch.ts';
import { RenderPool } from './pool.ts';
import { OutputRecord, diffOutput, writeOutput, type OutputDiff, type OutputFile } from './output.ts';
import { renderIndex, renderNamespaces, type PhaseTimings } from './render.ts';
import type { RenderedFile } from '../kube/object.ts';
import { renderPlatformFiles } from './platform.ts';

/** Folder of the rendered output, relative to the repository root. */
export const MANIFESTS_DIR = 'manifests';
/** File in the render cache recording the files `synth` last wrote (see `OutputRecord`). */
const OUTPUT_RECORD = 'outputs.json';
/** Lock file in the render cache held while `synth` runs. */
const LOCK_FILE = 'synth.lock';

/** Thrown when rendered objects break a schema or policy rule; nothing is written. */
export class ValidationError extends Error {
  constructor(public readonly violations: readonly Violation[]) {
    super(
      `${violations.length} violation(s) in the rendered manifests; nothing was written:\n${formatViolations(violations)}`,
    );
    this.name = 'ValidationError';
  }
}

/** The platform version stamped on platform objects: the repository's package version. */
export function platformVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Options of a render. */
export interface RenderOptions {
  /**
   * Reuse and update `.render-cache/`.
   * @default true
   */
  readonly cache?: boolean;
  /**
   * Worker threads besides the main thread.
   * @default - one less than the cores, for large renders
   */
  readonly workers?: number;
  /** Progress of the app renders. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Filled with the time spent per render phase, summed over threads, and the time spent loading the specs. */
  readonly timings?: PhaseTimings & { load?: number };
}

/** The rendered tree, validated. */
export interface RenderResult {
  readonly project: Project;
  /** Every file under `manifests/`, sorted by path. */
  readonly files: readonly OutputFile[];
  readonly objects: number;
  /** App × environment files rendered in this run (the rest came from the cache). */
  readonly rendered: number;
  readonly reused: number;
}

/** Renders and validates everything in memory. Throws `SpecError` or `ValidationError`. */
export async function renderAll(root: string, options: RenderOptions = {}): Promise<RenderResult> {
  const useCache = options.cache ?? true;
  const code = codeHash(root);
  const store = RenderStore.open(root, code, useCache);
  // With nothing stored for this platform code, everything renders: a large render starts its
  // workers now, so that they have loaded the render code by the time the specs are loaded.
  const estimate = countFiles(join(root, 'apps'), '.ts') * countFiles(join(root, 'environments'));
  const workers = options.workers ?? defaultWorkers(estimate);
  const pool = store.isEmpty() && workers > 0 ? RenderPool.start(workers) : undefined;
  // A run that found violations had looked up every render it needs, so the store keeps just those (the
  // same input gives the same violation); a run stopped earlier (a broken spec) keeps everything stored.
  let lookedUp = false;
  try {
    const result = await renderWith(root, options, code, store, pool);
    lookedUp = true;
    return result;
  } catch (error) {
    lookedUp = error instanceof ValidationError;
    throw error;
  } finally {
    store.save({ prune: lookedUp });
    await pool?.close();
  }
}

async function renderWith(
  root: string,
  options: RenderOptions,
  code: string,
  store: RenderStore,
  pool: RenderPool | undefined,
): Promise<RenderResult> {
  const useCache = options.cache ?? true;
  const loadStart = performance.now();
  const project = await loadProject(root, { cache: useCache, code });
  // Only the apps that render are resolved: a key needs the inputs alone.
  const inputs = renderInputs(project);
  if (options.timings) options.timings.load = (options.timings.load ?? 0) + performance.now() - loadStart;
  // A render's key is its inputs: the app's spec and file, the version pinned for it, and its environment
  // (resolution is a function of these and of the platform code, which keys the whole store). Each spec and
  // environment is written out and hashed once, not once per render.
  const envHashes = new Map(project.environments.map((e) => [e.spec.name as string, hashText(JSON.stringify(e.spec))]));
  // Keyed by the loaded spec, not its file: an environment may run a pinned text of the file other than the work tree's.
  const specHashes = new Map<LoadedApp, string>();
  const specHash = (app: LoadedApp): string => {
    let hash = specHashes.get(app);
    if (hash === undefined) {
      hash = hashText(JSON.stringify(app.spec));
      specHashes.set(app, hash);
    }
    return hash;
  };
  // Only environments released together are compared across files; the others keep nothing for it in the store.
  const cross = new Set<string>();
  for (const { spec } of project.environments) {
    if (spec.promotion.releasedWith) cross.add(spec.name).add(spec.promotion.releasedWith);
  }
  const keys = inputs.map(({ app, env, version }) =>
    hashText(
      `${envHashes.get(env.name)}\0${cross.has(env.name)}\0${app.file}\0${specHash(app)}\0${JSON.stringify(version)}`,
    ),
  );
  const metas: (RenderMeta | undefined)[] = keys.map((k) => store.meta(k));
  // Renders run app by app, each app's environments in a row, so that what they share (the log
  // collector's configuration) is written once per app and thread.
  const missing = inputs.map((_, i) => i).filter((i) => metas[i] === undefined);
  missing.sort((a, b) => cmp(inputs[a]!.app.spec.name, inputs[b]!.app.spec.name) || a - b);
  const rendered = await renderApps(
    missing.map((i) => resolveInput(inputs[i]!)),
    {
      workers: options.workers,
      pool,
      onProgress: options.onProgress,
      timings: options.timings,
      crossEnvironments: cross,
    },
  );
  const fresh = new Map(missing.map((index, k) => [index, rendered[k]!]));
  // Files rendered now carry their bytes; the others read theirs from the store, and only if they are needed.
  const outputs: OutputFile[] = [];
  for (let i = 0; i < metas.length; i++) {
    const key = keys[i]!;
    if (metas[i] === undefined) {
      const file = fresh.get(i)!;
      store.put(key, file);
      metas[i] = file;
      outputs.push(file);
    } else {
      outputs.push(storedFile(store, key, metas[i]!));
    }
  }

  const version = platformVersion(root);
  const environments = new Map<string, EnvironmentSpec>(project.environments.map((e) => [e.spec.name, e.spec]));
  const files: OutputFile[] = [];
  const violations: Violation[] = [];
  const crossFiles: RenderedFile[] = [];
  const idFiles: { path: string; env: string; ids: readonly string[] }[] = [];
  let objects = 0;
  const byEnv = groupBy(
    inputs.map((input, i) => ({ input, meta: metas[i]!, output: outputs[i]! })),
    (r) => r.input.env.name,
  );
  for (const { spec: env } of project.environments) {
    const rows = byEnv.get(env.name) ?? [];
    const platform = platformFiles(
      store,
      env,
      rows.map((r) => namespaceOf(r.input.app.spec)),
      envHashes.get(env.name)!,
      version,
      environments,
    );
    for (const { meta } of [...rows, ...platform]) {
      violations.push(...meta.violations);
      crossFiles.push({ path: meta.path, env: meta.env, objects: meta.crossObjects, content: '' });
      idFiles.push(meta);
      objects += meta.objectCount;
    }
    const envFiles: OutputFile[] = [...rows.map((r) => r.output), ...platform.map((p) => p.output)];
    files.push(...envFiles, withHash(renderIndex(env, envFiles)));
  }
  violations.push(...duplicateObjects(idFiles), ...checkPolicyAcross(crossFiles, environments));
  if (violations.length > 0) throw new ValidationError(violations);
  return {
    project,
    files: files.sort((a, b) => cmp(a.path, b.path)),
    objects,
    rendered: missing.length,
    reused: inputs.length - missing.length,
  };
}

/**
 * The platform files of `env` (its namespaces, log pipeline, event audit), checked, from the store
 * when they were rendered before from the same environment, platform version and namespaces.
 */
function platformFiles(
  store: RenderStore,
  env: EnvironmentSpec,
  appNamespaces: readonly string[],
  envHash: string,
  version: string,
  environments: ReadonlyMap<string, EnvironmentSpec>,
): { meta: RenderMeta; output: OutputFile }[] {
  const namespaces = [...new Set(appNamespaces)].sort(cmp);
  const key = hashText(`platform\0${envHash}\0${version}\0${namespaces.join(',')}`);
  const stored = store.group(key);
  if (stored) return stored.map((meta, i) => ({ meta, output: storedFile(store, key, meta, i) }));
  const rendered: RenderedFile[] = [
    ...(namespaces.length > 0 ? [renderNamespaces(env, namespaces, version)] : []),
    ...renderPlatformFiles(env, version),
  ];
  const violations = validateFiles(rendered, environments, { across: false });
  const files = rendered.map((f) =>
    checkedFile(
      f,
      violations.filter((v) => v.file === f.path),
      true,
    ),
  );
  store.putGroup(key, files);
  return files.map((f) => ({ meta: f, output: f }));
}

/** An output file whose bytes stay in the store until something reads them. */
function storedFile(store: RenderStore, key: string, meta: RenderMeta, index?: number): OutputFile {
  let content: string | undefined;
  return {
    path: meta.path,
    hash: meta.hash,
    get content() {
      if (content !== undefined) return content;
      let stored: string | undefined;
      try {
        stored = store.content(key, index);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      // Bytes removed or changed under .render-cache/ are never written to manifests/: synth renders again.
      if (stored === undefined || hashText(stored) !== meta.hash) throw new StoreBytesError(meta.path);
      content = stored;
      return content;
    },
  };
}

function withHash(file: { path: string; content: string }): OutputFile {
  return { path: file.path, content: file.content, hash: hashText(file.content) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Entries of `dir` (ending in `suffix`), or 0 when it does not exist. */
function countFiles(dir: string, suffix = ''): number {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(suffix)).length : 0;
}

/** Result of a synth run. */
export interface SynthResult {
  readonly files: number;
  readonly objects: number;
  readonly rendered: number;
  readonly reused: number;
  readonly diff: OutputDiff;
}

/** Thrown, before anything is written, when stored render bytes no longer match their recorded hash. */
class StoreBytesError extends Error {
  constructor(path: string) {
    super(`the render store's bytes of ${path} do not match their hash`);
    this.name = 'StoreBytesError';
  }
}

/**
 * Renders, validates and writes `manifests/` (or, with `check`, only compares). `check` is the gate
 * that proves the committed manifests come from the sources: it renders everything and reads every
 * committed file, trusting nothing in `.render-cache/` (a cache is an optimisation, not evidence).
 * A write that finds stored bytes changed renders again from scratch instead of failing.
 */
export async function synth(root: string, options: RenderOptions & { check?: boolean } = {}): Promise<SynthResult> {
  const opts: RenderOptions & { check?: boolean } = options.check ? { ...options, cache: false } : options;
  // One synth at a time per repository: two would race on the render store, the journal and the staged files.
  return withLock(join(root, CACHE_DIR, LOCK_FILE), `${MANIFESTS_DIR}/ (with ${CACHE_DIR}/)`, async () => {
    try {
      return await renderAndWrite(root, opts);
    } catch (error) {
      if (!(error instanceof StoreBytesError)) throw error;
      rmSync(join(root, CACHE_DIR, 'renders'), { recursive: true, force: true });
      rmSync(join(root, CACHE_DIR, OUTPUT_RECORD), { force: true });
      return renderAndWrite(root, opts);
    }
  });
}

async function renderAndWrite(root: string, options: RenderOptions & { check?: boolean }): Promise<SynthResult> {
  const result = await renderAll(root, options);
  const dir = join(root, MANIFESTS_DIR);
  const record = OutputRecord.open(options.cache === false ? undefined : join(root, CACHE_DIR, OUTPUT_RECORD));
  const diff = options.check ? diffOutput(dir, result.files, record) : writeOutput(dir, result.files, record);
  return {
    files: result.files.length,
    objects: result.objects,
    rendered: result.rendered,
    reused: result.reused,
    diff,
  };
}
