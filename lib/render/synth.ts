/**
 * `synth`: specs → validated manifests, written atomically or checked for staleness.
 *
 * Only what changed is rendered: each app × environment is keyed by a hash of
 * its resolved spec (which holds the environment and the pinned version), and
 * the cache by a hash of the platform code. Renders that miss run on every core.
 * Cached, incremental, serial and parallel runs give the same bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject, resolveProject, type Project } from '../spec/project.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { checkPolicyAcross } from '../validate/policy.ts';
import { duplicateObjects, formatViolations, validateFiles, type Violation } from '../validate/validate.ts';
import { cmp } from '../util/compare.ts';
import { EntryCache, codeHash, hashText } from './cache.ts';
import { renderApps, type RenderedAppFile } from './engine.ts';
import { objectId } from './order.ts';
import { diffOutput, writeOutput, type OutputDiff, type OutputFile } from './output.ts';
import { renderIndex, renderNamespaces, type PhaseTimings, type RenderedFile } from './render.ts';
import { renderPlatformFiles } from '../observability/platform.ts';

/** Folder of the rendered output, relative to the repository root. */
export const MANIFESTS_DIR = 'manifests';

/** Thrown when rendered objects break a schema or policy rule; nothing is written. */
export class ValidationError extends Error {
  constructor(public readonly violations: readonly Violation[]) {
    super(`${violations.length} violation(s) in the rendered manifests; nothing was written:\n${formatViolations(violations)}`);
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
  /** Filled with the time spent per render phase, summed over threads. */
  readonly timings?: PhaseTimings;
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
  const project = await loadProject(root, { cache: useCache });
  const resolved = resolveProject(project);
  const code = codeHash(root);
  const cache = EntryCache.open<RenderedAppFile>(root, 'renders', code, useCache);
  // The environment is hashed once, not once per app: the key is the app's resolved spec plus its environment's hash.
  const envHashes = new Map(project.environments.map((e) => [e.spec.name as string, hashText(JSON.stringify(e.spec))]));
  // Only environments released together are compared across files; the others keep no workload copies in the cache.
  const cross = new Set<string>();
  for (const { spec } of project.environments) {
    if (spec.promotion.releasedWith) cross.add(spec.name).add(spec.promotion.releasedWith);
  }
  const keys = resolved.map(({ environment, ...app }) =>
    hashText(`${envHashes.get(environment.name)}\0${cross.has(environment.name)}\0${JSON.stringify(app)}`),
  );
  const appFiles: (RenderedAppFile | undefined)[] = keys.map((k) => cache.get(k));
  const missing = resolved.filter((_, i) => appFiles[i] === undefined);
  const fresh = await renderApps(missing, { workers: options.workers, onProgress: options.onProgress, timings: options.timings, crossEnvironments: cross });
  let next = 0;
  for (let i = 0; i < appFiles.length; i++) {
    if (appFiles[i] !== undefined) continue;
    const file = fresh[next++]!;
    appFiles[i] = file;
    cache.set(keys[i]!, file);
  }

  const version = platformVersion(root);
  const environments = new Map<string, EnvironmentSpec>(project.environments.map((e) => [e.spec.name, e.spec]));
  const files: OutputFile[] = [];
  const violations: Violation[] = [];
  const crossFiles: RenderedFile[] = [];
  const idFiles: { path: string; env: string; ids: readonly string[] }[] = [];
  let objects = 0;
  for (const { spec: env } of project.environments) {
    const apps = resolved.filter((a) => a.environment.name === env.name);
    const rendered = appFiles.filter((f): f is RenderedAppFile => f !== undefined && f.env === env.name);
    const platform: RenderedFile[] = [...(apps.length > 0 ? [renderNamespaces(env, apps, version)] : []), ...renderPlatformFiles(env, version)];
    violations.push(...validateFiles(platform, environments, { across: false }));
    for (const f of rendered) {
      violations.push(...f.violations);
      crossFiles.push({ path: f.path, env: f.env, objects: f.crossObjects, content: '' });
    }
    crossFiles.push(...platform);
    idFiles.push(...rendered, ...platform.map((p) => ({ path: p.path, env: p.env, ids: p.objects.map(objectId) })));
    const envFiles: OutputFile[] = [...rendered, ...platform];
    objects += rendered.reduce((n, f) => n + f.objectCount, 0) + platform.reduce((n, f) => n + f.objects.length, 0);
    files.push(...envFiles, renderIndex(env, envFiles));
  }
  violations.push(...duplicateObjects(idFiles), ...checkPolicyAcross(crossFiles, environments));
  if (violations.length > 0) throw new ValidationError(violations);
  cache.save();
  return { project, files: files.sort((a, b) => cmp(a.path, b.path)), objects, rendered: missing.length, reused: resolved.length - missing.length };
}

/** Result of a synth run. */
export interface SynthResult {
  readonly files: number;
  readonly objects: number;
  readonly rendered: number;
  readonly reused: number;
  readonly diff: OutputDiff;
}

/** Renders, validates and writes `manifests/` (or, with `check`, only compares). */
export async function synth(root: string, options: RenderOptions & { check?: boolean } = {}): Promise<SynthResult> {
  const result = await renderAll(root, options);
  const dir = join(root, MANIFESTS_DIR);
  const diff = options.check ? diffOutput(dir, result.files) : writeOutput(dir, result.files);
  return { files: result.files.length, objects: result.objects, rendered: result.rendered, reused: result.reused, diff };
}
