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
/** Name of the OpenKruise controller. */
export const KRUISE_CONTROLLER = 'kruise';

/**
 * OpenKruise feature gates. `ImagePullJobGate` is the chart's own default
 * (setting the value replaces it); `TemplateNoDefaults` stops Kruise's webhook
 * from writing defaults into CloneSet pod templates, which Argo CD would show
 * as drift against git. Once on, OpenKruise says never to turn it off again.
 */
export const KRUISE_FEATURE_GATES = 'ImagePullJobGate=true,TemplateNoDefaults=true';

/**
 * Argo CD's compare options (`resource.compareoptions` in `argocd-cm`): the
 * status of every resource is left out of the diff, so the status a
 * controller writes (a Kruise Rollout's, a CloneSet's) is never drift. Set
 * explicitly rather than relying on the release's default.
 */
export const ARGOCD_COMPARE_OPTIONS = 'ignoreResourceStatusField: all\n';

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
    name: KRUISE_CONTROLLER,
    chart: 'kruise',
    version: '1.8.0',
    repo: 'https://openkruise.github.io/charts/',
    namespace: 'kruise-system',
    podSecurity: 'privileged',
    podSecurityReason:
      'kruise-daemon runs on every node with host paths to pull images and restart containers in place',
    values: { featureGates: KRUISE_FEATURE_GATES },
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
    // Argo CD v3.4.4, a supported minor (upstream supports the three newest).
    version: '10.1.1',
    repo: 'https://argoproj.github.io/argo-helm',
    namespace: 'argocd',
    podSecurity: 'baseline',
    podSecurityReason: 'the bundled Redis does not run with a restricted security context by default',
    values: {
      crds: { keep: true },
      dex: { enabled: false },
      configs: {
        cm: {
          'application.resourceTrackingMethod': 'annotation',
          'resource.compareoptions': ARGOCD_COMPARE_OPTIONS,
        },
      },
    },
  },
];

/**
 * What the GitOps delivery needs from the controllers' values, as sentences
 * naming the fix (`[]` when all is set): Kruise's `TemplateNoDefaults` gate and
 * Argo CD's status-free compare. The bootstrap refuses to run without them.
 */
export function gitOpsProblems(controllers: readonly Controller[]): string[] {
  const out: string[] = [];
  const file = 'lib/bootstrap/charts.ts';
  const kruise = controllers.find((c) => c.name === KRUISE_CONTROLLER);
  const gates = String(kruise?.values.featureGates ?? '')
    .split(',')
    .map((g) => g.trim());
  if (kruise && !gates.includes('TemplateNoDefaults=true')) {
    out.push(
      `${file}: kruise 'values.featureGates' (${JSON.stringify(kruise.values.featureGates ?? '')}) ` +
        'lacks TemplateNoDefaults=true, so CloneSet templates drift from git in Argo CD. ' +
        "Fix: add 'TemplateNoDefaults=true'",
    );
  }
  const argocd = controllers.find((c) => c.name === ARGOCD_CONTROLLER);
  const cm = (argocd?.values.configs as { cm?: Record<string, unknown> } | undefined)?.cm ?? {};
  if (argocd && !String(cm['resource.compareoptions'] ?? '').includes('ignoreResourceStatusField: all')) {
    out.push(
      `${file}: argo-cd 'values.configs.cm.resource.compareoptions' does not ignore status fields, ` +
        "so controller-written status shows as drift. Fix: set 'ignoreResourceStatusField: all'",
    );
  }
  return out;
}
