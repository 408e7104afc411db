/**
 * `validate`: schema and policy checks over rendered manifests, in memory
 * (inside `synth`, before anything is written) or from `manifests/` on disk.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { INDEX_FILE } from '../kube/layout.ts';
import { isKubeObject, type KubeObject, type RenderedFile } from '../kube/object.ts';
import { objectId } from '../kube/order.ts';
import { fromYaml } from '../kube/parse.ts';
import { cmp } from '../util/compare.ts';
import { checkPolicy, checkPolicyAcross } from './policy.ts';
import { schemaErrors, unknownFieldErrors } from './schema.ts';
import { filePodsReader } from './shape.ts';
import { parseAllDocuments } from 'yaml';

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

/** Options of `validateFiles`. */
export interface ValidateOptions {
  /**
   * Also run the checks that compare files: duplicate objects and the cross-environment rules.
   * @default true
   */
  readonly across?: boolean;
  /**
   * Also report fields the schemas do not declare. It costs up to a tenth of a millisecond per object, so
   * `synth` (whose objects come from typed constructs) leaves it to `validate`.
   * @default false
   */
  readonly strict?: boolean;
}

/**
 * Checks every object of `files` against the schemas and the policy of its environment; with `across` (the
 * default), also the checks that compare files: duplicate objects and the cross-environment rules. The items of a
 * `kind: List` are checked as objects of the file. An object of the wrong shape is reported, never thrown.
 */
export function validateFiles(
  files: readonly RenderedFile[],
  environments: ReadonlyMap<string, EnvironmentSpec>,
  options: ValidateOptions = {},
): Violation[] {
  const out: Violation[] = [];
  for (const file of files) {
    const env = environments.get(file.env);
    if (!env) {
      out.push({
        file: file.path,
        object: '',
        rule: 'environment',
        message: `folder '${file.env}' is no environment`,
        fix: 'remove it, or add environments/<env>/',
      });
      continue;
    }
    if (file.path.endsWith(`/${INDEX_FILE}`)) continue;
    const objects = withListItems(file.objects);
    const kube = objects.filter(isKubeObject);
    const platform = file.path.startsWith(`${file.env}/platform/`);
    const filePods = filePodsReader(kube);
    objects.forEach((object, n) => {
      if (!isKubeObject(object)) {
        const fix = 're-render with `npm run synth`';
        out.push({ file: file.path, object: `document ${n + 1}`, rule: 'schema', message: notAnObject(object), fix });
        return;
      }
      const id = objectId(object);
      const schema = schemaErrors(object);
      if (options.strict) schema.push(...unknownFieldErrors(object));
      for (const message of schema) {
        out.push({
          file: file.path,
          object: id,
          rule: 'schema',
          message,
          fix: 'correct the field in the spec that renders it, then `npm run synth`',
        });
      }
      for (const v of checkPolicy(object, env, { file: kube, platform, filePods })) {
        // A rule that cannot read a malformed object adds nothing to the schema errors that name the field.
        if (v.rule === 'malformed' && schema.length > 0) continue;
        out.push({ file: file.path, object: id, ...v });
      }
    });
  }
  if (options.across ?? true) {
    const idsOf = (f: RenderedFile): string[] => withListItems(f.objects).filter(isKubeObject).map(objectId);
    const ids = files.map((f) => ({ path: f.path, env: f.env, ids: idsOf(f) }));
    out.push(...duplicateObjects(ids));
    out.push(...checkPolicyAcross(files, environments));
  }
  return out;
}

/** The objects of a file with the items of each `kind: List` after it (the List itself stays, and has no schema). */
function withListItems(objects: readonly unknown[]): unknown[] {
  if (!objects.some(isList)) return objects as unknown[];
  return objects.flatMap((o) => (isList(o) ? [o, ...(o.items as unknown[])] : [o]));
}

function isList(o: unknown): o is { kind: string; items: unknown[] } {
  const list = o as { kind?: unknown; items?: unknown } | null;
  return !!list && typeof list === 'object' && list.kind === 'List' && Array.isArray(list.items);
}

/** Why a document is no Kubernetes object, naming what is missing. */
function notAnObject(o: unknown): string {
  if (!o || typeof o !== 'object' || Array.isArray(o)) {
    const what = Array.isArray(o) ? 'a list' : JSON.stringify(o);
    return `document is ${what}, not a Kubernetes object (apiVersion, kind, metadata.name)`;
  }
  const k = o as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; generateName?: unknown } };
  if (typeof k.apiVersion !== 'string') return 'document has no apiVersion';
  if (typeof k.kind !== 'string') return 'document has no kind';
  if (k.metadata?.generateName !== undefined && k.metadata.name === undefined) {
    return (
      `${k.kind} has generateName but no metadata.name:` +
      ' objects applied from git need a fixed name, or every sync creates another'
    );
  }
  return `${k.kind} has no metadata.name`;
}

