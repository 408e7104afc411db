/**
 * Loads and checks the whole repository: `environments/*` and `apps/*`.
 * Every problem of the run is collected and thrown together as one `SpecError`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppSpec, EnvName } from './app.ts';
import type { EnvironmentSpec } from './environment.ts';
import { ProblemSink, closest, showValue } from './problems.ts';
import { resolveApp, type PinnedVersion, type ResolvedApp } from './resolve.ts';
import { checkApp, checkEnvironment, fromAllowedRegistry, registryOf } from './rules.ts';
import { checkRolloutInEnvironments } from './rollout-checks.ts';
import { MUTABLE_TAGS } from './reserved.ts';
import { cmp } from '../util/compare.ts';
import { KeyedCache, codeHash, hashText } from '../util/cache.ts';
import { importTypeScript } from '../util/import-ts.ts';
import { appSchema, checkShape, environmentSchema, versionsSchema } from './schema.ts';
import { loadSpecFiles, loadSpecTexts } from './bundle.ts';
import { blobId, objectTypes, readBlobs } from '../git/git.ts';
import { upgradeApp } from './migrations.ts';
import { withFeatures } from './features.ts';

/** An app spec with the file it came from. */
export interface LoadedApp {
  readonly spec: AppSpec;
  /** Repository-relative path (`apps/claims-api.ts`). */
  readonly file: string;
  /** Git blob id of the spec's text: what an environment's `spec` pin names. */
  readonly blob: string;
  /** Set when the spec is an environment's pinned text read from git, not the work tree's file. */
  readonly pinned?: true;
}

/** An environment with its pinned versions. */
export interface LoadedEnvironment {
  readonly spec: EnvironmentSpec;
  /** Repository-relative path of `environment.ts`. */
  readonly file: string;
  /** Repository-relative path of `versions.json`. */
  readonly versionsFile: string;
  /** App name → pinned image. */
  readonly versions: Readonly<Record<string, PinnedVersion>>;
  /**
   * App name → the spec the environment runs, where its pin names a spec text other than the work
   * tree's (`spec` in `versions.json`); every other app renders its work-tree spec.
   */
  readonly pinnedSpecs: ReadonlyMap<string, LoadedApp>;
}

