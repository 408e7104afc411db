/**
 * One document order for every manifest file: by kind (dependencies first),
 * then namespace, then name.
 */
import { cmp } from '../util/compare.ts';
import type { KubeObject } from './object.ts';

/** Kinds in the order they are written; objects others depend on come first. */
export const KIND_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'PersistentVolumeClaim',
  'Service',
  'Deployment',
  'CloneSet',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
  'Rollout',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'NetworkPolicy',
] as const;

const rank = new Map<string, number>(KIND_ORDER.map((k, i) => [k, i]));

/** Compares two objects for the file order. */
export function compareObjects(a: KubeObject, b: KubeObject): number {
  const ra = rank.get(a.kind) ?? KIND_ORDER.length;
  const rb = rank.get(b.kind) ?? KIND_ORDER.length;
  if (ra !== rb) return ra - rb;
  return (
    cmp(a.kind, b.kind) ||
    cmp(a.apiVersion, b.apiVersion) ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

/** `apiVersion/kind/namespace/name`, the identity of an object in reports. */
export function objectId(o: KubeObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
