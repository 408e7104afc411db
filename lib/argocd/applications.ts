/**
 * Argo CD objects for the six clusters. Each cluster runs its own Argo CD
 * (installed by the bootstrap), so every destination is the in-cluster API
 * server: no cluster holds credentials for another.
 *
 * Per environment:
 * - the AppProject `<env>` fences what may be applied (this repository, the
 *   environment's namespaces, the platform's kinds) and carries the freeze
 *   windows as deny sync windows;
 * - one Application per app (`<env>-<app>`) syncs `manifests/<env>/apps/<app>.yaml`
 *   into the app's namespace, with its own health, history and rollback;
 * - one Application (`<env>-platform`) syncs `manifests/<env>/platform/`;
 * - a root project and Application (`<env>-root`, app of apps) sync the three
 *   above from `delivery/argocd/<env>/`. Only the root is created by the
 *   bootstrap; everything else reaches the cluster through git.
 */
import type { EnvironmentSpec, FreezeWindow } from '../spec/environment.ts';
import type { RenderedFile } from '../kube/object.ts';
import { PRUNE_CONFIRM, SYNC_OPTIONS, SYNC_WAVE, deliveryAnnotations } from '../render/delivery.ts';
import type { KubeObject } from '../kube/object.ts';
import { LABELS, MANAGED_BY, PLATFORM_TEAM } from '../workload/labels.ts';
import { cmp } from '../util/compare.ts';
import { CLUSTER_KINDS, NAMESPACED_KINDS, type GroupKind } from './kinds.ts';

export { PRUNE_CONFIRM, SYNC_OPTIONS, SYNC_WAVE, deliveryAnnotations };

/** Namespace Argo CD runs in, on every cluster. */
export const ARGOCD_NAMESPACE = 'argocd';
/** How an Argo CD addresses the cluster it runs in. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';
/** Folder of the rendered Argo CD objects. */
export const ARGOCD_DIR = 'delivery/argocd';
/** Subfolder of `delivery/argocd/` holding the root objects the bootstrap creates. */
export const BOOTSTRAP_FOLDER = 'bootstrap';
/**
 * Finalizer that makes deleting an Application delete its objects first
 * (foreground cascade). Only the per-app Applications carry it.
 */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** Annotation carrying per-Application compare options. */
export const COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';

/** Where the manifests come from. */
export interface SourceRepository {
  /** Git URL Argo CD clones (placeholder hosts under `.example`). */
  readonly url: string;
  /** Branch whose head is released. */
  readonly branch: string;
}

/** One generated file of Argo CD objects and what it holds. */
export interface DeliveryFile {
  /** Repository-relative path under `delivery/argocd/`. */
  readonly path: string;
  /** Objects in file order. */
  readonly objects: readonly KubeObject[];
  /** Where the objects come from, for the file's header. */
  readonly from: string;
}

/** The Argo CD objects of one environment. */
export interface EnvironmentDelivery {
  readonly env: string;
  /** Files the root Application syncs (`delivery/argocd/<env>/…`). */
  readonly synced: readonly DeliveryFile[];
  /** The root AppProject and Application, which only the bootstrap creates. */
  readonly bootstrap: DeliveryFile;
}

/** An Argo CD sync window, as an AppProject lists it. */
export interface SyncWindow {
  kind: 'deny';
  schedule: string;
  duration: string;
  applications: string[];
  manualSync: boolean;
  timeZone: string;
}

/** Name of the AppProject of `env`'s apps and platform objects. */
export function projectName(env: string): string {
  return env;
}
/** Name of the root AppProject and root Application of `env`. */
export function rootName(env: string): string {
  return `${env}-root`;
}
/** Name of the Application of `app` in `env`. */
export function applicationName(env: string, app: string): string {
  return `${env}-${app}`;
}
/** Name of the Application of `env`'s platform objects. */
export function platformApplicationName(env: string): string {
  return `${env}-platform`;
}

/**
 * The deny sync window mirroring one freeze window, for every Application of
 * the project (`*`). A recurring window maps field for field. Argo CD windows
 * are cron-based only, so a one-off window opens on its start's minute, hour,
 * day and month (in its time zone) and lasts until its end; it would recur a
 * year later, which is why a past one-off window should be removed from the
 * environment.
 */
export function syncWindow(w: FreezeWindow): SyncWindow {
  const timeZone = w.timeZone ?? 'UTC';
  const base = { kind: 'deny' as const, applications: ['*'], manualSync: false, timeZone };
  if (w.schedule !== undefined && w.duration !== undefined) {
    return { ...base, schedule: w.schedule, duration: w.duration };
  }
  if (w.start === undefined || w.end === undefined) {
    throw new Error(`freeze window '${w.name}' has neither schedule + duration nor start + end`);
  }
  const start = new Date(w.start);
  const minutes = Math.round((Date.parse(w.end) - start.getTime()) / 60000);
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const parts = Object.fromEntries(format.formatToParts(start).map((p) => [p.type, p.value])) as Record<string, string>;
  const schedule = `${Number(parts.minute)} ${Number(parts.hour)} ${Number(parts.day)} ${Number(parts.month)} *`;
  const duration = minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
  return { ...base, schedule, duration };
}