/** Everything the render needs, checked. */
export interface Project {
  readonly root: string;
  /** Environments in promotion order. */
  readonly environments: readonly LoadedEnvironment[];
  /** Apps sorted by name. */
  readonly apps: readonly LoadedApp[];
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Name of the file an environment's facts and policy live in. */
const ENVIRONMENT_FILE = 'environment.ts';
/** Name of the machine-edited file pinning an environment's app versions. */
export const VERSIONS_FILE = 'versions.json';

/** Options of `loadProject`. */
export interface LoadOptions {
  /**
   * Reuse and update the cache of loaded specs in `.render-cache/`.
   * @default true
   */
  readonly cache?: boolean;
  /**
   * Hash of the platform code the cache is valid for, when the caller has it already.
   * @default - `codeHash(root)`
   */
  readonly code?: string;
  /**
   * Apps whose missing pins are not reported: the apps a promotion is about to pin (a new app's
   * first build, or its first promotion). The render after the promotion checks every pin again.
   * @default - every missing pin is reported
   */
  readonly unpinned?: ReadonlySet<string>;
}

/** Loads `apps/` and `environments/` under `root`, checks them, and throws a `SpecError` listing every problem. */
export async function loadProject(root: string, options: LoadOptions = {}): Promise<Project> {
  const sink = new ProblemSink();
  const specCache = KeyedCache.open<unknown>(root, 'specs', options.code ?? codeHash(root), options.cache ?? true);
  const brokenEnvs = new Set<string>();
  const environments = await loadEnvironments(root, sink, specCache, brokenEnvs);
  const { apps, broken } = await loadApps(root, sink, specCache);
  const withSpecs = await loadPinnedSpecs(root, environments, apps, sink, specCache);
  specCache.save();
  checkCrossReferences(apps, broken, withSpecs, brokenEnvs, sink, options.unpinned);
  checkRolloutInEnvironments(apps, withSpecs, sink);
  // A pinned spec is judged against the environment that runs it, as it is today.
  for (const env of withSpecs) {
    const pinned = [...env.pinnedSpecs.values()].map((a) => ({
      spec: a.spec,
      file: `the text ${a.blob.slice(0, 12)} pinned in ${env.spec.name} of ${a.file}`,
    }));
    if (pinned.length > 0) checkRolloutInEnvironments(pinned, [env], sink);
  }
  sink.throwIfAny();
  return { root, environments: orderEnvironments(withSpecs, sink), apps };
}

/**
 * Loads and checks only `environments/`, in promotion order (for commands that read rendered manifests).
 * The environment schema is a compatibility contract here: older forms of an environment file (as an
 * old revision holds them, judged by `release-order --base`) load, upgraded by `upgradeLegacyEnvironment`
 * with a deprecation warning, since nothing rendered is asked of them.
 */
export async function loadEnvironmentsOnly(root: string): Promise<LoadedEnvironment[]> {
  const sink = new ProblemSink();
  const environments = await loadEnvironments(root, sink, undefined, undefined, true);
  sink.throwIfAny();
  return orderEnvironments(environments, sink);
}

/** One app in one environment it runs in, with the version pinned there: what its resolution and render read. */
export interface RenderInput {
  readonly app: LoadedApp;
  readonly env: EnvironmentSpec;
  readonly version: PinnedVersion;
}

/**
 * Every app × environment it runs in (with a pinned version), in promotion order then app name, each
 * with the spec the environment runs: its pinned spec text, or the work tree's.
 */
export function renderInputs(project: Project): RenderInput[] {
  const out: RenderInput[] = [];
  for (const env of project.environments) {
    for (const app of project.apps) {
      if (!runsIn(app.spec, env.spec.name)) continue;
      const version = env.versions[app.spec.name];
      if (version) out.push({ app: env.pinnedSpecs.get(app.spec.name) ?? app, env: env.spec, version });
    }
  }
  return out;
}

/** Whether `env` is the chain's entry: the environment fed by builds, which renders the work tree's specs. */
export function isEntry(env: EnvironmentSpec): boolean {
  return env.promotion.from === undefined && env.promotion.releasedWith === undefined;
}

/** Resolves one app × environment. */
export function resolveInput({ app, env, version }: RenderInput): ResolvedApp {
  return resolveApp(app.spec, env, version, app.file);
}

/** Resolves every app for every environment it runs in, in promotion order then app name. */
export function resolveProject(project: Project): ResolvedApp[] {
  return renderInputs(project).map(resolveInput);
}

/** Whether `app` runs in environment `env`. */
export function runsIn(app: AppSpec, env: EnvName): boolean {
  return app.environments === undefined || app.environments.includes(env);
}

async function importDefault(absolute: string, file: string, sink: ProblemSink): Promise<unknown> {
  // The content hash in the URL makes a changed file load afresh in a long-lived process.
  const hash = createHash('sha1').update(readFileSync(absolute)).digest('hex').slice(0, 12);
  try {
    const mod = (await importTypeScript(`${pathToFileURL(absolute).href}?v=${hash}`)) as { default?: unknown };
    if (mod.default === undefined) {
      sink.addFile(
        file,
        'has no default export',
        'end the file with `export default defineApp({ ... })` (or defineEnvironment)',
      );
    }
    return mod.default;
  } catch (error) {
    const detail = (error as Error).message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(0, 4)
      .join(' ')
      .replaceAll(`${absolute}?v=${hash}:`, 'line ');
    const syntax = error instanceof SyntaxError || /^Transform failed/.test((error as Error).message);
    sink.addFile(
      file,
      `cannot be loaded: ${detail}`,
      syntax
        ? 'fix the syntax error (run `npx tsc --noEmit` for details)'
        : 'fix what the file throws while it is evaluated',
    );
    return undefined;
  }
}

/** The word `import` wherever it stands: in an import, a dynamic import, `import.meta`, a string or a comment. */
const IMPORT_WORD = /\bimport\b/g;
/**
 * One static import from the spec module (`#platform`, or a relative `lib/spec/index.ts`);
 * its clause holds no quote or brace that could hide another import.
 */
const SPEC_IMPORT =
  /\bimport\s+(?:type\s+)?(?:[\w$]+\s*,?\s*)?(?:\{[^{}'"`]*\}|\*\s*as\s+[\w$]+)?\s*from\s*(['"])(?:#platform|(?:\.\.\/)+lib\/spec\/index\.ts)\1/g;
/** What makes a file's value depend on more than its text: re-exports, loading code, the process, the clock, chance. */
const IMPURE =
  /\bexport\s*(?:\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})\s*from\s*['"]|\brequire\s*\(|\b(?:process|globalThis|Date|performance|crypto|eval|Function)\b|\bMath\.random\b/;

function count(pattern: RegExp, text: string): number {
  return text.match(pattern)?.length ?? 0;
}

/**
 * Whether the value of a spec file (app or environment) with source `text`
 * is a function of the text alone, so that it may be cached by it: every
 * `import` in it is a static import of the spec module, and it reads nothing
 * of the process, the clock or chance. Doubtful cases (the word `import` in
 * a comment, say) count as impure, which costs a load, never a stale value.
 */
export function isPureSpec(text: string): boolean {
  return count(IMPORT_WORD, text) === count(SPEC_IMPORT, text) && !IMPURE.test(text);
}

/**
 * The checked specs of `files` (paths relative to `root`), in order;
 * `undefined` where a file cannot be loaded or `check` (which reports to
 * `sink`) finds it unusable. A file whose value depends on its text alone
 * (`isPureSpec`) and which passed its checks before is taken from `cache`,
 * neither loaded nor checked again. The others are compiled together, with
 * what they import from the repository compiled afresh (`loadSpecFiles`); a
 * batch that fails is imported file by file, which names the file at fault.
 */
async function loadCheckedSpecs<T>(
  root: string,
  files: readonly string[],
  sink: ProblemSink,
  cache: KeyedCache<unknown> | undefined,
  check: (raw: unknown, file: string) => T | undefined,
): Promise<{ specs: (T | undefined)[]; texts: string[] }> {
  // Each file is read once: its key is the hash of these bytes, and the batch compiles these bytes.
  const texts = files.map((file) => readFileSync(join(root, file), 'utf8'));
  const keys = files.map((file, i) =>
    cache && isPureSpec(texts[i]!) ? checkedKey(file, hashText(texts[i]!)) : undefined,
  );
  const specs = keys.map((key) => (key === undefined ? undefined : (cache!.get(key) as T | undefined)));
  const pending = files.map((_, i) => i).filter((i) => specs[i] === undefined);
  const batch = await loadSpecFiles(
    root,
    pending.map((i) => files[i]!),
    pending.map((i) => texts[i]!),
  );
  await Promise.all(
    pending.map(async (index, i) => {
      const file = files[index]!;
      const raw = batch ? batch[i] : await importDefault(join(root, file), file, sink);
      // A file imported on its own is read again; if it changed since it was hashed, its value is not kept.
      const unchanged = batch !== undefined || readFileSync(join(root, file), 'utf8') === texts[index];
      const problems = sink.problems.length;
      const spec = raw === undefined ? undefined : check(raw, file);
      keepChecked(cache, unchanged ? keys[index] : undefined, spec, sink, problems);
      specs[index] = spec;
    }),
  );
  return { specs, texts };
}

function environmentFile(folder: string): string {
  return `environments/${folder}/${ENVIRONMENT_FILE}`;
}

/**
 * Loads and checks every environment; `broken` receives the names of those that exist but could not be
 * loaded whole (a bad spec or versions file), so that later checks raise no follow-on problems about them.
 */
async function loadEnvironments(
  root: string,
  sink: ProblemSink,
  specCache?: KeyedCache<unknown>,
  broken = new Set<string>(),
  legacy = false,
): Promise<LoadedEnvironment[]> {
  const dir = join(root, 'environments');
  if (!existsSync(dir)) {
    sink.addFile('environments', 'folder is missing', 'create environments/<env>/environment.ts for each cluster');
    return [];
  }
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const present = folders.filter((folder) => existsSync(join(root, environmentFile(folder))));
  const { specs } = await loadCheckedSpecs(root, present.map(environmentFile), sink, specCache, (raw, file) => {
    const upgraded = legacy ? upgradeLegacyEnvironment(raw, file) : undefined;
    const spec = checkShape(environmentSchema, upgraded ?? raw, file, sink);
    if (spec) checkEnvironment(spec, file, file.split('/')[1]!, sink, { legacy: upgraded !== undefined });
    return spec;
  });
  const loaded = folders.map((folder): LoadedEnvironment | undefined => {
    const file = environmentFile(folder);
    const versionsFile = `environments/${folder}/${VERSIONS_FILE}`;
    if (!present.includes(folder)) {
      sink.addFile(file, 'is missing', `create it with export default defineEnvironment({ name: '${folder}', ... })`);
      return undefined;
    }
    const spec = withFeatures(root, folder, specs[present.indexOf(folder)], sink, legacy);
    const versions = readVersions(root, versionsFile, spec, sink, specCache);
    if (!spec || !versions) broken.add(spec?.name ?? folder);
    return spec && versions ? { spec, file, versionsFile, versions, pinnedSpecs: new Map() } : undefined;
  });
  return loaded.filter((e): e is LoadedEnvironment => e !== undefined);
}

/** What an environment written before `observability` was required is read with: logs on stdout, no agents. */
const LEGACY_OBSERVABILITY = {
  logSinks: [{ type: 'stdout' }],
  images: { fluentBit: '', nodeProblemDetector: '', jdkDebug: '' },
  prometheus: { namespace: 'monitoring', podLabels: {} },
} as const;

/**
 * An older form of an environment file, upgraded to today's schema, or `undefined` when `raw` is not
 * one. Environments written before `observability` was required (this repository's first revisions)
 * get `LEGACY_OBSERVABILITY`; a deprecation warning names the file. Only commands that judge rendered
 * manifests read environments this way; rendering still needs the section written out.
 */
export function upgradeLegacyEnvironment(raw: unknown, file: string): Record<string, unknown> | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || 'observability' in raw) return undefined;
  process.emitWarning(
    `${file} has no 'observability' section (an older form of the environment schema); read with logs on stdout and no agents`,
    {
      type: 'DeprecationWarning',
      code: 'PLATFORM_LEGACY_ENVIRONMENT',
    },
  );
  return { ...(raw as Record<string, unknown>), observability: LEGACY_OBSERVABILITY };
}

/** Reads and checks one `versions.json`. */
function readVersions(
  root: string,
  file: string,
  env: EnvironmentSpec | undefined,
  sink: ProblemSink,
  cache?: KeyedCache<unknown>,
): Record<string, PinnedVersion> | undefined {
  const absolute = join(root, file);
  if (!existsSync(absolute)) {
    sink.addFile(file, 'is missing', 'create it with {} and pin each app\'s image: { "app": { "tag": "1.0.0" } }');
    return undefined;
  }
  const text = readFileSync(absolute, 'utf8');
  if (text.startsWith('\uFEFF')) {
    sink.addFile(
      file,
      'starts with a byte order mark (BOM), which JSON does not allow',
      'save the file as UTF-8 without BOM, or restore it with `git checkout -- ' + file + '`',
    );
    return undefined;
  }
  // A versions file that passed the checks before, under the same image rules, is not checked again.
  const key = env && cache ? `versions:${file}:${hashText(`${JSON.stringify(env.images)}\0${text}`)}` : undefined;
  const checked = key === undefined ? undefined : (cache!.get(key) as Record<string, PinnedVersion> | undefined);
  if (checked) return checked;
  const problems = sink.problems.length;
  const versions = checkVersions(text, file, env, sink);
  keepChecked(cache, key, versions, sink, problems);
  return versions;
}

function checkVersions(
  text: string,
  file: string,
  env: EnvironmentSpec | undefined,
  sink: ProblemSink,
): Record<string, PinnedVersion> | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    sink.addFile(
      file,
      `is not valid JSON: ${(error as Error).message}`,
      'fix the JSON syntax (it is machine-edited: prefer `npm run promote`)',
    );
    return undefined;
  }
  const versions = checkShape(versionsSchema, data, file, sink);
  if (!versions || !env) return versions;
  for (const [app, pin] of Object.entries(versions)) {
    if (!TAG.test(pin.tag)) {
      sink.add(
        file,
        `${app}.tag`,
        pin.tag,
        'not a valid image tag',
        'use letters, digits, and . _ - (at most 128 characters), e.g. 2.14.0',
      );
    } else if (MUTABLE_TAGS.has(pin.tag.toLowerCase()) && !env.images.allowMutableTags) {
      sink.add(
        file,
        `${app}.tag`,
        pin.tag,
        `a mutable tag is not allowed in ${env.name}`,
        'pin an immutable release tag such as 2.14.0',
      );
    }
    if (pin.digest !== undefined && !DIGEST.test(pin.digest)) {
      sink.add(
        file,
        `${app}.digest`,
        pin.digest,
        'not a sha256 digest',
        "write 'sha256:' followed by 64 lowercase hex characters",
      );
    }
    if (pin.digest === undefined && env.images.requireDigest) {
      sink.add(
        file,
        `${app}.digest`,
        undefined,
        `${env.name} requires images pinned by digest`,
        'add "digest": "sha256:…" (promote it from the previous environment with npm run promote)',
      );
    }
  }
  return versions;
}

