/**
 * The controllers every cluster runs before Argo CD can sync its manifests,
 * as Helm releases with pinned chart versions. The same in every
 * environment: what differs between clusters is data in `environments/`.
 */

/** Pod Security level of a controller's namespace. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/** One controller installed from a Helm chart. */
export interface Controller {
  /** Release name, also the Pulumi name suffix. */
  readonly name: string;
  /** Chart name in its repository. */
  readonly chart: string;
  /** Exact chart version: never a range, so every cluster runs the same bits. */
  readonly version: string;
  /** Helm repository URL. */
  readonly repo: string;
  /** Namespace the release is installed into. */
  readonly namespace: string;
  /** Pod Security level its namespace enforces, and why when it is not `restricted`. */
  readonly podSecurity: PodSecurityLevel;
  readonly podSecurityReason?: string;
  /** Chart values. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** Name of the Argo CD controller; the Argo CD objects wait for it. */
export const ARGOCD_CONTROLLER = 'argo-cd';

/** Controllers in installation order: CRDs first, then the controllers that serve them, Argo CD last. */
export const CONTROLLERS: readonly Controller[] = [
  {
    name: 'prometheus-operator-crds',
    chart: 'prometheus-operator-crds',
    version: '16.0.0',
    repo: 'https://prometheus-community.github.io/helm-charts',
    namespace: 'monitoring',
    podSecurity: 'restricted',
    values: {},
  },
  {
    name: 'kruise',
    chart: 'kruise',
    version: '1.8.0',
    repo: 'https://openkruise.github.io/charts/',
    namespace: 'kruise-system',
    podSecurity: 'privileged',
    podSecurityReason: 'kruise-daemon runs on every node with host paths to pull images and restart containers in place',
    values: {},
  },
  {
    name: 'kruise-rollout',
    chart: 'kruise-rollout',
    version: '0.6.2',
    repo: 'https://openkruise.github.io/charts/',
    namespace: 'kruise-rollout',
    podSecurity: 'baseline',
    podSecurityReason: 'the chart does not set a seccomp profile on its pods',
    values: {},
  },
  {
    name: 'fluent-bit',
    chart: 'fluent-bit',
    version: '0.47.0',
    repo: 'https://fluent.github.io/helm-charts',
    namespace: 'logging',
    podSecurity: 'privileged',
    podSecurityReason: 'the node agent reads container logs from host paths under /var/log',
    values: {},
  },
  {
    name: ARGOCD_CONTROLLER,
    chart: 'argo-cd',
    // Argo CD v2.14.6: the first minor with the Prune=confirm sync option.
    version: '7.8.12',
    repo: 'https://argoproj.github.io/argo-helm',
    namespace: 'argocd',
    podSecurity: 'baseline',
    podSecurityReason: 'the bundled Redis does not run with a restricted security context by default',
    values: {
      crds: { keep: true },
      dex: { enabled: false },
      configs: { cm: { 'application.resourceTrackingMethod': 'annotation' } },
    },
  },
];
