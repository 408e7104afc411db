/**
 * `validate`: schema and policy checks over rendered manifests, in memory
 * (inside `synth`, before anything is written) or from `manifests/` on disk.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { INDEX_FILE, type RenderedFile } from '../render/render.ts';
import { objectId } from '../render/order.ts';
import { fromYaml, type KubeObject } from '../render/yaml.ts';
import { cmp } from '../util/compare.ts';
import { checkPolicy, checkPolicyAcross } from './policy.ts';
import { schemaErrors } from './schema.ts';

/** One broken rule on one object. */
export interface Violation {
  /** File under `manifests/`. */
  readonly file: string;
  /** `apiVersion/kind/namespace/name`. */
  readonly object: string;
  /** Rule id: `schema`, `index`, or a policy rule id. */
  readonly rule: string;
  readonly message: string;
  readonly fix: string;
}

/**
 * Checks every object of `files` against the schemas and the policy of its environment; with `across` (the
 * default), also the checks that compare files: duplicate objects and the cross-environment rules.
 */
export function validateFiles(
  files: readonly RenderedFile[],
  environments: ReadonlyMap<string, EnvironmentSpec>,
  options: { across?: boolean } = {},
): Violation[] {
  const out: Violation[] = [];
  for (const file of files) {
    const env = environments.get(file.env);
    if (!env) {
      out.push({ file: file.path, object: '', rule: 'environment', message: `folder '${file.env}' is no environment`, fix: 'remove it, or add environments/<env>/' });
      continue;
    }
    if (file.path.endsWith(`/${INDEX_FILE}`)) continue;
    for (const object of file.objects) {
      const id = isObject(object) ? objectId(object) : '(not an object)';
      if (!isObject(object)) {
        out.push({ file: file.path, object: id, rule: 'schema', message: 'document is not a Kubernetes object (apiVersion, kind, metadata.name)', fix: 're-render with `npm run synth`' });
        continue;
      }
      for (const message of schemaErrors(object)) {
        out.push({ file: file.path, object: id, rule: 'schema', message, fix: 'correct the field in the spec that renders it, then `npm run synth`' });
      }
      for (const v of checkPolicy(object, env, { file: file.objects, platform: file.path.startsWith(`${file.env}/platform/`) })) out.push({ file: file.path, object: id, ...v });
    }
  }
  if (options.across ?? true) {
    out.push(...duplicateObjects(files.map((f) => ({ path: f.path, env: f.env, ids: f.objects.filter(isObject).map(objectId) }))));
    out.push(...checkPolicyAcross(files, environments));
  }
  return out;
}

/** One violation per object defined again in the same environment, naming the file that defined it first. */
export function duplicateObjects(files: readonly { readonly path: string; readonly env: string; readonly ids: readonly string[] }[]): Violation[] {
  const out: Violation[] = [];
  // Object id → the file that defined it first, per environment.
  const seenIn = new Map<string, Map<string, string>>();
  for (const file of files) {
    let seen = seenIn.get(file.env);
    if (!seen) seenIn.set(file.env, (seen = new Map()));
    for (const id of file.ids) {
      const first = seen.get(id);
      if (first) out.push({ file: file.path, object: id, rule: 'duplicate', message: `also defined in ${first}`, fix: 'give the objects distinct names' });
      else seen.set(id, file.path);
    }
  }
  return out;
}

function isObject(o: unknown): o is KubeObject {
  if (!o || typeof o !== 'object') return false;
  const k = o as KubeObject;
  return typeof k.apiVersion === 'string' && typeof k.kind === 'string' && typeof k.metadata?.name === 'string';
}

/** Reads every manifest under `dir` (`manifests/`), as files with their parsed objects. */
export function readManifests(dir: string): RenderedFile[] {
  if (!existsSync(dir)) return [];
  const out: RenderedFile[] = [];
  for (const rel of listFiles(dir)) {
    const content = readFileSync(join(dir, rel), 'utf8');
    const env = rel.split('/')[0]!;
    const isIndex = rel === `${env}/${INDEX_FILE}`;
    out.push({ path: rel, env, objects: isIndex ? [] : (fromYaml(content, `manifests/${rel}`) as KubeObject[]), content });
  }
  return out;
}

/** Every file under `dir`, as sorted `/`-separated relative paths. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1).split('\\').join('/'))
    .sort(cmp);
}

/** Checks that each environment's index lists exactly the manifest files present. */
export function validateIndexes(files: readonly RenderedFile[]): Violation[] {
  const out: Violation[] = [];
  const envs = [...new Set(files.map((f) => f.env))].sort(cmp);
  for (const env of envs) {
    const inEnv = files.filter((f) => f.env === env);
    const index = inEnv.find((f) => f.path === `${env}/${INDEX_FILE}`);
    if (!index) {
      out.push({ file: `${env}/${INDEX_FILE}`, object: '', rule: 'index', message: 'the environment has no index', fix: 'run `npm run synth`' });
      continue;
    }
    const listed = new Set(((fromYaml(index.content, index.path)[0] as { resources?: string[] })?.resources ?? []).map((r) => `${env}/${r}`));
    for (const f of inEnv) {
      if (f !== index && !listed.has(f.path)) out.push({ file: f.path, object: '', rule: 'index', message: `not listed in ${index.path}`, fix: 'run `npm run synth` (manifests are never edited by hand)' });
    }
    for (const l of listed) {
      if (!inEnv.some((f) => f.path === l)) out.push({ file: index.path, object: '', rule: 'index', message: `lists missing file ${l}`, fix: 'run `npm run synth`' });
    }
  }
  return out;
}

/** One violation per line, for the terminal. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `  - manifests/${v.file}${v.object ? ` ${v.object}` : ''} [${v.rule}]: ${v.message}. Fix: ${v.fix}`).join('\n');
}