/**
 * Keeps a copy of `value` in `cache` under `key` when its checks reported nothing: `sink`
 * still holds the `problemsBefore` problems it held before they ran.
 */
function keepChecked(
  cache: KeyedCache<unknown> | undefined,
  key: string | undefined,
  value: unknown,
  sink: ProblemSink,
  problemsBefore: number,
): void {
  if (cache && key !== undefined && value !== undefined && sink.problems.length === problemsBefore)
    cache.set(key, JSON.parse(JSON.stringify(value)) as unknown);
}

/** Key of the spec in `file` whose text hashes to `textHash`, once it has passed its checks. */
function checkedKey(file: string, textHash: string): string {
  return `checked:${file}:${textHash}`;
}

/** Loads every `apps/*.ts`; `broken` names the files (by base name) that could not be checked. */
async function loadApps(
  root: string,
  sink: ProblemSink,
  specCache: KeyedCache<unknown>,
): Promise<{ apps: LoadedApp[]; broken: Set<string> }> {
  const dir = join(root, 'apps');
  const broken = new Set<string>();
  if (!existsSync(dir)) return { apps: [], broken };
  const entries = readdirSync(dir, { withFileTypes: true });
  // Anything else in apps/ is either imported by an app file (shared modules, `./common/sizes.ts`) or ignored by
  // mistake.
  const sources = entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(join(dir, e.name), 'utf8'));
  const imported = (name: string): boolean =>
    sources.some((text) => text.includes(`'./${name}`) || text.includes(`"./${name}`));
  const strays = entries.filter((e) => !(e.isFile() && e.name.endsWith('.ts')) && !imported(e.name));
  for (const entry of strays.sort((a, b) => cmp(a.name, b.name))) {
    const what = entry.isDirectory() ? 'a folder' : 'a file';
    const fix = entry.isDirectory()
      ? `apps/ is flat: move each app to apps/<app>.ts; keep in a folder only modules that app files import`
      : `apps/ holds only <app>.ts spec files: move it out of apps/ (docs go to docs/), or write it as apps/<app>.ts`;
    sink.addFile(
      `apps/${entry.name}${entry.isDirectory() ? '/' : ''}`,
      `is ${what}, no app spec, and no app file imports it, so it would be ignored`,
      fix,
    );
  }
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => e.name)
    .sort();
  const { specs, texts } = await loadCheckedSpecs(
    root,
    files.map((name) => `apps/${name}`),
    sink,
    specCache,
    (raw, file) => checkAppSpec(raw, file, sink),
  );
  const loaded = files.map((name, i): LoadedApp | undefined => {
    const spec = specs[i];
    if (!spec) broken.add(name.slice(0, -'.ts'.length));
    return spec ? { spec, file: `apps/${name}`, blob: blobId(texts[i]!) } : undefined;
  });
  const apps = loaded.filter((a): a is LoadedApp => a !== undefined).sort((a, b) => cmp(a.spec.name, b.spec.name));
  return { apps, broken };
}

