/**
 * The rendered manifests of two revisions, read straight from git objects.
 * Both trees are listed with their blob SHAs; only files whose blob differs
 * are fetched (one `git cat-file --batch` for all) and parsed, so a one-app
 * change costs the same in a repository of ten apps or a thousand.
 */
import jsYaml from 'js-yaml';
import { listTree, readBlobs } from '../git/git.ts';
import { INDEX_FILE } from '../kube/layout.ts';
import { isKubeObject, type KubeObject } from '../kube/object.ts';
import { fromYaml } from '../kube/parse.ts';
import { cmp } from '../util/compare.ts';

/** Folder of the rendered output in the repository. */
export const MANIFESTS = 'manifests';
/** Folder of the Argo CD objects each environment's root Application applies (`delivery/argocd/<env>/`). */
export const ARGOCD = 'delivery/argocd';
/** The Argo CD bootstrap files (`delivery/argocd/bootstrap/<env>.yaml`), applied by Pulumi. */
const BOOTSTRAP = 'bootstrap';
/** Where the Argo CD files of an environment stand among its files (`prod/argocd/apps/claims-api.yaml`). */
const ARGOCD_KEY = 'argocd';

/** One rendered object at one revision, with where it lives. */
export interface PlacedObject {
  /** Environment (first folder under `manifests/`). */
  readonly env: string;
  /** App the object belongs to (`claims-api`), or the file for platform objects (`platform/namespaces`). */
  readonly app: string;
  /** File under `manifests/` (`prod/apps/claims-api.yaml`). */
  readonly file: string;
  readonly object: KubeObject;
}

/** A file of the head revision that could not be read as Kubernetes objects. */
export interface BrokenFile {
  readonly file: string;
  readonly message: string;
}

/** The manifests of `base` and `head`, parsed where they differ. */
export interface ManifestDelta {
  /** File under `manifests/` → blob SHA, at base. */
  readonly baseFiles: ReadonlyMap<string, string>;
  /** File under `manifests/` → blob SHA, at head. */
  readonly headFiles: ReadonlyMap<string, string>;
  /** Objects of the changed files at base. */
  readonly before: readonly PlacedObject[];
  /** Objects of the changed files at head. */
  readonly after: readonly PlacedObject[];
  /** Changed files that do not parse at head. */
  readonly broken: readonly BrokenFile[];
  /** Environments whose files differ, sorted. */
  readonly changedEnvs: readonly string[];
}

/**
 * Reads the manifests of two resolved commits and parses the files that differ.
 * The Argo CD objects of an environment (`delivery/argocd/<env>/`, applied by
 * its root Application, and its bootstrap file) are part of it, as
 * `<env>/argocd/…`. What an environment applies is what its index lists and,
 * where the environment has per-app Applications, what an Application selects:
 * a file dropped from the index, or whose Application is removed, is removed
 * from the cluster even though it stays in the tree. So a file whose place in
 * the index or whose Application changed counts as changed, and a file not
 * applied holds no object on that side.
 */
