import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderPlatformFiles } from '../../lib/render/platform.ts';
import { validateFiles } from '../../lib/validate/validate.ts';
import { loadProject } from '../../lib/spec/project.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { ENVS, fleetRepo, renderedRepository } from '../fixture.ts';

const specs: Record<string, EnvironmentSpec> = Object.fromEntries(
  await Promise.all(
    ENVS.map(async (env) => [
      env,
      (await import(`../fixtures/environments/${env}/environment.ts`)).default as EnvironmentSpec,
    ]),
  ),
);

function objectsOf(env: string, file: string): KubeObject[] {
  return renderPlatformFiles(specs[env]!, '1.0.0').find((f) => f.path === `${env}/platform/${file}`)!
    .objects as KubeObject[];
}

function get(objects: KubeObject[], kind: string, name: string): any {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
}

function aggregatorOutputs(env: string): Record<string, unknown>[] {
  const config = parse(get(objectsOf(env, 'logging.yaml'), 'ConfigMap', 'log-aggregator').data['fluent-bit.yaml']);
  return config.pipeline.outputs;
}

describe('log pipeline per cluster', () => {
  it("ships to each environment's own log stores: stdout in dev, Loki in sit and uat, Elasticsearch in staging, Kafka and Elasticsearch in prod and dr", () => {
    const sinks = (env: string) => [...new Set(aggregatorOutputs(env).map((o) => o.name))];
    expect(sinks('dev')).toEqual(['stdout']);
    expect(sinks('sit')).toEqual(['loki']);
    expect(sinks('uat')).toEqual(['loki']);
    expect(sinks('staging')).toEqual(['es']);
    expect(sinks('prod')).toEqual(['kafka', 'es']);
    expect(sinks('dr')).toEqual(['kafka', 'es']);
    expect(aggregatorOutputs('sit')[0]).toMatchObject({ tenant_id: 'sit', tls: 'on', 'tls.verify': 'on' });
    expect(aggregatorOutputs('prod').find((o) => o.alias === 'kafka-0-logs')).toMatchObject({
      topics: 'k8s-logs-prod',
      'rdkafka.security.protocol': 'SASL_SSL',
      match_regex: '^(file|kube)\\.',
    });
    expect(aggregatorOutputs('prod').find((o) => o.alias === 'elasticsearch-1-events')).toMatchObject({
      logstash_prefix: 'k8s-events-prod',
      match: 'event.*',
    });
    expect(aggregatorOutputs('dr').find((o) => o.alias === 'elasticsearch-1-logs')).toMatchObject({
      host: 'es.logs.dr.insure.example',
      logstash_prefix: 'k8s-logs-dr',
    });
  });

  it('keeps credentials in Secrets: the configuration names variables, the Deployment references Secret keys', () => {
    const objects = objectsOf('prod', 'logging.yaml');
    const es = aggregatorOutputs('prod').find((o) => o.alias === 'elasticsearch-1-logs')!;
    expect(es).toMatchObject({ http_user: '${SINK_1_USER}', http_passwd: '${SINK_1_PASSWORD}' });
    const env = get(objects, 'Deployment', 'log-aggregator').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: 'SINK_1_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'log-store-elasticsearch', key: 'password' } },
    });
    expect(env).toContainEqual({
      name: 'SINK_0_USER',
      valueFrom: { secretKeyRef: { name: 'log-store-kafka', key: 'username' } },
    });
    expect(env.every((e: any) => e.value === undefined)).toBe(true);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('adds the cluster and environment to every record and buffers on a bounded disk', () => {
    const objects = objectsOf('prod', 'logging.yaml');
    const config = parse(get(objects, 'ConfigMap', 'log-aggregator').data['fluent-bit.yaml']);
    expect(config.pipeline.filters[0]).toEqual({
      name: 'modify',
      add: ['cluster prod-cn-east-1', 'env prod'],
      match: '*',
    });
    expect(config.pipeline.inputs[0]).toMatchObject({ name: 'forward', port: 24224, 'storage.type': 'filesystem' });
    const volumes = get(objects, 'Deployment', 'log-aggregator').spec.template.spec.volumes;
    expect(volumes).toContainEqual({ name: 'buffer', emptyDir: { sizeLimit: '2048Mi' } });
    const limits = config.pipeline.outputs.map((o: any) =>
      Number(String(o['storage.total_limit_size']).replace('M', '')),
    );
    expect(limits.reduce((a: number, b: number) => a + b, 0)).toBeLessThanOrEqual(2048);
  });

  it("collects every container's stdout with the same metadata, from a node agent that reads host paths under an exception", () => {
    const objects = objectsOf('uat', 'logging.yaml');
    const agent = get(objects, 'DaemonSet', 'log-node-agent');
    const config = parse(get(objects, 'ConfigMap', 'log-node-agent').data['fluent-bit.yaml']);
    expect(config.pipeline.inputs[0]).toMatchObject({
      path: '/var/log/containers/*.log',
      'multiline.parser': 'cri',
      path_key: 'file',
    });
    expect(config.pipeline.filters.at(-1).allowlist_key).toEqual([
      'log',
      'stream',
      'env',
      'namespace',
      'app',
      'version',
      'pod',
      'node',
      'container',
      'file',
    ]);
    const container = agent.spec.template.spec.containers[0];
    expect(container.volumeMounts).toContainEqual({ name: 'varlog', mountPath: '/var/log', readOnly: true });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(Object.keys(agent.metadata.annotations).filter((k) => k.startsWith('policy.'))).toEqual([
      'policy.platform.insure.example/no-host-access',
      'policy.platform.insure.example/run-as-non-root',
    ]);
    expect(get(objects, 'Namespace', 'logging').metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'privileged',
    );
  });

  it('grants each agent only what it reads or writes', () => {
    const rules = (file: string, name: string) => get(objectsOf('prod', file), 'ClusterRole', `platform:${name}`).rules;
    expect(rules('logging.yaml', 'log-node-agent')).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
    expect(rules('event-audit.yaml', 'event-exporter')).toEqual([
      { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(rules('event-audit.yaml', 'node-problem-detector')).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
    ]);
    expect(
      get(objectsOf('prod', 'logging.yaml'), 'ServiceAccount', 'log-aggregator').automountServiceAccountToken,
    ).toBe(false);
  });

  it('renders the platform objects of all six environments, listed in the index, valid against schemas and policy', async () => {
    const project = await loadProject(fleetRepo());
    const files = await renderedRepository(fleetRepo());
    for (const env of ENVS) {
      const index = parse(files.find((f) => f.path === `${env}/kustomization.yaml`)!.content);
      expect(index.resources).toEqual(expect.arrayContaining(['platform/logging.yaml', 'platform/event-audit.yaml']));
    }
    const platform = files.filter((f) => f.path.includes('/platform/'));
    expect(validateFiles(platform, new Map(project.environments.map((e) => [e.spec.name as string, e.spec])))).toEqual(
      [],
    );
  });

  it('fails the platform DaemonSets if they are treated as app objects: their host access is excepted only in platform/', () => {
    const files = renderPlatformFiles(specs.prod!, '1.0.0').map((f) => ({
      ...f,
      path: f.path.replace('/platform/', '/apps/'),
    }));
    const rules = validateFiles(files, new Map([['prod', specs.prod!]])).map((v) => `${v.object} ${v.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'apps/v1/DaemonSet/logging/log-node-agent no-host-access',
        'apps/v1/DaemonSet/logging/log-node-agent run-as-non-root',
        'apps/v1/DaemonSet/logging/node-problem-detector no-privilege-escalation',
      ]),
    );
  });
});
