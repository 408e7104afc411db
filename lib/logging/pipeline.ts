/**
 * The cluster's log pipeline, rendered per environment into
 * `manifests/<env>/platform/logging.yaml`:
 * - the `logging` namespace;
 * - the aggregator: receives records from every collector over the forward
 *   protocol, buffers them on disk, and ships them to the environment's log
 *   stores; it alone holds the stores' credentials (Secret references);
 * - the node agent (DaemonSet): collects every container's stdout and stderr
 *   from the node, with pod metadata from the API server, and forwards them.
 */
import type { EnvironmentSpec, LogSink } from '../spec/environment.ts';
import type { KubeObject } from '../kube/object.ts';
import { LABELS } from '../workload/labels.ts';
import {
  FLUENT_BIT_CONFIG_DIR,
  FLUENT_BIT_CONFIG_KEY,
  FLUENT_BIT_HTTP_PORT,
  FORWARD_PORT,
  fluentBitArgs,
  toFluentBitYaml,
  type FluentBitConfig,
  type PluginSection,
} from './fluentbit/config.ts';
import { formatConfigProblems, validateFluentBitYaml } from './fluentbit/validate.ts';
import { AGGREGATOR, AGGREGATOR_HOST, NODE_AGENT, TAGS } from './names.ts';
import { LOGGING_NAMESPACE } from '../spec/reserved.ts';
import {
  clusterRole,
  exceptions,
  platformObject,
  restrictedContainer,
  restrictedPod,
  serviceAccount,
  type PlatformContext,
} from './objects.ts';

/** Where the aggregator buffers chunks on disk. */
export const AGGREGATOR_BUFFER_DIR = '/var/fluent-bit/buffer';
/** Size bound of the aggregator's buffer volume, in MiB. */
export const AGGREGATOR_BUFFER_MIB = 2048;
/** Node folder where the node agent keeps its read offsets across restarts. */
export const NODE_AGENT_STATE_HOST_DIR = '/var/lib/platform-log-node-agent';
/** Record keys the node agent keeps: the log line and its metadata. */
export const NODE_AGENT_KEYS: readonly string[] = [
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
];
/** Replicas of the aggregator when the environment does not say. */
export const DEFAULT_AGGREGATOR_REPLICAS = 2;

/** Tag pattern of log records (files and stdout), as the aggregator routes them. */
const LOG_TAGS = `^(${TAGS.file}|${TAGS.stdout})\\.`;
/** Tag pattern of events. */
const EVENT_TAGS = `${TAGS.event}.*`;

/** Environment variable names of one sink's credentials in the aggregator. */
function credentialEnv(index: number): { user: string; password: string } {
  return { user: `SINK_${index}_USER`, password: `SINK_${index}_PASSWORD` };
}

/** Environment variables of the aggregator: the sinks' credentials, from Secrets. */
export function aggregatorEnv(env: EnvironmentSpec): { name: string; valueFrom: unknown }[] {
  const out: { name: string; valueFrom: unknown }[] = [];
  env.observability.logSinks.forEach((sink, i) => {
    const creds = sink.type === 'kafka' ? sink.sasl : sink.type === 'stdout' ? undefined : sink.credentials;
    if (!creds) return;
    const names = credentialEnv(i);
    out.push({ name: names.user, valueFrom: { secretKeyRef: { name: creds.user.secret, key: creds.user.key } } });
    out.push({
      name: names.password,
      valueFrom: { secretKeyRef: { name: creds.password.secret, key: creds.password.key } },
    });
  });
  return out;
}

