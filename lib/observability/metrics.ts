/**
 * Metrics of an app: a ServiceMonitor (a service) or PodMonitor (a worker)
 * that Prometheus scrapes, a PrometheusRule with the default alerts, and a
 * NetworkPolicy that admits Prometheus to the metrics port.
 */
import { Construct } from 'constructs';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { ResolvedApp } from '../spec/resolve.ts';
import { ANNOTATIONS, LABELS, selectorLabels } from '../workload/labels.ts';
import { PlainObject } from '../workload/plain.ts';
import { alertRules } from './alerts.ts';
import type { ResolvedMetrics } from '../spec/metrics.ts';

/** API version of the prometheus-operator kinds. */
export const MONITORING_API = 'monitoring.coreos.com/v1';

/** Properties of `Monitoring`. */
export interface MonitoringProps {
  readonly app: ResolvedApp;
  readonly metrics: ResolvedMetrics;
}

/** The scrape target, alerts and scrape admission of one app. */
export class Monitoring extends Construct {
  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { app, metrics } = props;
    const prometheus = app.environment.observability.prometheus;
    const metadata = {
      name: app.name,
      labels: { ...prometheus.resourceLabels },
      annotations: { [ANNOTATIONS.source]: app.sourceFile },
    };
    const common = {
      // The job label is the app name for both kinds, so alerts select `job="<app>"`.
      jobLabel: LABELS.name,
      selector: { matchLabels: selectorLabels(app) },
      namespaceSelector: { matchNames: [app.namespace] },
    };
    // Every series carries the app and the version of the pod that served it, so a release can be judged
    // by version (lib/verify/), including old and new pods side by side during a staged rollout.
    const relabelings = [
      { sourceLabels: [`__meta_kubernetes_pod_label_${promLabel(LABELS.name)}`], targetLabel: 'app' },
      { sourceLabels: [`__meta_kubernetes_pod_label_${promLabel(LABELS.version)}`], targetLabel: 'version' },
    ];
    const { port: name, path, interval } = metrics;
    const endpoint = { port: name, path, interval, scheme: 'http', relabelings };
    if (app.kind === 'service') {
      new PlainObject(this, 'ServiceMonitor', {
        apiVersion: MONITORING_API,
        kind: 'ServiceMonitor',
        metadata,
        spec: { ...common, endpoints: [endpoint] },
      });
    } else {
      new PlainObject(this, 'PodMonitor', {
        apiVersion: MONITORING_API,
        kind: 'PodMonitor',
        metadata,
        spec: { ...common, podMetricsEndpoints: [endpoint] },
      });
    }
    new PlainObject(this, 'PrometheusRule', {
      apiVersion: MONITORING_API,
      kind: 'PrometheusRule',
      metadata,
      spec: { groups: [{ name: `${app.name}.alerts`, rules: alertRules(app, metrics) }] },
    });
    const port = app.ports.find((p) => p.name === metrics.port);
    new PlainObject(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${app.name}-metrics-scrape`, annotations: metadata.annotations },
      spec: {
        podSelector: { matchLabels: selectorLabels(app) },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': prometheus.namespace } },
                podSelector: { matchLabels: { ...prometheus.podLabels } },
              },
            ],
            ports: [{ protocol: 'TCP', port: port?.port ?? 0 }],
          },
        ],
      },
    } satisfies INetworkPolicy);
  }
}

/** A label name as Prometheus discovery spells it (`app.kubernetes.io/name` → `app_kubernetes_io_name`). */
function promLabel(label: string): string {
  return label.replace(/[^a-zA-Z0-9_]/g, '_');
}