/** Checks one loaded app spec: older forms upgraded (`upgradeApp`), then its shape and rules. */
function checkAppSpec(raw: unknown, file: string, sink: ProblemSink): AppSpec | undefined {
  const spec = checkShape(appSchema, upgradeApp(raw, file), file, sink);
  if (spec) checkApp(spec, file, sink);
  return spec;
}

/** A git object id as pins name them: 40 hex digits (SHA-1), or 64 in a SHA-256 repository. */
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The environments with the specs their pins name (`spec` in `versions.json`) loaded from git
 * objects. A pin naming the work tree's text needs no load. Each pinned text must be pure
 * (`isPureSpec`: its value depends on its text and the spec module alone, so the text is the whole
 * release) and pass today's checks: the spec schema is a compatibility contract, and an older form
 * loads through `upgradeApp`. A pin naming an object git does not have, or a text that does not load,
 * is reported against the versions file, with the app and the fix.
 */
async function loadPinnedSpecs(
  root: string,
  environments: readonly LoadedEnvironment[],
  apps: readonly LoadedApp[],
  sink: ProblemSink,
  cache: KeyedCache<unknown>,
): Promise<LoadedEnvironment[]> {
  const workTree = new Map(apps.map((a) => [a.spec.name, a]));
  /** Blob → the pins that name it (environment, app), in promotion order. */
  const wanted = new Map<string, { env: LoadedEnvironment; app: string }[]>();
  for (const env of environments) {
    for (const [app, pin] of Object.entries(env.versions)) {
      if (pin.spec === undefined) continue;
      if (isEntry(env.spec)) {
        sink.add(
          env.versionsFile,
          `${app}.spec`,
          pin.spec,
          `${env.spec.name} is the chain's entry: it renders apps/${app}.ts from the work tree and pins no spec`,
          `remove "spec" from ${app}'s pin`,
        );
      } else if (!OBJECT_ID.test(pin.spec)) {
        sink.add(
          env.versionsFile,
          `${app}.spec`,
          pin.spec,
          'not a git object id',
          `pin the spec with npm run -s promote -- ${app} --to ${env.spec.name} (40 hex characters, as git rev-parse main:apps/${app}.ts prints)`,
        );
      } else if (workTree.get(app)?.blob !== pin.spec) {
        wanted.set(pin.spec, [...(wanted.get(pin.spec) ?? []), { env, app }]);
      }
    }
  }
  const loaded = new Map<string, LoadedApp>();
  const uncached: string[] = [];
  for (const [blob, pins] of wanted) {
    const file = `apps/${pins[0]!.app}.ts`;
    const spec = cache.get(pinnedKey(file, blob)) as AppSpec | undefined;
    if (spec) loaded.set(blob, { spec, file, blob, pinned: true });
    else uncached.push(blob);
  }
  if (uncached.length > 0) await loadPinnedTexts(root, uncached, wanted, sink, cache, loaded);
  return environments.map((env) => {
    const pinnedSpecs = new Map<string, LoadedApp>();
    for (const [app, pin] of Object.entries(env.versions)) {
      const spec = pin.spec === undefined ? undefined : loaded.get(pin.spec);
      if (spec === undefined) continue;
      if (spec.spec.name !== app) {
        sink.add(
          env.versionsFile,
          `${app}.spec`,
          pin.spec,
          `names the spec of app '${spec.spec.name}', not of '${app}'`,
          `pin ${app}'s own spec: npm run -s promote -- ${app} --to ${env.spec.name}`,
        );
        continue;
      }
      pinnedSpecs.set(app, spec);
    }
    return { ...env, pinnedSpecs };
  });
}