/** The outputs of one sink: one for log records, one for events (stdout takes both at once). */
function sinkOutputs(env: EnvironmentSpec, sink: LogSink, index: number, limit: string): PluginSection[] {
  const creds = credentialEnv(index);
  const common = { retry_limit: 'no_limits', 'storage.total_limit_size': limit };
  const tls = (on: boolean | undefined): Record<string, string> =>
    (on ?? true) ? { tls: 'on', 'tls.verify': 'on' } : { tls: 'off' };
  const both = (make: (kind: 'logs' | 'events') => PluginSection): PluginSection[] =>
    (['logs', 'events'] as const).map((kind) => ({
      ...make(kind),
      ...(kind === 'logs' ? { match_regex: LOG_TAGS } : { match: EVENT_TAGS }),
      alias: `${sink.type}-${index}-${kind}`,
      ...common,
    }));
  switch (sink.type) {
    case 'stdout':
      return [
        {
          name: 'stdout',
          match: '*',
          alias: `stdout-${index}`,
          format: 'json_lines',
          json_date_format: 'iso8601',
          retry_limit: 'no_limits',
        },
      ];
    case 'loki':
      return both((kind) => ({
        name: 'loki',
        host: sink.host,
        port: sink.port ?? 3100,
        ...tls(sink.tls),
        ...(sink.tenant ? { tenant_id: sink.tenant } : {}),
        ...(sink.credentials ? { http_user: `\${${creds.user}}`, http_passwd: `\${${creds.password}}` } : {}),
        labels:
          kind === 'logs'
            ? `job=platform-logs, env=${env.name}, cluster=${env.cluster.name}, $namespace, $app, $container`
            : `job=platform-events, env=${env.name}, cluster=${env.cluster.name}`,
        line_format: 'json',
      }));
    case 'elasticsearch': {
      const prefix = sink.indexPrefix ?? 'k8s';
      return both((kind) => ({
        name: 'es',
        host: sink.host,
        port: sink.port ?? 9200,
        ...tls(sink.tls),
        ...(sink.credentials ? { http_user: `\${${creds.user}}`, http_passwd: `\${${creds.password}}` } : {}),
        logstash_format: 'on',
        logstash_prefix: `${prefix}-${kind}-${env.name}`,
        suppress_type_name: 'on',
        replace_dots: 'on',
        generate_id: 'on',
      }));
    }
    case 'kafka': {
      const secure = sink.tls ?? true;
      const protocol = sink.sasl ? (secure ? 'SASL_SSL' : 'SASL_PLAINTEXT') : secure ? 'SSL' : 'PLAINTEXT';
      return both((kind) => ({
        name: 'kafka',
        brokers: sink.brokers.join(','),
        topics: kind === 'logs' ? sink.topic : (sink.eventsTopic ?? `${sink.topic}-events`),
        format: 'json',
        timestamp_key: '@timestamp',
        timestamp_format: 'iso8601',
        'rdkafka.security.protocol': protocol,
        'rdkafka.request.required.acks': -1,
        ...(sink.sasl
          ? {
              'rdkafka.sasl.mechanisms': sink.sasl.mechanism,
              'rdkafka.sasl.username': `\${${creds.user}}`,
              'rdkafka.sasl.password': `\${${creds.password}}`,
            }
          : {}),
      }));
    }
  }
}

/** The aggregator's Fluent Bit configuration. */
export function aggregatorConfig(env: EnvironmentSpec): FluentBitConfig {
  const outputsPerSink = env.observability.logSinks.map((s) => (s.type === 'stdout' ? 1 : 2));
  const total = outputsPerSink.reduce((a, b) => a + b, 0);
  // Leave a tenth of the volume free: the kubelet evicts the pod when the volume overflows.
  const limit = `${Math.floor((AGGREGATOR_BUFFER_MIB * 0.9) / Math.max(total, 1))}M`;
  return {
    service: {
      flush: 1,
      grace: 30,
      log_level: 'info',
      http_server: 'on',
      http_listen: '0.0.0.0',
      http_port: FLUENT_BIT_HTTP_PORT,
      health_check: 'on',
      'storage.path': AGGREGATOR_BUFFER_DIR,
      'storage.sync': 'normal',
      'storage.max_chunks_up': 64,
      'storage.backlog.mem_limit': '32M',
    },
    inputs: [
      {
        name: 'forward',
        listen: '0.0.0.0',
        port: FORWARD_PORT,
        'storage.type': 'filesystem',
        buffer_chunk_size: '1M',
        buffer_max_size: '8M',
      },
    ],
    filters: [{ name: 'modify', match: '*', add: [`cluster ${env.cluster.name}`, `env ${env.name}`] }],
    outputs: env.observability.logSinks.flatMap((s, i) => sinkOutputs(env, s, i, limit)),
  };
}

