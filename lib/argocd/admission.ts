/**
 * Argo CD's admission rules, replayed on the rendered Argo CD objects and the
 * manifests they select, so that an Application Argo CD would refuse
 * (`InvalidSpecError`) or a sync it would fail is caught before merge.
 *
 * Each rule has a stable id and names the Argo CD behaviour it replays:
 * - `project-exists`: the Application's `spec.project` is an AppProject of
 *   the same cluster (Argo CD: "application references project … which does
 *   not exist").
 * - `application-namespace`: the Application lives in Argo CD's namespace, or
 *   in one of its project's `sourceNamespaces` (`IsAppNamespacePermitted`).
 * - `destination-permitted`: the Application's destination server AND
 *   namespace match one project destination and no deny (`!`) destination
 *   (`isDestinationMatched`, glob semantics).
 * - `source-permitted`: the source repoURL matches the project's
 *   `sourceRepos` (`IsSourcePermitted`, URLs normalised, glob with `/`).
 * - `source-path`: the path exists in the repository, holds no Kustomize or
 *   Helm file (a `directory` source refuses them), and selects at least one
 *   manifest with its recurse, include and exclude.
 * - `resource-namespace`: every namespaced object it syncs goes into a project
 *   destination (the sync's permission check).
 * - `cluster-kind` / `namespaced-kind`: every kind is in the project's
 *   cluster or namespace whitelist and not in its blacklist
 *   (`IsGroupKindPermitted`).
 * - `shared-resource`: no object is synced by two Applications
 *   (`FailOnSharedResource=true` fails the second sync).
 */
import { isKubeObject, type KubeObject } from '../kube/object.ts';
import { fromYaml } from '../kube/parse.ts';
import { objectId } from '../kube/order.ts';
import { cmp } from '../util/compare.ts';
import { NAMESPACED_KINDS, groupOf } from './kinds.ts';

/** One admission rule: a stable id and what Argo CD does when it is broken. */
export interface AdmissionRule {
  readonly id: string;
  readonly summary: string;
}

/** The rules, by id. */
export const ADMISSION_RULES = {
  projectExists: { id: 'project-exists', summary: 'the Application names an AppProject of its cluster' },
  applicationNamespace: { id: 'application-namespace', summary: "the Application lives in Argo CD's namespace" },
  destinationPermitted: {
    id: 'destination-permitted',
    summary: 'the destination server and namespace are a project destination',
  },
  sourcePermitted: { id: 'source-permitted', summary: "the source repository is in the project's sourceRepos" },
  sourcePath: { id: 'source-path', summary: 'the source path exists and selects plain manifests' },
  resourceNamespace: { id: 'resource-namespace', summary: "every object's namespace is a project destination" },
  clusterKind: { id: 'cluster-kind', summary: "cluster-scoped kinds are in the project's clusterResourceWhitelist" },
  namespacedKind: {
    id: 'namespaced-kind',
    summary: "namespaced kinds are in the project's namespaceResourceWhitelist",
  },
  sharedResource: { id: 'shared-resource', summary: 'no object is synced by two Applications' },
} as const satisfies Record<string, AdmissionRule>;

/** One broken rule. */
export interface AdmissionViolation {
  /** Rule id (`destination-permitted`). */
  readonly rule: string;
  /** File of the Application, or of the object, at fault. */
  readonly file: string;
  /** `apiVersion/kind/namespace/name` of the object at fault. */
  readonly object: string;
  readonly message: string;
  readonly fix: string;
}

/** The repository as Argo CD's repo server sees it at the target revision. */
export interface RepositoryView {
  /** Whether `path` (repository-relative, `/`-separated) is a directory. */
  isDirectory(path: string): boolean;
  /** Files directly in the directory `path` (names), and its subdirectories (names). */
  list(path: string): { files: string[]; dirs: string[] };
  /** The text of a file. */
  read(path: string): string;
}

/** The Argo CD objects of one cluster and the files they come from. */
export interface ClusterObjects {
  /** Every AppProject and Application of the cluster, each with its file. */
  readonly objects: readonly { readonly file: string; readonly object: KubeObject }[];
  /** Argo CD's namespace on the cluster. */
  readonly argocdNamespace: string;
}

