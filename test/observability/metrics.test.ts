import { describe, expect, it } from 'vitest';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { renderApp } from '../../lib/render/render.ts';
import { schemaErrors } from '../../lib/validate/schema.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { fleetRepo, renderedApp, service, tempRepo } from '../fixture.ts';

const repo = (apps: Record<string, unknown>): string => tempRepo({ apps });
const render = renderedApp;

function get(objects: KubeObject[], kind: string, name?: string): any {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind} in ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

function thresholds(rule: any): Record<string, string> {
  return Object.fromEntries(
    rule.spec.groups[0].rules.map((r: any) => [r.alert, `${r.expr.split(' > ').at(-1)} for ${r.for}`]),
  );
}

/** Every scraped series carries the pod's app and version, which metric verification selects by. */
const VERSION_LABELS = [
  { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'app' },
  { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_version'], targetLabel: 'version' },
];

describe('metrics', () => {
  it('gives a service a ServiceMonitor on its metrics port, with the job label set to the app name', async () => {
    const root = repo({
      'claims-api': service('claims-api', {
        runtime: 'spring-boot',
        ports: [
          { name: 'http', port: 8080 },
          { name: 'management', port: 8081 },
        ],
        metrics: { port: 'management' },
      }),
    });
    const objects = await render(root, 'prod', 'claims-api');
    const monitor = get(objects, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec).toEqual({
      jobLabel: 'app.kubernetes.io/name',
      selector: { matchLabels: { 'app.kubernetes.io/name': 'claims-api' } },
      namespaceSelector: { matchNames: ['claims'] },
      endpoints: [
        {
          port: 'management',
          path: '/actuator/prometheus',
          interval: '30s',
          scheme: 'http',
          relabelings: VERSION_LABELS,
        },
      ],
    });
    expect(get(objects, 'Service').spec.ports.map((p: any) => p.name)).toContain('management');
    expect(monitor.metadata.labels).toMatchObject({
      release: 'monitoring',
      'app.kubernetes.io/name': 'claims-api',
      'platform.insure.example/environment': 'prod',
    });
    for (const o of objects) expect(schemaErrors(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
  });

  it('gives a worker a PodMonitor and only the alerts that need no HTTP metrics', async () => {
    const root = repo({
      'doc-worker': {
        name: 'doc-worker',
        team: 'claims',
        image: 'registry.insure.example/claims/doc-worker',
        kind: 'worker',
        runtime: 'node',
        ports: [{ name: 'metrics', port: 9464 }],
        metrics: { port: 'metrics' },
      },
    });
    const objects = await render(root, 'dev', 'doc-worker');
    expect(get(objects, 'PodMonitor').spec.podMetricsEndpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s', scheme: 'http', relabelings: VERSION_LABELS },
    ]);
    expect(objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    expect(Object.keys(thresholds(get(objects, 'PrometheusRule')))).toEqual(['Restarting', 'PodsNotReady']);
  });

  it('alerts on error ratio, latency, restarts and readiness with the platform defaults', async () => {
    const root = repo({
      'quote-api': service('quote-api', {
        team: 'pricing',
        runtime: 'node',
        ports: [{ name: 'http', port: 3000 }],
        metrics: { port: 'http' },
      }),
    });
    const rule = get(await render(root, 'uat', 'quote-api'), 'PrometheusRule');
    expect(thresholds(rule)).toEqual({
      HighErrorRatio: '0.05 for 5m',
      HighLatency: '1 for 10m',
      Restarting: '3 for 0m',
      PodsNotReady: '0 for 10m',
    });
    const [errors] = rule.spec.groups[0].rules;
    expect(errors.expr).toBe(
      'sum(rate(http_request_duration_seconds_count{namespace="pricing", job="quote-api", status_code=~"5.."}[5m])) / sum(rate(http_request_duration_seconds_count{namespace="pricing", job="quote-api"}[5m])) > 0.05',
    );
    expect(errors.labels).toEqual({ severity: 'critical', app: 'quote-api', team: 'pricing', environment: 'uat' });
  });

  it("takes thresholds from the environment, then the app, then the app's override for the environment", async () => {
    const project = await loadProject(fleetRepo());
    const rule = (env: string) =>
      thresholds(
        get(
          renderApp(resolveProject(project).find((a) => a.name === 'claims-api' && a.environment.name === env)!),
          'PrometheusRule',
        ),
      );
    // dev: restarts and readiness relaxed by environments/dev
    expect(rule('dev')).toMatchObject({
      Restarting: '10 for 0m',
      PodsNotReady: '0 for 30m',
      HighErrorRatio: '0.05 for 5m',
    });
    // prod: error ratio and latency tightened by environments/prod; latency relaxed again by claims-api's prod override
    expect(rule('prod')).toMatchObject({ HighErrorRatio: '0.02 for 5m', HighLatency: '1.5 for 10m' });
    // dr: the environment's latency, no override
    expect(rule('dr')).toMatchObject({ HighLatency: '0.8 for 10m' });
  });

  it('admits Prometheus, and only Prometheus, to the metrics port', async () => {
    const root = repo({ 'claims-api': service('claims-api', { metrics: { port: 'http' } }) });
    const policy = get(await render(root, 'prod', 'claims-api'), 'NetworkPolicy', 'claims-api-metrics-scrape');
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
  });

  it('fails schema validation of a malformed ServiceMonitor', () => {
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'x' },
      spec: { selector: {}, endpoints: { port: 'http' } },
    };
    expect(schemaErrors(monitor)).toEqual(['/spec/endpoints must be array']);
  });
});
