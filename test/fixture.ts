/**
 * Test fixtures: throwaway repositories in temp folders, with the frozen
 * environments of `test/fixtures/environments/` and `lib/` linked in, so specs
 * load exactly as in the repo but an edit of the live `environments/` changes no test.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import type { AppSpec } from '../lib/spec/index.ts';
import { loadProject, resolveProject } from '../lib/spec/project.ts';
import { renderApp } from '../lib/render/render.ts';
import type { KubeObject } from '../lib/kube/object.ts';
import { fromYaml } from '../lib/kube/parse.ts';
import { renderAll } from '../lib/render/synth.ts';

/** Root of this repository. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * A folder laid out like a repository root that holds only `environments/`: a frozen copy of the
 * repository's environments (policy and pins), for tests that read environments in place.
 */
export const FIXTURE_ROOT = join(REPO_ROOT, 'test', 'fixtures');

/** The six environments of the repository, in promotion order. */
export const ENVS = ['dev', 'sit', 'uat', 'staging', 'prod', 'dr'] as const;

/** A fake but well-formed digest for `name:tag`. */
export function digestOf(text: string): string {
  let h = 0n;
  for (const ch of text) h = (h * 131n + BigInt(ch.charCodeAt(0))) % (1n << 256n);
  return `sha256:${h.toString(16).padStart(64, '0').slice(-64)}`;
}

/** Source text of an app file for `spec`. */
export function appSource(spec: unknown): string {
  return `import { defineApp } from '../lib/spec/index.ts';\n\nexport default defineApp(${JSON.stringify(spec, null, 2)} as never);\n`;
}

/** Options of `makeRepo`. */
export interface RepoOptions {
  /** App specs by name; written as `apps/<name>.ts`. */
  readonly apps?: Record<string, unknown>;
  /** Raw app file sources by file name, written as given. */
  readonly rawApps?: Record<string, string>;
  /** Versions per environment; by default every app is pinned at 1.0.0 (with a digest) everywhere it runs. */
  readonly versions?: Partial<Record<(typeof ENVS)[number], Record<string, { tag: string; digest?: string }>>>;
}

/** A minimal valid service spec named `name`. */
export function service(name: string, extra: Partial<AppSpec> = {}): AppSpec {
  return {
    name,
    team: 'claims',
    image: `registry.insure.example/claims/${name}`,
    ports: [{ name: 'http', port: 8080 }],
    health: { readiness: '/ready' },
    ...extra,
  };
}

/** Creates a repository in a temp folder and returns its root; `cleanup` removes it. */
export function makeRepo(options: RepoOptions = {}): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'platform-test-'));
  symlinkSync(join(REPO_ROOT, 'lib'), join(root, 'lib'), 'dir');
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  cpSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
  mkdirSync(join(root, 'apps'));
  const apps = options.apps ?? {};
  for (const [name, spec] of Object.entries(apps)) writeFileSync(join(root, 'apps', `${name}.ts`), appSource(spec));
  for (const [file, source] of Object.entries(options.rawApps ?? {})) writeFileSync(join(root, 'apps', file), source);
  for (const env of ENVS) {
    mkdirSync(join(root, 'environments', env), { recursive: true });
    cpSync(
      join(FIXTURE_ROOT, 'environments', env, 'environment.ts'),
      join(root, 'environments', env, 'environment.ts'),
    );
    const pins: Record<string, { tag: string; digest?: string }> = {};
    for (const [name, spec] of Object.entries(apps)) {
      const runs = (spec as AppSpec).environments;
      if (runs && !runs.includes(env)) continue;
      pins[name] = { tag: '1.0.0', digest: digestOf(`${name}:1.0.0`) };
    }
    writeFileSync(
      join(root, 'environments', env, 'versions.json'),
      `${JSON.stringify(options.versions?.[env] ?? pins, null, 2)}\n`,
    );
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

let fleet: string | undefined;

/**
 * A repository with this repository's apps (`apps/`) and the frozen environments and pins of
 * `test/fixtures/environments/`: the real fleet under fixed policy. Made once per test process,
 * read-only for tests, removed when the process exits.
 */
export function fleetRepo(): string {
  if (fleet) return fleet;
  const root = makeRepo().root;
  cpSync(join(REPO_ROOT, 'apps'), join(root, 'apps'), { recursive: true });
  for (const env of ENVS) {
    cpSync(join(FIXTURE_ROOT, 'environments', env, 'versions.json'), join(root, 'environments', env, 'versions.json'));
  }
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  fleet = root;
  return root;
}

/** Every file under `dir` with its bytes, for byte-for-byte comparisons. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out[full.slice(dir.length + 1)] = readFileSync(full, 'utf8');
  }
  return out;
}

/** An empty folder under the system's temp folder, removed when the current test finishes. */
export function tempDir(prefix = 'platform-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A repository made by `makeRepo` that is removed when the current test finishes. */
export function tempRepo(options: RepoOptions = {}): string {
  const repo = makeRepo(options);
  onTestFinished(repo.cleanup);
  return repo.root;
}

/**
 * Every file `synth` would write for the repository at `root` (rendered in memory, no cache), with its objects read
 * back.
 */
export async function renderedRepository(
  root: string,
): Promise<{ path: string; env: string; objects: KubeObject[]; content: string }[]> {
  const { files } = await renderAll(root, { cache: false });
  return files.map(({ path, content }) => ({
    path,
    env: path.split('/')[0]!,
    objects: path.endsWith('/kustomization.yaml') ? [] : (fromYaml(content, path) as KubeObject[]),
    content,
  }));
}

/** The objects of `app` in `env` of the repository at `root`, rendered exactly as `synth` renders them. */
export async function renderedApp(root: string, env: string, app: string): Promise<KubeObject[]> {
  const resolved = resolveProject(await loadProject(root, { cache: false })).find(
    (a) => a.environment.name === env && a.name === app,
  );
  if (!resolved) throw new Error(`${app} does not run in ${env}`);
  return renderApp(resolved);
}