function labels(env: EnvironmentSpec, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.partOf]: PLATFORM_TEAM, [LABELS.environment]: env.name, ...extra };
}

function sortKinds(kinds: readonly GroupKind[]): { group: string; kind: string }[] {
  return [...kinds]
    .sort((a, b) => cmp(a.group, b.group) || cmp(a.kind, b.kind))
    .map((k) => ({ group: k.group, kind: k.kind }));
}

/** Sync options of every Application that syncs manifests (the root's are its own). */
export const MANIFEST_SYNC_OPTIONS: readonly string[] = [
  'ServerSideApply=true',
  'PruneLast=true',
  'PrunePropagationPolicy=foreground',
  'FailOnSharedResource=true',
  'CreateNamespace=false',
  // Sync leaves the fields in ignoreDifferences to the controllers that own them.
  'RespectIgnoreDifferences=true',
];

const RETRY = { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } };

function syncPolicy(env: EnvironmentSpec): Record<string, unknown> {
  const autoSync = env.delivery?.autoSync ?? false;
  return {
    ...(autoSync ? { automated: { prune: true, selfHeal: true, allowEmpty: false } } : {}),
    syncOptions: [...MANIFEST_SYNC_OPTIONS],
    retry: RETRY,
  };
}

/** One entry of an Application's `spec.ignoreDifferences`. */
export interface IgnoreDifference {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  jsonPointers: string[];
}

/**
 * Fields of an app's objects that a controller owns once they are applied, so
 * that Argo CD neither reports them as drift nor resets them on sync
 * (`RespectIgnoreDifferences=true`):
 * - a CloneSet released by a Kruise Rollout: the rollout's batch release
 *   patches `spec.updateStrategy.paused` and `spec.updateStrategy.partition`
 *   to move each batch;
 * - a workload scaled by a HorizontalPodAutoscaler: the autoscaler owns
 *   `spec.replicas` (the render already leaves it out; this keeps a sync from
 *   ever resetting it should a manifest set it).
 */
export function controllerOwnedFields(objects: readonly KubeObject[]): IgnoreDifference[] {
  const out: IgnoreDifference[] = [];
  for (const o of objects) {
    const namespace = o.metadata.namespace ?? '';
    const spec = o.spec as Record<string, { apiVersion?: string; kind?: string; name?: string }> | undefined;
    if (o.apiVersion.startsWith('rollouts.kruise.io/') && o.kind === 'Rollout') {
      const ref = spec?.workloadRef;
      if (ref?.kind === 'CloneSet' && ref.name) {
        out.push({
          group: 'apps.kruise.io',
          kind: 'CloneSet',
          name: ref.name,
          namespace,
          jsonPointers: ['/spec/updateStrategy/partition', '/spec/updateStrategy/paused'],
        });
      }
    }
    if (o.apiVersion.startsWith('autoscaling/') && o.kind === 'HorizontalPodAutoscaler') {
      const ref = spec?.scaleTargetRef;
      if (ref?.kind && ref.name) {
        const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0]! : '';
        out.push({ group, kind: ref.kind, name: ref.name, namespace, jsonPointers: ['/spec/replicas'] });
      }
    }
  }
  return out.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.jsonPointers[0]!, b.jsonPointers[0]!));
}

/** The namespace most of `objects` live in (ties: the first in sort order); `undefined` when none is namespaced. */
function mainNamespace(objects: readonly KubeObject[]): string | undefined {
  const counts = new Map<string, number>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (ns !== undefined) counts.set(ns, (counts.get(ns) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))[0]?.[0];
}

/** The team of an app, from the part-of label of its objects. */
function teamOf(objects: readonly KubeObject[]): string | undefined {
  return objects.map((o) => o.metadata.labels?.[LABELS.partOf]).find((t) => t !== undefined);
}

