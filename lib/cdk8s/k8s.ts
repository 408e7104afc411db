/**
 * The one module that names the Kubernetes-version-specific construct library.
 * Moving to a newer cdk8s-plus (e.g. for Kubernetes 1.30) is a change here only.
 */
import { k8s, type Workload } from 'cdk8s-plus-27';

export * as kplus from 'cdk8s-plus-27';
export { k8s } from 'cdk8s-plus-27';
/** Kubernetes minor version the construct library targets. */
export const CONSTRUCTS_KUBERNETES_VERSION = '1.27';

/**
 * The pod spec of a cdk8s-plus workload as Kubernetes JSON, for a workload kind the library does not have
 * (a CloneSet). It calls the method the library's own workloads write their pod with, which the library marks
 * internal; `test/features/` checks a CloneSet's pod against its Deployment twin's after an upgrade.
 */
export function podSpecJson(workload: Workload): Record<string, unknown> {
  return k8s.toJson_PodSpec(workload._toPodSpec()) as Record<string, unknown>;
}
