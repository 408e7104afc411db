/**
 * The default alerts of an app with metrics, as PrometheusRule groups.
 * Error ratio and latency read the app's request histogram; restarts and
 * readiness read kube-state-metrics, matched by the app's container name
 * (the app name, unique in its namespace) so they hold for any workload kind.
 */
import type { ResolvedApp } from '../spec/resolve.ts';
import type { ResolvedMetrics } from '../spec/metrics.ts';

/** One alerting rule of a PrometheusRule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The alerting rules of `app`: error ratio and latency for a service, restarts and readiness for all. */
export function alertRules(app: ResolvedApp, metrics: ResolvedMetrics): AlertRule[] {
  const t = metrics.alerts;
  const scope = `namespace="${app.namespace}", job="${app.name}"`;
  const labels = (severity: string) => ({ severity, app: app.name, team: app.team, environment: app.environment.name });
  const where = `${app.name} in ${app.environment.name}`;
  const rules: AlertRule[] = [];
  if (app.kind === 'service') {
    const m = metrics.requestMetric;
    rules.push({
      alert: 'HighErrorRatio',
      expr: `sum(rate(${m}_count{${scope}, ${metrics.statusLabel}=~"5.."}[5m])) / sum(rate(${m}_count{${scope}}[5m])) > ${t.errorRatio}`,
      for: '5m',
      labels: labels('critical'),
      annotations: {
        summary: `${where} answers more than ${percent(t.errorRatio)} of requests with a 5xx status`,
        description: `{{ $value | humanizePercentage }} of the requests to ${app.name} failed over the last 5 minutes.`,
      },
    });
    rules.push({
      alert: 'HighLatency',
      expr: `histogram_quantile(0.99, sum by (le) (rate(${m}_bucket{${scope}}[5m]))) > ${t.latencyP99Seconds}`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: `99th percentile latency of ${where} is above ${t.latencyP99Seconds}s`,
        description: `The 99th percentile request latency of ${app.name} is {{ $value | humanizeDuration }}.`,
      },
    });
  }
  const container = `namespace="${app.namespace}", container="${app.name}"`;
  rules.push({
    alert: 'Restarting',
    expr: `sum(increase(kube_pod_container_status_restarts_total{${container}}[1h])) > ${t.restartsPerHour}`,
    for: '0m',
    labels: labels('warning'),
    annotations: {
      summary: `containers of ${where} restarted more than ${t.restartsPerHour} times in an hour`,
      description: `{{ $value | humanize }} restarts of ${app.name} in the last hour: check OOM kills and liveness failures (kubectl describe pod).`,
    },
  });
  rules.push({
    alert: 'PodsNotReady',
    expr: `sum(kube_pod_status_ready{namespace="${app.namespace}", condition="false"} * on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_container_info{${container}})) > 0`,
    for: `${t.notReadyMinutes}m`,
    labels: labels('warning'),
    annotations: {
      summary: `pods of ${where} have not been ready for ${t.notReadyMinutes} minutes`,
      description: `{{ $value | humanize }} pod(s) of ${app.name} are not ready.`,
    },
  });
  return rules;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}