/** One violation per object defined again in the same environment, naming the file that defined it first. */
export function duplicateObjects(
  files: readonly { readonly path: string; readonly env: string; readonly ids: readonly string[] }[],
): Violation[] {
  const out: Violation[] = [];
  // Object id → the file that defined it first, per environment.
  const seenIn = new Map<string, Map<string, string>>();
  for (const file of files) {
    let seen = seenIn.get(file.env);
    if (!seen) {
      seen = new Map();
      seenIn.set(file.env, seen);
    }
    for (const id of file.ids) {
      const first = seen.get(id);
      if (first)
        out.push({
          file: file.path,
          object: id,
          rule: 'duplicate',
          message: `also defined in ${first}`,
          fix: 'give the objects distinct names',
        });
      else seen.set(id, file.path);
    }
  }
  return out;
}

/** Reads every manifest under `dir` (`manifests/`), as files with their parsed objects. */
export function readManifests(dir: string): RenderedFile[] {
  if (!existsSync(dir)) return [];
  const out: RenderedFile[] = [];
  for (const rel of listFiles(dir)) {
    const content = readFileSync(join(dir, rel), 'utf8');
    const env = rel.split('/')[0]!;
    const isIndex = rel === `${env}/${INDEX_FILE}`;
    out.push({
      path: rel,
      env,
      objects: isIndex ? [] : (fromYaml(content, `manifests/${rel}`) as KubeObject[]),
      content,
    });
  }
  return out;
}

/**
 * Reads every manifest under `dir` like `readManifests`, but a file that is not valid YAML becomes a violation
 * (rule `yaml`, naming the file, the line and the problem) and the other documents and files are still read.
 */
export function readManifestsReporting(dir: string): { files: RenderedFile[]; violations: Violation[] } {
  const files: RenderedFile[] = [];
  const violations: Violation[] = [];
  for (const rel of listFiles(dir)) {
    const content = readFileSync(join(dir, rel), 'utf8');
    const env = rel.split('/')[0]!;
    if (rel === `${env}/${INDEX_FILE}`) {
      files.push({ path: rel, env, objects: [], content });
      continue;
    }
    const objects: unknown[] = [];
    parseAllDocuments(content).forEach((doc, n) => {
      const error = doc.errors[0];
      if (error) {
        const line = error.linePos?.[0]?.line;
        violations.push({
          file: rel,
          object: `document ${n + 1}`,
          rule: 'yaml',
          message: `invalid YAML${line ? ` at line ${line}` : ''}: ${error.message.split('\n')[0]}`,
          fix: 're-render with `npm run synth` (manifests are never edited by hand)',
        });
        return;
      }
      const value = doc.toJS() as unknown;
      if (value !== null && value !== undefined) objects.push(value);
    });
    files.push({ path: rel, env, objects: objects as KubeObject[], content });
  }
  return { files, violations };
}

/** Every file under `dir`, as sorted `/`-separated relative paths. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort(cmp);
}

/**
 * What `validate` checks on disk: every file under `dir` (`manifests/`) read, broken YAML reported per file, each
 * object against its strict schema (unknown fields included) and the policy, across files, and the indexes.
 */
export function validateManifestDir(
  dir: string,
  environments: ReadonlyMap<string, EnvironmentSpec>,
): { files: RenderedFile[]; violations: Violation[] } {
  const { files, violations } = readManifestsReporting(dir);
  const checked = validateFiles(files, environments, { strict: true });
  return { files, violations: [...violations, ...checked, ...validateIndexes(files)] };
}

/** Checks that each environment's index lists exactly the manifest files present. */
export function validateIndexes(files: readonly RenderedFile[]): Violation[] {
  const out: Violation[] = [];
  const envs = [...new Set(files.map((f) => f.env))].sort(cmp);
  for (const env of envs) {
    const inEnv = files.filter((f) => f.env === env);
    const index = inEnv.find((f) => f.path === `${env}/${INDEX_FILE}`);
    if (!index) {
      out.push({
        file: `${env}/${INDEX_FILE}`,
        object: '',
        rule: 'index',
        message: 'the environment has no index',
        fix: 'run `npm run synth`',
      });
      continue;
    }
    let resources: unknown;
    try {
      resources = (fromYaml(index.content, index.path)[0] as { resources?: unknown } | undefined)?.resources;
    } catch (error) {
      const message = (error as Error).message;
      out.push({ file: index.path, object: '', rule: 'index', message, fix: 'run `npm run synth`' });
      continue;
    }
    const listed = new Set((Array.isArray(resources) ? resources : []).map((r) => `${env}/${String(r)}`));
    for (const f of inEnv) {
      if (f !== index && !listed.has(f.path))
        out.push({
          file: f.path,
          object: '',
          rule: 'index',
          message: `not listed in ${index.path}`,
          fix: 'run `npm run synth` (manifests are never edited by hand)',
        });
    }
    for (const l of listed) {
      if (!inEnv.some((f) => f.path === l))
        out.push({
          file: index.path,
          object: '',
          rule: 'index',
          message: `lists missing file ${l}`,
          fix: 'run `npm run synth`',
        });
    }
  }
  return out;
}

/** One violation per line, for the terminal. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations
    .map((v) => `  - manifests/${v.file}${v.object ? ` ${v.object}` : ''} [${v.rule}]: ${v.message}. Fix: ${v.fix}`)
    .join('\n');
}