/** Builds every Argo CD object of `env` from its spec and its rendered manifests (index file excluded). */
export function environmentDelivery(
  env: EnvironmentSpec,
  manifests: readonly RenderedFile[],
  source: SourceRepository,
): EnvironmentDelivery {
  const name = env.name;
  const autoSync = env.delivery?.autoSync ?? false;
  const namespaces = new Set<string>();
  for (const file of manifests) {
    for (const o of file.objects) {
      if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
      if (o.metadata.namespace !== undefined) namespaces.add(o.metadata.namespace);
    }
  }
  const sourceOf = (path: string, include?: string): Record<string, unknown> => ({
    repoURL: source.url,
    targetRevision: source.branch,
    path,
    directory: include === undefined ? { recurse: false } : { recurse: false, include },
  });

  const project: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: {
      name: projectName(name),
      namespace: ARGOCD_NAMESPACE,
      labels: labels(env),
      // Applied before the Applications that name it.
      annotations: { [SYNC_WAVE]: '-1' },
    },
    spec: {
      description:
        `${env.description} Only this repository's manifests/${name}/ may be applied, ` + 'only into its namespaces.',
      sourceRepos: [source.url],
      destinations: [...namespaces].sort(cmp).map((namespace) => ({ server: IN_CLUSTER, namespace })),
      clusterResourceWhitelist: sortKinds(CLUSTER_KINDS),
      namespaceResourceWhitelist: sortKinds(NAMESPACED_KINDS),
      orphanedResources: { warn: true },
      syncWindows: (env.promotion.freezeWindows ?? []).map((w) => syncWindow(w)),
    },
  };

  const platformFiles = manifests.filter((f) => f.path.startsWith(`${name}/platform/`));
  const platformObjects = platformFiles.flatMap((f) => f.objects);
  const platform: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: platformApplicationName(name),
      namespace: ARGOCD_NAMESPACE,
      labels: labels(env),
      // Never removed without a person confirming: it holds the namespaces. No finalizer, so
      // deleting the Application (by hand or by the root) leaves every object in place.
      annotations: { [SYNC_OPTIONS]: PRUNE_CONFIRM },
    },
    spec: {
      project: projectName(name),
      source: sourceOf(`manifests/${name}/platform`),
      destination: { server: IN_CLUSTER, namespace: mainNamespace(platformObjects) ?? ARGOCD_NAMESPACE },
      revisionHistoryLimit: 20,
      syncPolicy: syncPolicy(env),
    },
  };

  const appFiles = manifests
    .filter((f) => f.path.startsWith(`${name}/apps/`) && f.path.endsWith('.yaml'))
    .sort((a, b) => cmp(a.path, b.path));
  const apps: DeliveryFile[] = appFiles.map((file) => {
    const base = file.path.slice(`${name}/apps/`.length);
    const app = base.slice(0, -'.yaml'.length);
    const team = teamOf(file.objects);
    const ignore = controllerOwnedFields(file.objects);
    const application: KubeObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: applicationName(name, app),
        namespace: ARGOCD_NAMESPACE,
        labels: labels(env, { [LABELS.name]: app, ...(team ? { [LABELS.partOf]: team } : {}) }),
        // Where syncs wait for a person, so does removing an app: the root prunes its Application only once confirmed.
        ...(autoSync ? {} : { annotations: { [SYNC_OPTIONS]: PRUNE_CONFIRM } }),
        // Removing the Application removes the app's objects, so a removed app stops running.
        finalizers: [RESOURCES_FINALIZER],
      } as KubeObject['metadata'],
      spec: {
        project: projectName(name),
        source: sourceOf(`manifests/${name}/apps`, base),
        destination: { server: IN_CLUSTER, namespace: mainNamespace(file.objects) ?? ARGOCD_NAMESPACE },
        revisionHistoryLimit: 20,
        ...(ignore.length > 0 ? { ignoreDifferences: ignore } : {}),
        syncPolicy: syncPolicy(env),
      },
    };
    return { path: `${ARGOCD_DIR}/${name}/apps/${base}`, objects: [application], from: `manifests/${file.path}` };
  });

  const root = rootName(name);
  const rootProject: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: root, namespace: ARGOCD_NAMESPACE, labels: labels(env) },
    spec: {
      description: `Argo CD's own objects for ${name}: the AppProject and Applications in delivery/argocd/${name}/.`,
      sourceRepos: [source.url],
      destinations: [{ server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [
        { group: 'argoproj.io', kind: 'AppProject' },
        { group: 'argoproj.io', kind: 'Application' },
      ],
      orphanedResources: { warn: true },
    },
  };
  const rootApplication: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    // No finalizer: deleting the root never cascades into the Applications, let alone the apps.
    metadata: { name: root, namespace: ARGOCD_NAMESPACE, labels: labels(env) },
    spec: {
      project: root,
      source: {
        repoURL: source.url,
        targetRevision: source.branch,
        path: `${ARGOCD_DIR}/${name}`,
        directory: { recurse: true },
      },
      destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
      revisionHistoryLimit: 20,
      // Always automatic: a merged freeze window or a new app reaches Argo CD by itself. What the apps'
      // Applications then sync stays manual where the environment says so.
      syncPolicy: {
        automated: { prune: true, selfHeal: true, allowEmpty: false },
        syncOptions: ['ServerSideApply=true', 'FailOnSharedResource=true', 'CreateNamespace=false'],
        retry: RETRY,
      },
    },
  };

  const envFile = `environments/${name}/environment.ts`;
  return {
    env: name,
    synced: [
      { path: `${ARGOCD_DIR}/${name}/project.yaml`, objects: [project], from: `${envFile} and manifests/${name}/` },
      {
        path: `${ARGOCD_DIR}/${name}/platform.yaml`,
        objects: [platform],
        from: `${envFile} and manifests/${name}/platform/`,
      },
      ...apps,
    ],
    bootstrap: {
      path: `${ARGOCD_DIR}/${BOOTSTRAP_FOLDER}/${name}.yaml`,
      objects: [rootProject, rootApplication],
      from: envFile,
    },
  };
}
