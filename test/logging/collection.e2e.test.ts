import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { collectorConfig, collectorConfigText } from '../../lib/logging/sidecar.ts';
import { toFluentBitYaml } from '../../lib/logging/fluentbit/config.ts';
import { checkPolicy } from '../../lib/validate/policy.ts';
import { podSpecOf } from '../../lib/validate/policy.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import type { AppSpec } from '../../lib/spec/index.ts';
import { fleetRepo, renderedApp, renderedRepository, service, tempRepo } from '../fixture.ts';

const repo = (apps: Record<string, unknown>): string => tempRepo({ apps });
const render = renderedApp;

function get(objects: KubeObject[], kind: string, name?: string): any {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o)
    throw new Error(`no ${kind} ${name ?? ''} in ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

const withLogs = (extra: Partial<AppSpec> = {}): AppSpec =>
  service('claims-api', { runtime: 'spring-boot', logs: { dir: '/home/admin/logs', multiline: 'java' }, ...extra });

describe('log directory collection', () => {
  it('mounts a bounded emptyDir at the declared directory, shared read-only with the collector sidecar', async () => {
    const root = repo({ 'claims-api': withLogs({ logs: { dir: '/home/admin/logs/', sizeLimit: '2Gi' } }) });
    const pod = get(await render(root, 'prod', 'claims-api'), 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'app-logs', emptyDir: { sizeLimit: '2Gi' } });
    const [app, collector] = pod.containers;
    expect(app.volumeMounts).toContainEqual({ name: 'app-logs', mountPath: '/home/admin/logs' });
    expect(collector.name).toBe('log-collector');
    expect(collector.volumeMounts).toContainEqual({ name: 'app-logs', mountPath: '/home/admin/logs', readOnly: true });
    expect(pod.volumes.filter((v: any) => v.hostPath !== undefined)).toEqual([]);
  });

  it('attaches env, namespace, app, version, pod, node, container and file to every record', async () => {
    // GIVEN an app with a log directory in prod
    const root = repo({
      'claims-api': withLogs({ logs: { dir: '/home/admin/logs', include: ['*.log', 'audit/*.log'] } }),
    });
    const objects = await render(root, 'prod', 'claims-api');
    // WHEN its collector configuration is read back
    const config = parse(get(objects, 'ConfigMap', 'claims-api-log-collector').data['fluent-bit.yaml']);
    const collector = get(objects, 'Deployment').spec.template.spec.containers[1];
    const fromDownwardApi = Object.fromEntries(collector.env.map((e: any) => [e.name, e.valueFrom.fieldRef.fieldPath]));
    // THEN static metadata is written in, pod-specific metadata comes from the Downward API, and the file from the tail
    // input
    const record = Object.fromEntries(config.pipeline.filters[0].record.map((r: string) => r.split(' ')));
    expect(record).toEqual({
      env: 'prod',
      namespace: '${POD_NAMESPACE}',
      app: 'claims-api',
      version: '${APP_VERSION}',
      pod: '${POD_NAME}',
      node: '${NODE_NAME}',
      container: 'claims-api',
    });
    expect(fromDownwardApi).toEqual({
      POD_NAME: 'metadata.name',
      POD_NAMESPACE: 'metadata.namespace',
      NODE_NAME: 'spec.nodeName',
      APP_VERSION: "metadata.labels['app.kubernetes.io/version']",
    });
    expect(config.pipeline.inputs[0]).toMatchObject({
      name: 'tail',
      path: '/home/admin/logs/*.log,/home/admin/logs/audit/*.log',
      path_key: 'file',
      read_from_head: 'on',
    });
    expect(config.pipeline.outputs[0]).toMatchObject({
      name: 'forward',
      host: 'log-aggregator.logging.svc',
      port: 24224,
    });
  });

  it('bounds and rotates: offsets survive collector restarts, memory is capped, compressed archives are skipped', async () => {
    const root = repo({ 'claims-api': withLogs() });
    const objects = await render(root, 'prod', 'claims-api');
    const tail = parse(get(objects, 'ConfigMap', 'claims-api-log-collector').data['fluent-bit.yaml']).pipeline
      .inputs[0];
    expect(tail).toMatchObject({
      db: '/var/fluent-bit/state/tail.db',
      mem_buf_limit: '16M',
      rotate_wait: 30,
      skip_long_lines: 'on',
      exclude_path: '*.gz,*.zip,*.bz2,*.xz',
    });
    const pod = get(objects, 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'app-logs', emptyDir: { sizeLimit: '1Gi' } });
    expect(pod.volumes).toContainEqual({ name: 'log-collector-state', emptyDir: { sizeLimit: '64Mi' } });
  });

  it('runs the sidecar non-root, read-only, without capabilities and with requests: the pod passes every policy rule', async () => {
    const root = repo({ 'claims-api': withLogs() });
    const objects = await render(root, 'prod', 'claims-api');
    const deployment = get(objects, 'Deployment');
    const collector = deployment.spec.template.spec.containers[1];
    expect(collector.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(collector.resources.requests).toEqual({ cpu: '20m', memory: '32Mi' });
    expect(collector.image).toMatch(/^registry\.insure\.example\/platform\/fluent-bit:[^@]+@sha256:[0-9a-f]{64}$/);
    const prod = (await loadProject(root)).environments.find((e) => e.spec.name === 'prod')!.spec;
    for (const o of objects) expect(checkPolicy(o, prod, { file: objects })).toEqual([]);
  });

  it('lets the pods reach the aggregator and nothing else through a separate NetworkPolicy', async () => {
    const root = repo({ 'claims-api': withLogs() });
    const policy = get(await render(root, 'dev', 'claims-api'), 'NetworkPolicy', 'claims-api-log-shipping');
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'claims-api' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logging' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'log-aggregator' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 24224 }],
        },
      ],
    });
  });

  it('rolls the pods when the collector configuration changes', async () => {
    const hash = async (include: string[]) => {
      const root = repo({ 'claims-api': withLogs({ logs: { dir: '/home/admin/logs', include } }) });
      return get(await render(root, 'dev', 'claims-api'), 'Deployment').spec.template.metadata.annotations[
        'platform.insure.example/log-collector-config'
      ];
    };
    const first = await hash(['*.log']);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(await hash(['*.log'])).toBe(first);
    expect(await hash(['*.log', 'audit/*.log'])).not.toBe(first);
  });

  it('gives a stdout-only app nothing: no sidecar, no log volume, no log NetworkPolicy', async () => {
    const root = repo({ 'quote-api': service('quote-api', { runtime: 'node' }) });
    const objects = await render(root, 'prod', 'quote-api');
    const pod = get(objects, 'Deployment').spec.template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['quote-api']);
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['tmp']);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).not.toContain('NetworkPolicy/quote-api-log-shipping');
  });

  it('gives no app pod of the repository a host path, and every app with a log directory a collector', async () => {
    const files = await renderedRepository(fleetRepo());
    const appFiles = files.filter((f) => f.path.includes('/apps/'));
    let collectors = 0;
    for (const file of appFiles) {
      for (const object of file.objects) {
        const pod = podSpecOf(object);
        if (!pod) continue;
        expect(pod.volumes?.filter((v) => v.hostPath !== undefined) ?? [], `${file.path} ${object.kind}`).toEqual([]);
        expect(pod.hostNetwork ?? false).toBe(false);
        if (pod.containers?.some((c) => c.name === 'log-collector')) collectors++;
      }
    }
    // claims-api, notification-dispatcher, payments-gateway and policy-admin, in six environments
    expect(collectors).toBe(4 * 6);
  });
});

describe('pod templates of any workload kind', () => {
  it('finds the pod template of a Deployment, a CronJob and an OpenKruise CloneSet, and none in a ConfigMap', async () => {
    const { podTemplateOf } = await import('../../lib/kube/pod.ts');
    const template = { metadata: {}, spec: { containers: [{ name: 'claims-api' }] } };
    const meta = { name: 'claims-api' };
    expect(podTemplateOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { template } })).toBe(
      template,
    );
    expect(
      podTemplateOf({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta,
        spec: { jobTemplate: { spec: { template } } },
      }),
    ).toBe(template);
    expect(
      podTemplateOf({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', metadata: meta, spec: { template } }),
    ).toBe(template);
    expect(podTemplateOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: {} })).toBeUndefined();
  });
});

describe('collector configuration written once per log shape', () => {
  it('gives, for every app in every environment, the bytes of a configuration written for that app and environment alone', async () => {
    const root = repo({
      'claims-api': withLogs(),
      // Same log shape as claims-api: filled in from the same written configuration.
      'claims-archive': service('claims-archive', { logs: withLogs().logs }),
      'quote-api': service('quote-api', {
        runtime: 'node',
        logs: {
          dir: '/var/log/app',
          include: ['*.log', 'audit/*.log'],
          multiline: { startPattern: String.raw`^\d{4}-` },
        },
      }),
      // A log folder named like the stand-in for the environment's name is written per environment.
      'odd-api': service('odd-api', { logs: { dir: '/var/log/platform-environment-name' } }),
      // Names that are stand-ins themselves, or start with a digit, are written per app.
      'platform-app-name': service('platform-app-name', { logs: { dir: '/var/log/app' } }),
      'platform-environment-name': service('platform-environment-name', {
        logs: { dir: '/var/log/app', multiline: 'java' },
      }),
      '2024-01-01': service('2024-01-01', { logs: { dir: '/var/log/app', multiline: 'java' } }),
    });
    const project = await loadProject(root, { cache: false });
    for (const app of resolveProject(project).filter((a) => a.logs)) {
      const direct = toFluentBitYaml(
        collectorConfig(app, app.logs!),
        `Log collector of ${app.name} in ${app.environment.name}. Generated by \`npm run synth\`.`,
      );
      expect(collectorConfigText(app, app.logs!), `${app.name} in ${app.environment.name}`).toBe(direct);
    }
    expect(
      collectorConfigText(
        resolveProject(project).find((a) => a.name === 'odd-api' && a.environment.name === 'uat')!,
        resolveProject(project).find((a) => a.name === 'odd-api')!.logs!,
      ),
    ).toContain('path: /var/log/platform-environment-name/*.log');
  });

  it('names the app, not a stand-in, when a configuration of its log shape is invalid', async () => {
    // GIVEN an app whose log folder, past the spec checks, holds a variable the collector cannot resolve
    const root = tempRepo({ apps: { 'claims-api': service('claims-api', { logs: { dir: '/var/log/app' } }) } });
    const app = resolveProject(await loadProject(root, { cache: false })).find((a) => a.environment.name === 'uat')!;
    const logs = { ...app.logs!, dir: '/var/log/${UNSET_FOLDER}' };
    // WHEN its configuration is written THEN the error names the app
    expect(() => collectorConfigText(app, logs)).toThrow(/^the log collector configuration of claims-api is invalid/);
  });
});