export function readManifestDelta(root: string, base: string, head: string): ManifestDelta {
  const baseFiles = filesAt(root, base);
  const headFiles = filesAt(root, head);
  const broken: BrokenFile[] = [];
  const baseIndex = indexes(root, baseFiles, []);
  const headIndex = indexes(root, headFiles, broken);
  // The index lists the files of manifests/<env>/; the Argo CD files are applied by the root Application.
  const baseApplications = envsWithApplications(baseFiles);
  const headApplications = envsWithApplications(headFiles);
  type Index = ReadonlyMap<string, ReadonlySet<string>>;
  const listed = (index: Index, files: ReadonlyMap<string, string>, envs: ReadonlySet<string>, file: string): boolean =>
    isArgoCd(file) || ((index.get(envOf(file))?.has(file) ?? true) && hasApplication(files, envs, file));
  const applied = {
    base: (f: string): boolean => listed(baseIndex, baseFiles, baseApplications, f),
    head: (f: string): boolean => listed(headIndex, headFiles, headApplications, f),
  };
  const changed = [...new Set([...baseFiles.keys(), ...headFiles.keys()])]
    .filter((f) => !isIndex(f) && (baseFiles.get(f) !== headFiles.get(f) || applied.base(f) !== applied.head(f)))
    .sort(cmp);
  for (const [env, files] of headIndex) {
    for (const f of files)
      if (!headFiles.has(f))
        broken.push({
          file: `${env}/${INDEX_FILE}`,
          message: `${MANIFESTS}/${env}/${INDEX_FILE} lists ${f.slice(env.length + 1)}, which does not exist`,
        });
  }
  const blobs = readBlobs(
    root,
    changed.flatMap((f) => [baseFiles.get(f), headFiles.get(f)].filter((s): s is string => s !== undefined)),
  );
  const before: PlacedObject[] = [];
  const after: PlacedObject[] = [];
  const parse = documentParser();
  for (const file of changed) {
    const baseSha = baseFiles.get(file);
    const headSha = headFiles.get(file);
    // A base that does not parse cannot be compared; its objects count as absent.
    if (baseSha && applied.base(file)) tryParse(file, blobs.get(baseSha)!, before, [], parse);
    if (headSha && applied.head(file)) tryParse(file, blobs.get(headSha)!, after, broken, parse);
  }
  const indexChanged = [...new Set([...baseFiles.keys(), ...headFiles.keys()])].filter(
    (f) => isIndex(f) && baseFiles.get(f) !== headFiles.get(f),
  );
  const envs = new Set([...changed, ...indexChanged].map(envOf));
  return { baseFiles, headFiles, before, after, broken, changedEnvs: [...envs].sort(cmp) };
}

/**
 * Whether an app file (`prod/apps/claims-api.yaml`) is selected by an Application at that revision:
 * always, unless the environment has per-app Applications (`prod/argocd/apps/`, `envs` names those
 * environments) and none is the app's.
 */
function hasApplication(files: ReadonlyMap<string, string>, envs: ReadonlySet<string>, file: string): boolean {
  const env = envOf(file);
  const rest = file.slice(env.length + 1);
  if (!rest.startsWith('apps/') || rest.slice(5).includes('/')) return true;
  return files.has(`${env}/${ARGOCD_KEY}/${rest}`) || !envs.has(env);
}

/** Environments with per-app Applications (a file under `<env>/argocd/apps/`) among `files`. */
function envsWithApplications(files: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const f of files.keys()) if (f.startsWith(`${envOf(f)}/${ARGOCD_KEY}/apps/`)) out.add(envOf(f));
  return out;
}