/**
 * Whether `value` matches the glob `pattern` as Argo CD's glob matching does:
 * `*` any run of characters except separators, `**` any run, `?` one
 * character except separators, `[…]`/`[!…]` classes, `{a,b}` alternatives,
 * `\` escapes. Without separators `*` matches everything.
 */
export function globMatch(pattern: string, value: string, separators = ''): boolean {
  if (pattern === '*') return true;
  const notSep = separators === '' ? '[\\s\\S]' : `[^${separators.replace(/[\\\]^-]/g, '\\$&')}]`;
  let re = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '[\\s\\S]*';
        i++;
      } else {
        re += `${notSep}*`;
      }
    } else if (c === '?') {
      re += notSep;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{') {
      re += '(?:';
      depth++;
    } else if (c === '}' && depth > 0) {
      re += ')';
      depth--;
    } else if (c === ',' && depth > 0) {
      re += '|';
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  if (depth !== 0) return false;
  return new RegExp(`^${re}$`).test(value);
}

/** Argo CD's glob match with a leading `!` meaning "anything but". */
function matchAllowingNegation(pattern: string, value: string, separators = ''): boolean {
  if (pattern.startsWith('!')) return !globMatch(pattern.slice(1), value, separators);
  return globMatch(pattern, value, separators);
}

/** A git URL as Argo CD compares them: trimmed, lower case, no trailing `/` or `.git`. */
export function normalizeGitUrl(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

interface Destination {
  server?: string;
  name?: string;
  namespace?: string;
}

/** Whether `dst` (server or name, and namespace) is permitted by `destinations`, as `isDestinationMatched` decides. */
export function isDestinationMatched(destinations: readonly Destination[], dst: Destination): boolean {
  let any = false;
  let noDeny = true;
  for (const item of destinations) {
    const nameMatched = !!dst.name && matchAllowingNegation(item.name ?? '', dst.name);
    const serverMatched = !!dst.server && matchAllowingNegation(item.server ?? '', dst.server);
    const namespaceMatched = matchAllowingNegation(item.namespace ?? '', dst.namespace ?? '');
    if ((serverMatched || nameMatched) && namespaceMatched) any = true;
    else if (
      (!nameMatched && (item.name ?? '').startsWith('!')) ||
      (!serverMatched && (item.server ?? '').startsWith('!')) ||
      (!namespaceMatched && (item.namespace ?? '').startsWith('!'))
    ) {
      noDeny = false;
    }
  }
  return any && noDeny;
}

/** Whether `repoURL` is permitted by `sourceRepos`, as `IsSourcePermitted` decides. */
export function isSourcePermitted(sourceRepos: readonly string[], repoURL: string): boolean {
  const src = normalizeGitUrl(repoURL);
  let any = false;
  for (const repo of sourceRepos) {
    const deny = repo.startsWith('!');
    const pattern = deny ? `!${normalizeGitUrl(repo.slice(1))}` : normalizeGitUrl(repo);
    const matched = matchAllowingNegation(pattern, src, '/');
    if (matched) any = true;
    else if (deny) return false;
  }
  return any;
}

interface GroupKindEntry {
  group?: string;
  kind?: string;
}

function inList(group: string, kind: string, list: readonly GroupKindEntry[]): boolean {
  return list.some((e) => globMatch(e.kind ?? '', kind, '/') && globMatch(e.group ?? '', group, '/'));
}

/**
 * Whether a kind is permitted, as `IsGroupKindPermitted` decides: an absent
 * namespace whitelist admits every namespaced kind, an empty one none; the
 * cluster whitelist admits only what it lists; a blacklist entry always wins.
 */
export function isGroupKindPermitted(spec: ProjectSpec, group: string, kind: string, namespaced: boolean): boolean {
  if (namespaced) {
    const white = spec.namespaceResourceWhitelist;
    const allowed = white === undefined || (white.length > 0 && inList(group, kind, white));
    return allowed && !inList(group, kind, spec.namespaceResourceBlacklist ?? []);
  }
  const white = spec.clusterResourceWhitelist ?? [];
  return white.length > 0 && inList(group, kind, white) && !inList(group, kind, spec.clusterResourceBlacklist ?? []);
}

/** The fields of an AppProject spec the rules read. */
export interface ProjectSpec {
  sourceRepos?: string[];
  destinations?: Destination[];
  sourceNamespaces?: string[];
  clusterResourceWhitelist?: GroupKindEntry[];
  clusterResourceBlacklist?: GroupKindEntry[];
  namespaceResourceWhitelist?: GroupKindEntry[];
  namespaceResourceBlacklist?: GroupKindEntry[];
}

/** The options of a `directory` source. */
export interface DirectorySource {
  recurse?: boolean;
  include?: string;
  exclude?: string;
}

interface ApplicationSpec {
  project?: string;
  source?: { repoURL?: string; path?: string; directory?: DirectorySource };
  destination?: Destination;
}

/** Cluster-scoped kinds by group, as the API server serves them; other kinds count as namespaced. */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'storage.k8s.io/StorageClass',
  'scheduling.k8s.io/PriorityClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'apiregistration.k8s.io/APIService',
]);