/** The node agent's Fluent Bit configuration: container stdout and stderr with pod metadata. */
export function nodeAgentConfig(env: EnvironmentSpec): FluentBitConfig {
  const tag = `${TAGS.stdout}.*`;
  const match = `${TAGS.stdout}.*`;
  const renames: readonly [string, string][] = [
    ['k8s_namespace_name', 'namespace'],
    ['k8s_pod_name', 'pod'],
    ['k8s_container_name', 'container'],
    ['k8s_host', 'node'],
    [`label_${LABELS.name}`, 'app'],
    [`label_${LABELS.version}`, 'version'],
  ];
  return {
    service: {
      flush: 1,
      grace: 10,
      log_level: 'info',
      http_server: 'on',
      http_listen: '0.0.0.0',
      http_port: FLUENT_BIT_HTTP_PORT,
    },
    inputs: [
      {
        name: 'tail',
        tag,
        path: '/var/log/containers/*.log',
        // Its own lines would loop back through it.
        exclude_path: `/var/log/containers/${NODE_AGENT}-*_${LOGGING_NAMESPACE}_*.log`,
        'multiline.parser': 'cri',
        path_key: 'file',
        db: '/var/fluent-bit/state/containers.db',
        'db.locking': 'on',
        mem_buf_limit: '32M',
        buffer_max_size: '1M',
        skip_long_lines: 'on',
        refresh_interval: 10,
        rotate_wait: 30,
      },
    ],
    filters: [
      {
        name: 'kubernetes',
        match,
        kube_url: 'https://kubernetes.default.svc:443',
        kube_tag_prefix: `${TAGS.stdout}.var.log.containers.`,
        merge_log: 'off',
        labels: 'on',
        annotations: 'off',
        buffer_size: '256k',
      },
      { name: 'nest', match, operation: 'lift', nested_under: 'kubernetes', add_prefix: 'k8s_' },
      { name: 'nest', match, operation: 'lift', nested_under: 'k8s_labels', add_prefix: 'label_' },
      { name: 'modify', match, rename: renames.map(([from, to]) => `${from} ${to}`), add: [`env ${env.name}`] },
      { name: 'record_modifier', match, allowlist_key: [...NODE_AGENT_KEYS] },
    ],
    outputs: [{ name: 'forward', match, host: AGGREGATOR_HOST, port: FORWARD_PORT, retry_limit: 'no_limits' }],
  };
}

/** Config text, validated against the plugin tables; a problem is a platform defect and throws. */
export function validatedConfig(config: FluentBitConfig, header: string, env: readonly string[] = []): string {
  const text = toFluentBitYaml(config, header);
  const problems = validateFluentBitYaml(text, { env: new Set(env) });
  if (problems.length > 0)
    throw new Error(`${header}: invalid Fluent Bit configuration:\n${formatConfigProblems(problems)}`);
  return text;
}

function configMap(ctx: PlatformContext, component: string, text: string): KubeObject {
  return platformObject(
    ctx,
    component,
    { apiVersion: 'v1', kind: 'ConfigMap', name: component, namespace: LOGGING_NAMESPACE },
    { data: { [FLUENT_BIT_CONFIG_KEY]: text } },
  );
}

function configVolume(component: string): { volume: Record<string, unknown>; mount: Record<string, unknown> } {
  return {
    volume: { name: 'config', configMap: { name: component } },
    mount: { name: 'config', mountPath: FLUENT_BIT_CONFIG_DIR, readOnly: true },
  };
}

/** The `logging` namespace; Pod Security "privileged" because the node agents read host paths. */
export function loggingNamespace(ctx: PlatformContext): KubeObject {
  const psa = `v${ctx.env.cluster.kubernetesVersion}`;
  return platformObject(
    ctx,
    LOGGING_NAMESPACE,
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      name: LOGGING_NAMESPACE,
      labels: {
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/enforce-version': psa,
      },
    },
    {},
  );
}

