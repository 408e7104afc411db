/**
 * The PromQL that metric verification runs, as data: one set of templates per
 * request-metric convention, filled with the app, namespace and version labels
 * that the platform's ServiceMonitors and PodMonitors attach to every series
 * (lib/observability/metrics.ts). docs/verification.md explains each query.
 */
import type { AppSpec } from '../spec/app.ts';
import type { ResolvedMetrics } from '../spec/metrics.ts';

/** The conventions of request metrics the platform knows. */
export type RequestConvention = 'micrometer' | 'generic';

/** Templates of one convention; `{{name}}` placeholders are filled by `renderQueries`. */
export interface QueryTemplates {
  /** Requests served in the window. */
  readonly requests: string;
  /** Requests answered with a 5xx status in the window. */
  readonly errors: string;
  /** 99th percentile latency in the window, in seconds. */
  readonly latencyP99: string;
}

/**
 * Request queries per convention. Spring Boot's Micrometer counts requests in
 * its histogram (`http_server_requests_seconds_count`); the generic convention
 * counts them in `http_requests_total` beside a latency histogram.
 */
export const REQUEST_QUERIES: Readonly<Record<RequestConvention, QueryTemplates>> = {
  micrometer: {
    requests: 'sum(increase({{requestMetric}}_count{{{selector}}}[{{window}}]))',
    errors: 'sum(increase({{requestMetric}}_count{{{selector}}, {{statusLabel}}=~"5.."}[{{window}}]))',
    latencyP99: 'histogram_quantile(0.99, sum by (le) (increase({{requestMetric}}_bucket{{{selector}}}[{{window}}])))',
  },
  generic: {
    requests: 'sum(increase(http_requests_total{{{selector}}}[{{window}}]))',
    errors: 'sum(increase(http_requests_total{{{selector}}, {{statusLabel}}=~"5.."}[{{window}}]))',
    latencyP99: 'histogram_quantile(0.99, sum by (le) (increase({{requestMetric}}_bucket{{{selector}}}[{{window}}])))',
  },
};

/**
 * Pod health queries, from kube-state-metrics, for any kind of app. The pods of
 * one version are found through `kube_pod_labels` (kube-state-metrics must expose
 * the `app.kubernetes.io/name` and `app.kubernetes.io/version` pod labels:
 * `--metric-labels-allowlist=pods=[app.kubernetes.io/name,app.kubernetes.io/version]`).
 */
export const POD_QUERIES = {
  /** Container restarts of the version's pods in the window. */
  restarts:
    'sum(increase(kube_pod_container_status_restarts_total{namespace="{{namespace}}", container="{{app}}"}' +
    '[{{window}}])' +
    ' * on (namespace, pod) group_left () {{pods}})',
  /** Containers of the version's pods whose last termination in the window was an OOM kill. */
  oomKills:
    'sum(max_over_time(kube_pod_container_status_last_terminated_reason{namespace="{{namespace}}",' +
    ' container="{{app}}",' +
    ' reason="OOMKilled"}[{{window}}]) * on (namespace, pod) group_left () {{pods}})',
} as const;

const PODS_OF_VERSION =
  'max by (namespace, pod) (kube_pod_labels{namespace="{{namespace}}", label_app_kubernetes_io_name="{{app}}",' +
  ' label_app_kubernetes_io_version="{{version}}"})';

/** The queries of one version of one app over one window. */
export interface VersionQueries {
  /** Requests served; absent for an app without request metrics (a worker). */
  readonly requests?: string;
  /** Requests answered with a 5xx status. */
  readonly errors?: string;
  /** p99 latency in seconds. */
  readonly latencyP99?: string;
  /** Container restarts. */
  readonly restarts: string;
  /** OOM kills. */
  readonly oomKills: string;
}

/** What a query is about. */
export interface QueryScope {
  /** The `app` label: the app name. */
  readonly app: string;
  /** The `namespace` label: the app's namespace. */
  readonly namespace: string;
  /** The `version` label: the pinned tag as a label value. */
  readonly version: string;
  /** Window length in whole seconds. */
  readonly windowSeconds: number;
}

/** The request convention of `app`: Micrometer for Spring Boot, generic otherwise. */
export function conventionOf(app: AppSpec): RequestConvention {
  return app.runtime === 'spring-boot' ? 'micrometer' : 'generic';
}

/** Fills the templates for one app version; request queries only for a service. */
export function renderQueries(app: AppSpec, metrics: ResolvedMetrics, scope: QueryScope): VersionQueries {
  const values: Record<string, string> = {
    app: promString(scope.app),
    namespace: promString(scope.namespace),
    version: promString(scope.version),
    window: `${Math.max(1, Math.round(scope.windowSeconds))}s`,
    requestMetric: metrics.requestMetric,
    statusLabel: metrics.statusLabel,
  };
  values.selector = fill('namespace="{{namespace}}", app="{{app}}", version="{{version}}"', values);
  values.pods = fill(PODS_OF_VERSION, values);
  const pods = { restarts: fill(POD_QUERIES.restarts, values), oomKills: fill(POD_QUERIES.oomKills, values) };
  if ((app.kind ?? 'service') !== 'service') return pods;
  const t = REQUEST_QUERIES[conventionOf(app)];
  return {
    requests: fill(t.requests, values),
    errors: fill(t.errors, values),
    latencyP99: fill(t.latencyP99, values),
    ...pods,
  };
}

function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`query template names an unknown placeholder '{{${key}}}'`);
    return value;
  });
}

/** Escapes a label value for a double-quoted PromQL string. */
function promString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
