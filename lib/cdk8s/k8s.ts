/**
 * The one module that names the Kubernetes-version-specific construct library.
 * Moving to a newer cdk8s-plus (e.g. for Kubernetes 1.30) is a change here only.
 */
export * as kplus from 'cdk8s-plus-27';
export { k8s } from 'cdk8s-plus-27';
/** Kubernetes minor version the construct library targets. */
export const CONSTRUCTS_KUBERNETES_VERSION = '1.27';