/** An index exactly as synth writes it: comment lines, then one Kustomization that lists plain file names. */
const CANONICAL_INDEX =
  /^(?:#[^\n]*\n)*---\napiVersion: kustomize\.config\.k8s\.io\/v1beta1\nkind: Kustomization\nresources:\n(?: {2}- [A-Za-z0-9._/-]+\n)*$/;

function isArgoCd(file: string): boolean {
  return file.startsWith(`${envOf(file)}/${ARGOCD_KEY}/`);
}

function isIndex(file: string): boolean {
  return file.endsWith(`/${INDEX_FILE}`) && file.indexOf('/') === file.length - INDEX_FILE.length - 1;
}

/**
 * The files each environment's index lists (`env/apps/x.yaml`), by environment. An index that does
 * not parse, or that does more than list files, is reported in `broken` (it is written by `synth`
 * and holds nothing else) and lists nothing.
 */
function indexes(root: string, files: ReadonlyMap<string, string>, broken: BrokenFile[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const index = [...files].filter(([f]) => isIndex(f));
  const blobs = readBlobs(
    root,
    index.map(([, sha]) => sha),
  );
  for (const [file, sha] of index) {
    const env = envOf(file);
    out.set(env, new Set());
    const text = blobs.get(sha)!;
    // The index as synth writes it (comment lines, one document, a plain list) is read without a YAML parser.
    if (CANONICAL_INDEX.test(text)) {
      for (const m of text.matchAll(/^ {2}- (\S+)$/gm)) out.get(env)!.add(`${env}/${m[1]!.replace(/^\.\//, '')}`);
      continue;
    }
    let docs: unknown[];
    try {
      docs = fromYaml(text, `${MANIFESTS}/${file}`);
    } catch (error) {
      broken.push({ file, message: (error as Error).message });
      continue;
    }
    const doc = docs[0] as { kind?: unknown; resources?: unknown } | undefined;
    const extra =
      doc && typeof doc === 'object'
        ? Object.keys(doc).filter((k) => !['apiVersion', 'kind', 'resources'].includes(k))
        : [];
    const resources = doc?.resources;
    if (
      docs.length !== 1 ||
      doc?.kind !== 'Kustomization' ||
      !Array.isArray(resources) ||
      !resources.every((r) => typeof r === 'string') ||
      extra.length > 0
    ) {
      const what = extra.length > 0 ? `sets ${extra.join(', ')}` : 'is not one Kustomization listing resources';
      broken.push({
        file,
        message: `${MANIFESTS}/${file} ${what}; the index is written by \`npm run synth\` and lists files only`,
      });
      continue;
    }
    for (const r of resources as string[]) out.get(env)!.add(`${env}/${r.replace(/^\.\//, '')}`);
  }
  return out;
}

/** Number of objects of `env` in `files` (one side of a delta); reads every file of the environment. */
export function countObjects(root: string, files: ReadonlyMap<string, string>, env: string): number {
  const shas = [...files].filter(([f]) => envOf(f) === env).map(([, sha]) => sha);
  const blobs = readBlobs(root, shas);
  let n = 0;
  for (const sha of shas) {
    const text = blobs.get(sha)!;
    if (/^kind: Kustomization$/m.test(text)) continue;
    // Every rendered document starts with a `---` line; counting them avoids parsing the whole environment.
    const separators = (text.match(/^---\s*$/gm) ?? []).length;
    n += separators > 0 ? separators : text.trim() ? 1 : 0;
  }
  return n;
}

/** Environment of a file under `manifests/`. */
export function envOf(file: string): string {
  return file.slice(0, file.indexOf('/'));
}

/**
 * App of a file of an environment: `prod/apps/claims-api.yaml` and its Application
 * `prod/argocd/apps/claims-api.yaml` → `claims-api`; other files → their path in the environment
 * without `.yaml` (`platform/namespaces`, `argocd/project`).
 */
export function appOf(file: string): string {
  const rest = file.slice(file.indexOf('/') + 1).replace(/\.ya?ml$/, '');
  for (const prefix of ['apps/', `${ARGOCD_KEY}/apps/`]) {
    if (rest.startsWith(prefix) && !rest.slice(prefix.length).includes('/')) return rest.slice(prefix.length);
  }
  return rest;
}

/**
 * The repository path of a file of an environment (`prod/argocd/project.yaml` → `delivery/argocd/prod/project.yaml`).
 */
export function repositoryPath(file: string): string {
  const env = envOf(file);
  const rest = file.slice(env.length + 1);
  if (rest === `${ARGOCD_KEY}/${BOOTSTRAP}.yaml`) return `${ARGOCD}/${BOOTSTRAP}/${env}.yaml`;
  if (rest.startsWith(`${ARGOCD_KEY}/`)) return `${ARGOCD}/${env}/${rest.slice(ARGOCD_KEY.length + 1)}`;
  return `${MANIFESTS}/${file}`;
}

/** The YAML files of every environment at `rev`: `manifests/<env>/…`, and the Argo CD files as `<env>/argocd/…`. */
function filesAt(root: string, rev: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const { path, sha } of listTree(root, rev, MANIFESTS)) {
    const rel = path.slice(MANIFESTS.length + 1);
    if (rel.includes('/') && /\.ya?ml$/.test(rel)) out.set(rel, sha);
  }
  for (const { path, sha } of listTree(root, rev, ARGOCD)) {
    const rel = path.slice(ARGOCD.length + 1);
    if (!/\.ya?ml$/.test(rel)) continue;
    const bootstrap = new RegExp(`^${BOOTSTRAP}/([^/]+)\\.ya?ml$`).exec(rel);
    if (bootstrap) out.set(`${bootstrap[1]}/${ARGOCD_KEY}/${BOOTSTRAP}.yaml`, sha);
    else if (rel.includes('/')) out.set(`${envOf(rel)}/${ARGOCD_KEY}/${rel.slice(rel.indexOf('/') + 1)}`, sha);
  }
  return out;
}

/** The objects of one manifest file (`prod/apps/claims-api.yaml`); throws naming the file when it does not parse. */
export function parseManifest(file: string, text: string): PlacedObject[] {
  const objects: PlacedObject[] = [];
  const broken: BrokenFile[] = [];
  tryParse(file, text, objects, broken);
  if (broken.length > 0) throw new Error(broken.map((b) => b.message).join('; '));
  return objects;
}

/** Parses the YAML documents of one file's text; throws naming `file` when it does not parse. */
type DocumentParse = (text: string, file: string) => unknown[];

/** A line that separates YAML documents, alone on its line, as the render writes it. */
const SEPARATOR = /^---[ \t]*$/m;
/** Lines that make a plain split at separators unsafe: directives, document ends, separators carrying content. */
const SPECIAL_LINES = /^(?:%|\.\.\.(?:\s|$)|---[ \t]*\S)/m;

/**
 * A parser of manifest files that parses each distinct document text once (with `js-yaml`, YAML 1.2
 * core schema, duplicate keys refused). A document unchanged between base and head, the bulk of a
 * change that touches one field of every app, becomes the same object on both sides, so the diff
 * passes it at once. A file whose text is not plainly split at `---` lines is parsed whole.
 */
export function documentParser(): DocumentParse {
  const seen = new Map<string, unknown>();
  const load = (text: string): unknown[] => jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA });
  return (text, file) => {
    try {
      if (SPECIAL_LINES.test(text)) return load(text).filter(present);
      const out: unknown[] = [];
      for (const piece of text.split(SEPARATOR)) {
        if (!seen.has(piece)) {
          const docs = load(piece);
          if (docs.length > 1) throw new Error('more than one document between separators');
          seen.set(piece, docs[0]);
        }
        const doc = seen.get(piece);
        if (present(doc)) out.push(doc);
      }
      return out;
    } catch {
      // The whole file again, through the render's own reader, so that the message places the fault in the file.
      return fromYaml(text, file);
    }
  };
}

function present(doc: unknown): boolean {
  return doc !== null && doc !== undefined;
}

function tryParse(
  file: string,
  text: string,
  into: PlacedObject[],
  broken: BrokenFile[],
  parse: DocumentParse = fromYaml,
): void {
  let docs: unknown[];
  try {
    docs = parse(text, repositoryPath(file));
  } catch (error) {
    broken.push({ file, message: (error as Error).message });
    return;
  }
  const env = envOf(file);
  const app = appOf(file);
  for (const doc of docs) {
    // The per-environment index is configuration of kustomize, not an object in the cluster.
    if ((doc as { kind?: unknown } | null)?.kind === 'Kustomization') continue;
    if (!isKubeObject(doc)) {
      broken.push({
        file,
        message: `${repositoryPath(file)}: a document is not a Kubernetes object (apiVersion, kind, metadata.name)`,
      });
      continue;
    }
    into.push({ env, app, file, object: doc });
  }
}