/** The aggregator: ServiceAccount, ConfigMap, Service, Deployment, PodDisruptionBudget, NetworkPolicies. */
export function aggregatorObjects(ctx: PlatformContext): KubeObject[] {
  const env = ctx.env;
  const replicas = env.observability.aggregatorReplicas ?? DEFAULT_AGGREGATOR_REPLICAS;
  const credentials = aggregatorEnv(env);
  const text = validatedConfig(
    aggregatorConfig(env),
    `Log aggregator of ${env.name}. Generated by \`npm run synth\`.`,
    credentials.map((e) => e.name),
  );
  const selector = { [LABELS.name]: AGGREGATOR };
  const config = configVolume(AGGREGATOR);
  const objects: KubeObject[] = [
    serviceAccount(ctx, AGGREGATOR, LOGGING_NAMESPACE, false),
    configMap(ctx, AGGREGATOR, text),
    platformObject(
      ctx,
      AGGREGATOR,
      { apiVersion: 'v1', kind: 'Service', name: AGGREGATOR, namespace: LOGGING_NAMESPACE },
      {
        spec: {
          type: 'ClusterIP',
          selector,
          ports: [{ name: 'forward', port: FORWARD_PORT, targetPort: FORWARD_PORT, protocol: 'TCP' }],
        },
      },
    ),
    platformObject(
      ctx,
      AGGREGATOR,
      { apiVersion: 'apps/v1', kind: 'Deployment', name: AGGREGATOR, namespace: LOGGING_NAMESPACE },
      {
        spec: {
          replicas,
          selector: { matchLabels: selector },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            metadata: { labels: { ...selector, [LABELS.partOf]: 'platform', [LABELS.environment]: env.name } },
            spec: {
              serviceAccountName: AGGREGATOR,
              automountServiceAccountToken: false,
              securityContext: restrictedPod(),
              terminationGracePeriodSeconds: 45,
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: { matchLabels: selector },
                },
              ],
              containers: [
                {
                  name: 'fluent-bit',
                  image: env.observability.images.fluentBit,
                  imagePullPolicy: 'IfNotPresent',
                  args: fluentBitArgs(),
                  env: credentials,
                  ports: [
                    { name: 'forward', containerPort: FORWARD_PORT, protocol: 'TCP' },
                    { name: 'http', containerPort: FLUENT_BIT_HTTP_PORT, protocol: 'TCP' },
                  ],
                  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                  securityContext: restrictedContainer(),
                  livenessProbe: {
                    httpGet: { path: '/', port: FLUENT_BIT_HTTP_PORT },
                    periodSeconds: 10,
                    failureThreshold: 3,
                  },
                  readinessProbe: {
                    httpGet: { path: '/api/v1/health', port: FLUENT_BIT_HTTP_PORT },
                    periodSeconds: 10,
                    failureThreshold: 3,
                  },
                  volumeMounts: [config.mount, { name: 'buffer', mountPath: AGGREGATOR_BUFFER_DIR }],
                },
              ],
              volumes: [config.volume, { name: 'buffer', emptyDir: { sizeLimit: `${AGGREGATOR_BUFFER_MIB}Mi` } }],
            },
          },
        },
      },
    ),
    platformObject(
      ctx,
      AGGREGATOR,
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: AGGREGATOR, namespace: LOGGING_NAMESPACE },
      {
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ['Ingress'],
          ingress: [
            { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: FORWARD_PORT }] },
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { 'kubernetes.io/metadata.name': env.observability.prometheus.namespace },
                  },
                  podSelector: { matchLabels: { ...env.observability.prometheus.podLabels } },
                },
              ],
              ports: [{ protocol: 'TCP', port: FLUENT_BIT_HTTP_PORT }],
            },
          ],
        },
      },
    ),
    platformObject(
      ctx,
      LOGGING_NAMESPACE,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        name: 'default-deny-ingress',
        namespace: LOGGING_NAMESPACE,
      },
      {
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
    ),
  ];
  if (replicas >= 2) {
    objects.push(
      platformObject(
        ctx,
        AGGREGATOR,
        { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', name: AGGREGATOR, namespace: LOGGING_NAMESPACE },
        {
          spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        },
      ),
    );
  }
  return objects;
}

/** The node agent: ServiceAccount, ClusterRole (read pods), ConfigMap, DaemonSet. */
export function nodeAgentObjects(ctx: PlatformContext): KubeObject[] {
  const env = ctx.env;
  const text = validatedConfig(nodeAgentConfig(env), `Node log agent of ${env.name}. Generated by \`npm run synth\`.`);
  const selector = { [LABELS.name]: NODE_AGENT };
  const config = configVolume(NODE_AGENT);
  return [
    serviceAccount(ctx, NODE_AGENT, LOGGING_NAMESPACE, true),
    // The kubernetes filter reads one pod at a time (GET /api/v1/namespaces/<ns>/pods/<pod>) for its labels.
    ...clusterRole(ctx, NODE_AGENT, LOGGING_NAMESPACE, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
    configMap(ctx, NODE_AGENT, text),
    platformObject(
      ctx,
      NODE_AGENT,
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        name: NODE_AGENT,
        namespace: LOGGING_NAMESPACE,
        annotations: exceptions({
          'no-host-access': `reads container logs from the node's /var/log (read-only) and keeps its read offsets in ${NODE_AGENT_STATE_HOST_DIR}`,
          'run-as-non-root':
            'the container runtime writes log files readable by root only (0640 root:root); all capabilities are dropped',
        }),
      },
      {
        spec: {
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels: { ...selector, [LABELS.partOf]: 'platform', [LABELS.environment]: env.name } },
            spec: {
              serviceAccountName: NODE_AGENT,
              automountServiceAccountToken: true,
              securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
              tolerations: [{ operator: 'Exists' }],
              containers: [
                {
                  name: 'fluent-bit',
                  image: env.observability.images.fluentBit,
                  imagePullPolicy: 'IfNotPresent',
                  args: fluentBitArgs(),
                  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                  securityContext: {
                    runAsUser: 0,
                    runAsGroup: 0,
                    runAsNonRoot: false,
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  volumeMounts: [
                    config.mount,
                    { name: 'varlog', mountPath: '/var/log', readOnly: true },
                    { name: 'state', mountPath: '/var/fluent-bit/state' },
                  ],
                },
              ],
              volumes: [
                config.volume,
                { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
                { name: 'state', hostPath: { path: NODE_AGENT_STATE_HOST_DIR, type: 'DirectoryOrCreate' } },
              ],
            },
          },
        },
      },
    ),
  ];
}
