/**
 * Argo CD annotations on rendered objects: sync waves put platform objects
 * before apps, and protected objects are never pruned without confirmation.
 */
import type { KubeObject } from '../kube/object.ts';
import { LABELS, PLATFORM_TEAM } from '../workload/labels.ts';

/** Annotation ordering objects within one sync: lower waves are applied (and healthy) first. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Annotation carrying per-object sync options. */
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Sync option that makes Argo CD wait for a person to confirm before pruning the object. */
export const PRUNE_CONFIRM = 'Prune=confirm';

/**
 * Annotations the render puts on a manifest object so that Argo CD
 * applies platform objects first and never prunes protected objects without
 * a person confirming:
 * - namespaces: wave -2 and `Prune=confirm` (removing one deletes everything in it);
 * - persistent volume claims: `Prune=confirm` (removing one deletes data);
 * - platform objects (part-of `platform`, cluster-wide RBAC): wave -1;
 * - app objects: wave 0, Argo CD's default, so no annotation.
 */
export function deliveryAnnotations(object: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  if (object.kind === 'Namespace') {
    out[SYNC_WAVE] = '-2';
  } else if (
    object.metadata.labels?.[LABELS.partOf] === PLATFORM_TEAM ||
    object.kind === 'ClusterRole' ||
    object.kind === 'ClusterRoleBinding'
  ) {
    out[SYNC_WAVE] = '-1';
  }
  if (object.kind === 'Namespace' || object.kind === 'PersistentVolumeClaim') out[SYNC_OPTIONS] = PRUNE_CONFIRM;
  return out;
}

/** Merges `deliveryAnnotations` into each object's annotations (in place) and returns the objects. */
export function annotateForDelivery<T extends KubeObject>(objects: T[]): T[] {
  for (const o of objects) {
    const extra = deliveryAnnotations(o);
    if (Object.keys(extra).length > 0) o.metadata.annotations = { ...o.metadata.annotations, ...extra };
  }
  return objects;
}