/**
 * Whether an object is namespaced, as API discovery would say: known
 * cluster-scoped kinds by table, the platform's namespaced kinds by theirs,
 * any other kind by whether it names a namespace.
 */
export function isNamespaced(o: KubeObject): boolean {
  const group = groupOf(o.apiVersion);
  if (CLUSTER_SCOPED.has(`${group}/${o.kind}`)) return false;
  if (NAMESPACED_KINDS.some((k) => k.group === group && k.kind === o.kind)) return true;
  return o.metadata.namespace !== undefined;
}

/** Files with manifests a `directory` source selects, as Argo CD's repo server walks them. */
export function selectedFiles(repo: RepositoryView, path: string, directory: DirectorySource | undefined): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const { files, dirs } = repo.list(dir);
    for (const name of files) {
      if (!/\.(ya?ml|json)$/.test(name)) continue;
      const rel = `${dir}/${name}`.slice(path.length + 1);
      if (directory?.exclude && globMatch(directory.exclude, rel)) continue;
      if (directory?.include && !globMatch(directory.include, rel)) continue;
      out.push(`${dir}/${name}`);
    }
    if (directory?.recurse) for (const d of dirs) walk(`${dir}/${d}`);
  };
  walk(path);
  return out.sort(cmp);
}

/** Kustomize and Helm files a `directory` source refuses to render. */
const NOT_PLAIN = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization', 'Chart.yaml']);

/**
 * Replays the admission rules on one cluster's Argo CD objects against the
 * repository. Returns every violation, sorted by file, object and rule.
 */