/** Reads, loads and checks the pinned spec texts `blobs` from git objects into `loaded`. */
async function loadPinnedTexts(
  root: string,
  blobs: readonly string[],
  wanted: ReadonlyMap<string, readonly { env: LoadedEnvironment; app: string }[]>,
  sink: ProblemSink,
  cache: KeyedCache<unknown>,
  loaded: Map<string, LoadedApp>,
): Promise<void> {
  const where = (blob: string): { file: string; field: string; pins: string } => {
    const pins = wanted.get(blob)!;
    const { env, app } = pins[0]!;
    const others = pins.slice(1).map((p) => p.env.spec.name);
    return {
      file: env.versionsFile,
      field: `${app}.spec`,
      pins: others.length > 0 ? ` (also pinned in ${others.join(', ')})` : '',
    };
  };
  let types: Map<string, string>;
  try {
    types = objectTypes(root, blobs);
  } catch (error) {
    for (const blob of blobs) {
      const w = where(blob);
      sink.add(
        w.file,
        w.field,
        blob,
        `cannot be read from git: ${(error as Error).message.split('\n')[0]}${w.pins}`,
        'run in a git clone of the repository with its full history',
      );
    }
    return;
  }
  const present = blobs.filter((blob) => {
    const type = types.get(blob);
    if (type === 'blob') return true;
    const w = where(blob);
    const { env, app } = wanted.get(blob)![0]!;
    sink.add(
      w.file,
      w.field,
      blob,
      type === 'missing'
        ? `names an object this repository's git does not have${w.pins}`
        : `names a git ${type}, not the text of apps/${app}.ts${w.pins}`,
      type === 'missing'
        ? `fetch the history that holds it (git fetch --unshallow), or pin a spec that exists: npm run -s promote -- ${app} --to ${env.spec.name}`
        : `pin the blob of the spec file: npm run -s promote -- ${app} --to ${env.spec.name}`,
    );
    return false;
  });
  const texts = readBlobs(root, present);
  const pure = present.filter((blob) => {
    if (isPureSpec(texts.get(blob)!)) return true;
    const w = where(blob);
    sink.add(
      w.file,
      w.field,
      blob,
      `names a spec text that imports more than the spec module, or reads the process or the clock${w.pins}`,
      'a pinned spec must depend on its own text alone: inline what it imports, then promote it again',
    );
    return false;
  });
  const results = await loadSpecTexts(
    root,
    pure.map((blob) => texts.get(blob)!),
  );
  pure.forEach((blob, i) => {
    const result = results[i]!;
    const { app } = wanted.get(blob)![0]!;
    const file = `apps/${app}.ts`;
    // Problems name the pinned text and where it is pinned; the label ends with the file, as the checks expect.
    const envs = wanted
      .get(blob)!
      .map((p) => p.env.spec.name)
      .join(', ');
    const label = `the text ${blob.slice(0, 12)} pinned in ${envs} of ${file}`;
    if ('error' in result) {
      const w = where(blob);
      sink.add(
        w.file,
        w.field,
        blob,
        `names a spec that no longer loads: ${result.error}${w.pins}`,
        'every pinned spec must keep loading: accept the old form in lib/spec/migrations.ts, or promote a spec that loads',
      );
      return;
    }
    const problems = sink.problems.length;
    const spec = checkAppSpec(result.value, label, sink);
    if (spec) {
      loaded.set(blob, { spec, file, blob, pinned: true });
      keepChecked(cache, pinnedKey(file, blob), spec, sink, problems);
    }
  });
}

