/**
 * The rendered manifests of two revisions, read straight from git objects.
 * Both trees are listed with their blob SHAs; only files whose blob differs
 * are fetched (one `git cat-file --batch` for all) and parsed, so a one-app
 * change costs the same in a repository of ten apps or a thousand.
 */
import { listTree, readBlobs } from '../git/git.ts';
import { fromYaml, type KubeObject } from '../render/yaml.ts';
import { cmp } from '../util/compare.ts';

/** Folder of the rendered output in the repository. */
export const MANIFESTS = 'manifests';

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

/** Reads the manifests of two resolved commits and parses the files that differ. */
export function readManifestDelta(root: string, base: string, head: string): ManifestDelta {
  const baseFiles = filesAt(root, base);
  const headFiles = filesAt(root, head);
  const changed = [...new Set([...baseFiles.keys(), ...headFiles.keys()])]
    .filter((f) => baseFiles.get(f) !== headFiles.get(f))
    .sort(cmp);
  const blobs = readBlobs(root, changed.flatMap((f) => [baseFiles.get(f), headFiles.get(f)].filter((s): s is string => s !== undefined)));
  const before: PlacedObject[] = [];
  const after: PlacedObject[] = [];
  const broken: BrokenFile[] = [];
  for (const file of changed) {
    const baseSha = baseFiles.get(file);
    const headSha = headFiles.get(file);
    // A base that does not parse cannot be compared; its objects count as absent.
    if (baseSha) tryParse(file, blobs.get(baseSha)!, before, []);
    if (headSha) tryParse(file, blobs.get(headSha)!, after, broken);
  }
  return { baseFiles, headFiles, before, after, broken, changedEnvs: [...new Set(changed.map(envOf))].sort(cmp) };
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

/** App of a file under `manifests/`: `prod/apps/claims-api.yaml` → `claims-api`; other files → their path in the environment without `.yaml`. */
export function appOf(file: string): string {
  const rest = file.slice(file.indexOf('/') + 1).replace(/\.ya?ml$/, '');
  return rest.startsWith('apps/') && !rest.slice(5).includes('/') ? rest.slice(5) : rest;
}

function filesAt(root: string, rev: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const { path, sha } of listTree(root, rev, MANIFESTS)) {
    const rel = path.slice(MANIFESTS.length + 1);
    if (rel.includes('/') && /\.ya?ml$/.test(rel)) out.set(rel, sha);
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

function tryParse(file: string, text: string, into: PlacedObject[], broken: BrokenFile[]): void {
  let docs: unknown[];
  try {
    docs = fromYaml(text, `${MANIFESTS}/${file}`);
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
      broken.push({ file, message: `${MANIFESTS}/${file}: a document is not a Kubernetes object (apiVersion, kind, metadata.name)` });
      continue;
    }
    into.push({ env, app, file, object: doc });
  }
}

function isKubeObject(o: unknown): o is KubeObject {
  const k = o as KubeObject | null;
  return !!k && typeof k === 'object' && typeof k.apiVersion === 'string' && typeof k.kind === 'string' && typeof k.metadata?.name === 'string';
}
