/**
 * Argo CD objects for the six clusters: per environment an `AppProject` that
 * fences what may be applied (this repository, the environment's namespaces,
 * the platform's kinds, the freeze windows as deny sync windows) and one
 * `Application` that syncs `manifests/<env>/` into the cluster it runs in.
 *
 * Each cluster runs its own Argo CD (installed by the bootstrap), so the
 * destination is always the in-cluster API server: no cluster holds
 * credentials for another.
 */
import type { EnvironmentSpec, FreezeWindow } from '../spec/environment.ts';
import type { RenderedFile } from '../render/render.ts';
import { objectId } from '../render/order.ts';
import { PLATFORM_TEAM, PRUNE_CONFIRM, SYNC_OPTIONS, SYNC_WAVE, deliveryAnnotations } from '../render/delivery.ts';
import type { KubeObject } from '../render/yaml.ts';
import { LABELS, MANAGED_BY } from '../workload/labels.ts';
import { cmp } from '../util/compare.ts';
import { CLUSTER_KINDS, NAMESPACED_KINDS, admits, type GroupKind } from './kinds.ts';

/** Namespace Argo CD runs in, on every cluster. */
export { PRUNE_CONFIRM, SYNC_OPTIONS, SYNC_WAVE, deliveryAnnotations };

export const ARGOCD_NAMESPACE = 'argocd';
/** How an Argo CD addresses the cluster it runs in. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Where the manifests come from. */
export interface SourceRepository {
  /** Git URL Argo CD clones (placeholder hosts under `.example`). */
  readonly url: string;
  /** Branch whose head is released. */
  readonly branch: string;
}

/** One kind of object found in the manifests that the AppProject would refuse. */
export interface KindProblem {
  readonly file: string;
  readonly object: string;
  readonly message: string;
  readonly fix: string;
}

/** The Argo CD objects of one environment, and what in its manifests they would refuse. */
export interface EnvironmentDelivery {
  readonly env: string;
  /** `AppProject`, then `Application`. */
  readonly objects: readonly KubeObject[];
  readonly problems: readonly KindProblem[];
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

/**
 * The deny sync window mirroring one freeze window. A recurring window maps
 * field for field. Argo CD windows are cron-based only, so a one-off window
 * opens on its start's minute, hour, day and month (in its time zone) and
 * lasts until its end; it would recur a year later, which is why a past
 * one-off window should be removed from the environment.
 */
export function syncWindow(w: FreezeWindow, application: string): SyncWindow {
  const timeZone = w.timeZone ?? 'UTC';
  if (w.schedule !== undefined && w.duration !== undefined) {
    return { kind: 'deny', schedule: w.schedule, duration: w.duration, applications: [application], manualSync: false, timeZone };
  }
  if (w.start === undefined || w.end === undefined) {
    throw new Error(`freeze window '${w.name}' has neither schedule + duration nor start + end`);
  }
  const start = new Date(w.start);
  const minutes = Math.round((Date.parse(w.end) - start.getTime()) / 60000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
      .formatToParts(start)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const schedule = `${Number(parts.minute)} ${Number(parts.hour)} ${Number(parts.day)} ${Number(parts.month)} *`;
  const duration = minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
  return { kind: 'deny', schedule, duration, applications: [application], manualSync: false, timeZone };
}

function labels(env: EnvironmentSpec): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.partOf]: PLATFORM_TEAM, [LABELS.environment]: env.name };
}

function sortKinds(kinds: readonly GroupKind[]): { group: string; kind: string }[] {
  return [...kinds].sort((a, b) => cmp(a.group, b.group) || cmp(a.kind, b.kind)).map((k) => ({ group: k.group, kind: k.kind }));
}

/** Builds the AppProject and Application of `env` from its spec and its rendered manifests. */
export function environmentDelivery(env: EnvironmentSpec, manifests: readonly RenderedFile[], source: SourceRepository): EnvironmentDelivery {
  const problems: KindProblem[] = [];
  const namespaces = new Set<string>();
  for (const file of manifests) {
    for (const o of file.objects) {
      if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
      const ns = o.metadata.namespace;
      if (ns !== undefined) namespaces.add(ns);
      const kinds = ns === undefined ? CLUSTER_KINDS : NAMESPACED_KINDS;
      if (!admits(kinds, o.apiVersion, o.kind)) {
        problems.push({
          file: `manifests/${file.path}`,
          object: objectId(o),
          message: `${ns === undefined ? 'cluster-scoped' : 'namespaced'} kind ${o.apiVersion}/${o.kind} is not admitted by the AppProject, so Argo CD would refuse to sync it`,
          fix: o.kind === 'Secret' ? 'secrets never come from git: reference one with secretRef() and let the secret store provide it' : 'if the platform should deliver this kind, add it to lib/delivery/kinds.ts (a reviewed change)',
        });
      }
    }
  }
  const name = env.name;
  const project: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name, namespace: ARGOCD_NAMESPACE, labels: labels(env) },
    spec: {
      description: `${env.description} Only this repository's manifests/${name}/ may be applied, only into its namespaces.`,
      sourceRepos: [source.url],
      destinations: [...namespaces].sort(cmp).map((namespace) => ({ server: IN_CLUSTER, namespace })),
      clusterResourceWhitelist: sortKinds(CLUSTER_KINDS),
      namespaceResourceWhitelist: sortKinds(NAMESPACED_KINDS),
      orphanedResources: { warn: true },
      syncWindows: (env.promotion.freezeWindows ?? []).map((w) => syncWindow(w, name)),
    },
  };
  const autoSync = env.delivery?.autoSync ?? false;
  const application: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: ARGOCD_NAMESPACE, labels: labels(env) },
    spec: {
      project: name,
      source: { repoURL: source.url, targetRevision: source.branch, path: `manifests/${name}` },
      destination: { server: IN_CLUSTER },
      revisionHistoryLimit: 20,
      syncPolicy: {
        ...(autoSync ? { automated: { prune: true, selfHeal: true, allowEmpty: false } } : {}),
        syncOptions: ['ServerSideApply=true', 'PruneLast=true', 'PrunePropagationPolicy=foreground', 'FailOnSharedResource=true', 'CreateNamespace=false'],
        retry: { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } },
      },
    },
  };
  return { env: name, objects: [project, application], problems };
}