/** Key of a pinned spec (by its git blob id, a hash of its text) once it has passed its checks. */
function pinnedKey(file: string, blob: string): string {
  return `pinned:${file}:${blob}`;
}

/** Checks references between files; names in `broken` (files already reported) raise no follow-on problems. */
function checkCrossReferences(
  apps: readonly LoadedApp[],
  broken: ReadonlySet<string>,
  environments: readonly LoadedEnvironment[],
  brokenEnvs: ReadonlySet<string>,
  sink: ProblemSink,
  unpinned: ReadonlySet<string> = new Set(),
): void {
  const envNames = environments.map((e) => e.spec.name);
  const byName = new Map<string, LoadedApp>();
  for (const app of apps) {
    const other = byName.get(app.spec.name);
    if (other) {
      sink.add(app.file, 'name', app.spec.name, `duplicates the app in ${other.file}`, 'give every app a unique name');
    } else {
      byName.set(app.spec.name, app);
    }
  }
  const appNames = [...byName.keys()];
  const reported = new Set<string>();
  for (const app of apps) {
    const { spec, file } = app;
    for (const envName of Object.keys(spec.overrides ?? {})) {
      // An environment that exists but did not load is reported on its own; naming it here is no mistake.
      if (brokenEnvs.has(envName)) continue;
      if (!envNames.includes(envName as EnvName)) {
        const guess = closest(envName, envNames);
        sink.add(
          file,
          `overrides.${envName}`,
          envName,
          'unknown environment',
          guess ? `did you mean '${guess}'?` : `use one of: ${envNames.join(', ')}`,
        );
      } else if (!runsIn(spec, envName as EnvName)) {
        sink.add(
          file,
          `overrides.${envName}`,
          envName,
          'the app does not run in this environment',
          `add '${envName}' to environments, or remove the override`,
        );
      }
    }
    for (const [field, list] of [
      ['network.allowFrom', spec.network?.allowFrom ?? []],
      ['network.callsApps', spec.network?.callsApps ?? []],
    ] as const) {
      list.forEach((name, i) => {
        if (!byName.has(name) && !broken.has(name)) {
          const guess = closest(name, appNames);
          sink.add(
            file,
            `${field}[${i}]`,
            name,
            'names no app',
            guess ? `did you mean '${guess}'?` : 'use the name of an app in apps/',
          );
        }
      });
    }
    const first = environments.find((e) => e.spec.promotion.from === undefined);
    for (const env of environments) {
      const pinned = env.versions[spec.name];
      const runs = runsIn(spec, env.spec.name);
      if (runs && !pinned && !unpinned.has(spec.name)) {
        sink.add(
          env.versionsFile,
          spec.name,
          undefined,
          `no version pinned for app '${spec.name}' (${file})`,
          pinFix(spec, env, first, file),
        );
      }
      const rendered = env.pinnedSpecs.get(spec.name) ?? app;
      if (runs) checkAppInEnvironment(rendered, env, sink, reported);
      if (runs && rendered.pinned && !runsIn(rendered.spec, env.spec.name)) {
        sink.add(
          env.versionsFile,
          `${spec.name}.spec`,
          rendered.blob,
          `names a spec of '${spec.name}' whose environments leave out ${env.spec.name}`,
          `promote a spec that lists '${env.spec.name}': npm run -s promote -- ${spec.name} --to ${env.spec.name}`,
        );
      }
      if (!runs && pinned) {
        sink.add(
          env.versionsFile,
          spec.name,
          pinned,
          `app '${spec.name}' does not run in ${env.spec.name} (see environments in ${file})`,
          `remove the pin, or add '${env.spec.name}' to the app's environments`,
        );
      }
    }
  }
  for (const env of environments) {
    for (const name of Object.keys(env.versions)) {
      if (!byName.has(name) && !broken.has(name)) {
        sink.add(
          env.versionsFile,
          name,
          env.versions[name],
          'pins an app that has no spec',
          `remove the pin, or add apps/${name}.ts`,
        );
      }
    }
  }
}