export function checkAdmission(cluster: ClusterObjects, repo: RepositoryView): AdmissionViolation[] {
  const R = ADMISSION_RULES;
  const out: AdmissionViolation[] = [];
  const projects = new Map<string, ProjectSpec>();
  for (const { object } of cluster.objects) {
    if (object.kind === 'AppProject') projects.set(object.metadata.name, (object.spec ?? {}) as ProjectSpec);
  }
  const owners = new Map<string, { app: string; file: string }>();
  const applications = cluster.objects.filter((e) => e.object.kind === 'Application');
  for (const { file, object: app } of applications) {
    const id = objectId(app);
    const name = app.metadata.name;
    const push = (rule: AdmissionRule, message: string, fix: string, at = file, object = id): void => {
      out.push({ rule: rule.id, file: at, object, message, fix });
    };
    const spec = (app.spec ?? {}) as ApplicationSpec;
    const project = projects.get(spec.project ?? '');
    if (!project) {
      push(
        R.projectExists,
        `Application ${name} names project '${spec.project ?? ''}', which the cluster does not have`,
        `name one of: ${[...projects.keys()].sort(cmp).join(', ')}`,
      );
      continue;
    }
    const appNs = app.metadata.namespace ?? '';
    if (appNs !== cluster.argocdNamespace && !(project.sourceNamespaces ?? []).some((p) => globMatch(p, appNs))) {
      push(
        R.applicationNamespace,
        `Application ${name} is in namespace '${appNs}', not Argo CD's '${cluster.argocdNamespace}'`,
        `put it in '${cluster.argocdNamespace}'`,
      );
    }
    const dst = spec.destination ?? {};
    if (!isDestinationMatched(project.destinations ?? [], dst)) {
      push(
        R.destinationPermitted,
        `destination server '${dst.server ?? dst.name ?? ''}' namespace '${dst.namespace ?? ''}' matches no ` +
          `destination of project ${spec.project}, ` +
          'so Argo CD marks the Application InvalidSpecError and never syncs it',
        'set spec.destination.namespace to a namespace the project lists (server and namespace must both match)',
      );
    }
    const source = spec.source ?? {};
    if (!isSourcePermitted(project.sourceRepos ?? [], source.repoURL ?? '')) {
      push(
        R.sourcePermitted,
        `source repository '${source.repoURL ?? ''}' is not in the sourceRepos of project ${spec.project}`,
        "point the source at this repository's URL (pipelines/pipeline.ts)",
      );
    }
    const path = (source.path ?? '').replace(/\/+$/, '');
    if (path === '' || path.startsWith('/') || path.split('/').includes('..') || !repo.isDirectory(path)) {
      push(
        R.sourcePath,
        `source path '${source.path ?? ''}' is not a folder of the repository`,
        'render the manifests (npm run synth) or correct the path',
      );
      continue;
    }
    const dirs = [path];
    const notPlain: string[] = [];
    while (dirs.length > 0) {
      const dir = dirs.shift()!;
      const listing = repo.list(dir);
      for (const f of listing.files) if (NOT_PLAIN.has(f)) notPlain.push(`${dir}/${f}`);
      if (source.directory?.recurse) dirs.push(...listing.dirs.map((d) => `${dir}/${d}`));
    }
    if (notPlain.length > 0) {
      push(
        R.sourcePath,
        `source path '${path}' holds ${notPlain.join(', ')}, which a directory source refuses to render`,
        'point the Application at a folder of plain manifests',
      );
    }
    const files = selectedFiles(repo, path, source.directory);
    const include = source.directory?.include;
    if (files.length === 0) {
      push(
        R.sourcePath,
        `source path '${path}'${include ? ` with include '${include}'` : ''} selects no manifest, ` +
          'so the Application would sync nothing',
        'correct the path or the include glob',
      );
      continue;
    }
    for (const f of files) {
      for (const o of fromYaml(repo.read(f), f)) {
        if (!isKubeObject(o)) continue;
        const oid = objectId(o);
        const group = groupOf(o.apiVersion);
        const namespaced = isNamespaced(o);
        if (!isGroupKindPermitted(project, group, o.kind, namespaced)) {
          const rule = namespaced ? R.namespacedKind : R.clusterKind;
          const list = namespaced ? 'namespaceResourceWhitelist' : 'clusterResourceWhitelist';
          push(
            rule,
            `${namespaced ? 'namespaced' : 'cluster-scoped'} kind ${group || 'core'}/${o.kind} is not permitted ` +
              `by the ${list} of project ${spec.project}, so the sync of ${name} fails`,
            o.kind === 'Secret'
              ? 'secrets never come from git: reference one with secretRef() and let the secret store provide it'
              : 'if the platform should deliver this kind, add it to lib/argocd/kinds.ts (a reviewed change)',
            f,
            oid,
          );
        }
        if (namespaced) {
          const ns = o.metadata.namespace ?? dst.namespace ?? '';
          if (
            !isDestinationMatched(project.destinations ?? [], { server: dst.server, name: dst.name, namespace: ns })
          ) {
            push(
              R.resourceNamespace,
              `namespace '${ns}' is not a destination of project ${spec.project}, so the sync of ${name} fails`,
              'render the namespace in manifests/<env>/platform/ or move the object into one the project lists',
              f,
              oid,
            );
          }
        }
        const scope = namespaced ? (o.metadata.namespace ?? dst.namespace ?? '') : '';
        const key = `${group}/${o.kind}/${scope}/${o.metadata.name}`;
        const owner = owners.get(key);
        if (owner && owner.app !== name) {
          push(
            R.sharedResource,
            `object is synced by both ${owner.app} (${owner.file}) and ${name}, ` +
              'so FailOnSharedResource fails the second sync',
            'render each object into exactly one file',
            f,
            oid,
          );
        } else if (!owner) {
          owners.set(key, { app: name, file: f });
        }
      }
    }
  }
  return out.sort((a, b) => cmp(a.file, b.file) || cmp(a.object, b.object) || cmp(a.rule, b.rule));
}