/**
 * How to pin an app that has no version in `env`: a new app enters the environment fed by builds with
 * its first build, and runs only where it has been promoted to (`environments`).
 */
function pinFix(spec: AppSpec, env: LoadedEnvironment, first: LoadedEnvironment | undefined, file: string): string {
  const command = `npm run -s promote -- ${spec.name} --to`;
  if (env === first) {
    const only =
      spec.environments === undefined ? `list only '${env.spec.name}' in environments of ${file}, then ` : '';
    return `${only}pin its first build: ${command} ${env.spec.name} --version <tag> --digest sha256:<digest>`;
  }
  const from = env.spec.promotion.from ?? env.spec.promotion.releasedWith;
  return `promote it when it runs in ${from}: ${command} ${env.spec.promotion.releasedWith ?? env.spec.name}; until then leave '${env.spec.name}' out of environments in ${file}`;
}

/**
 * Checks of one app against the rules of one environment it runs in: registries, open egress. Each
 * problem is reported once per app (`reported`), by the first environment that refuses it.
 */
function checkAppInEnvironment(app: LoadedApp, env: LoadedEnvironment, sink: ProblemSink, reported: Set<string>): void {
  const { spec, file } = app;
  const allowed = env.spec.images.allowedRegistries;
  // A missing registry is reported by the app's own checks.
  if (
    allowed &&
    registryOf(spec.image) !== undefined &&
    !fromAllowedRegistry(spec.image, allowed) &&
    !reported.has(`${file}:image`)
  ) {
    reported.add(`${file}:image`);
    sink.add(
      file,
      'image',
      spec.image,
      `is not from a registry ${env.spec.name} allows (${allowed.join(', ')}; see ${env.file})`,
      `push the image to ${allowed[0] ?? 'an allowed registry'} and name it there`,
    );
  }
  if (env.spec.network?.openEgressNeedsReason) {
    const open = (spec.network?.egress ?? []).findIndex((e) => e.startsWith('0.0.0.0/0:'));
    if (open >= 0 && !spec.network?.openEgressReason?.trim() && !reported.has(`${file}:egress`)) {
      reported.add(`${file}:egress`);
      sink.add(
        file,
        `network.egress[${open}]`,
        spec.network!.egress![open],
        `egress to any address needs a reason in ${env.spec.name}`,
        "narrow it to the addresses the app calls, or add network.openEgressReason: 'why'",
      );
    }
  }
}

/**
 * Orders environments along the promotion chain: the one fed by builds first,
 * then each environment after the one it promotes from; an environment released
 * with another directly follows it.
 */
function orderEnvironments(envs: readonly LoadedEnvironment[], sink = new ProblemSink()): LoadedEnvironment[] {
  const byName = new Map(envs.map((e) => [e.spec.name, e]));
  for (const e of envs) {
    for (const key of ['from', 'releasedWith'] as const) {
      const target = e.spec.promotion[key];
      if (target !== undefined && !byName.has(target)) {
        sink.add(
          e.file,
          `promotion.${key}`,
          target,
          'names no environment',
          `use one of: ${[...byName.keys()].join(', ')}`,
        );
      }
    }
  }
  const roots = envs.filter((e) => e.spec.promotion.from === undefined);
  if (envs.length > 0 && roots.length !== 1) {
    for (const r of roots) {
      sink.add(
        r.file,
        'promotion.from',
        undefined,
        `${roots.length} environments have no 'from'; exactly one may be fed by builds`,
        'set promotion.from on all but the first environment',
      );
    }
  }
  sink.throwIfAny();
  const ordered: LoadedEnvironment[] = [];
  const visit = (env: LoadedEnvironment): void => {
    ordered.push(env);
    const partners = envs.filter((e) => e.spec.promotion.releasedWith === env.spec.name);
    for (const p of partners.sort((a, b) => cmp(a.spec.name, b.spec.name))) ordered.push(p);
    const next = envs
      .filter((e) => e.spec.promotion.from === env.spec.name && e.spec.promotion.releasedWith === undefined)
      .sort((a, b) => cmp(a.spec.name, b.spec.name));
    for (const n of next) visit(n);
  };
  if (roots[0]) visit(roots[0]);
  const missing = envs.filter((e) => !ordered.includes(e));
  for (const m of missing) {
    sink.add(
      m.file,
      'promotion',
      m.spec.promotion,
      'is not reachable along the promotion chain',
      `set promotion.from to an environment of the chain (${showValue(ordered.map((o) => o.spec.name))})`,
    );
  }
  sink.throwIfAny();
  return ordered;
}
