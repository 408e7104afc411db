/**
 * Log directory collection: a Fluent Bit sidecar per pod tails the files of
 * the app's log directory (an `emptyDir` shared with the app container),
 * attaches the record metadata and forwards to the cluster's aggregator.
 *
 * Metadata of every record: `env`, `app` and `container` are known when the
 * manifests are rendered; `namespace`, `pod`, `node` and `version` come from
 * the Downward API (exact for the pod the record was written in); `file` is
 * the path the tail input read. See docs/logging.md for the design.
 */
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { IConfigMap } from 'kubernetes-models/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PlainObject } from '../workload/plain.ts';
import { ANNOTATIONS, LABELS, PLATFORM_PREFIX, selectorLabels } from '../workload/labels.ts';
import { RUN_AS_USER } from '../workload/microservice.ts';
import type { ContainerJson, PodTemplateJson } from '../observability/pod.ts';
import { FLUENT_BIT_CONFIG_DIR, FLUENT_BIT_CONFIG_KEY, FORWARD_PORT, fluentBitArgs, fluentBitDocument, rememberWritten, toFluentBitYaml, type FluentBitConfig, type PluginSection } from './fluentbit/config.ts';
import { formatConfigProblems, rememberPassed, validateFluentBitYaml } from './fluentbit/validate.ts';
import { javaMultiline, startPatternMultiline, type MultilineParser } from './multiline.ts';
import { AGGREGATOR, AGGREGATOR_HOST, COLLECTOR_CONTAINER, LOGGING_NAMESPACE, TAGS } from './names.ts';
import type { ResolvedLogs } from './resolve.ts';
import { setBounded } from '../util/bounded.ts';

/** Volume of the app's log directory. */
export const LOGS_VOLUME = 'app-logs';
/** Volume of the collector's state: tail offsets, so a restarted collector resumes where it stopped. */
export const STATE_VOLUME = 'log-collector-state';
/** Volume of the collector's configuration. */
export const CONFIG_VOLUME = 'log-collector-config';
/** Where the collector keeps its state. */
export const STATE_DIR = '/var/fluent-bit/state';
/** Size bound of the state volume. */
export const STATE_SIZE = '64Mi';
/** Memory the collector may buffer before it pauses reading; the files themselves are the backlog. */
export const COLLECTOR_MEM_BUF_LIMIT = '16M';
/** Requests and limits of the collector sidecar: what log collection costs per pod. */
export const COLLECTOR_RESOURCES = { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '96Mi' } } as const;
/** Pod annotation holding the hash of the collector configuration, so a changed configuration rolls the pods. */
export const CONFIG_HASH_ANNOTATION = `${PLATFORM_PREFIX}/log-collector-config`;
/** Files never collected: rotated archives are compressed copies of lines already shipped. */
export const EXCLUDED_FILES = '*.gz,*.zip,*.bz2,*.xz';

/** Environment variables the collector gets from the Downward API, by name. */
export const DOWNWARD_ENV: Readonly<Record<string, string>> = {
  POD_NAME: 'metadata.name',
  POD_NAMESPACE: 'metadata.namespace',
  NODE_NAME: 'spec.nodeName',
  APP_VERSION: `metadata.labels['${LABELS.version}']`,
};

/** Name of the collector's ConfigMap. */
export function collectorConfigMapName(app: ResolvedApp): string {
  return `${app.name}-log-collector`;
}

/** The multiline parser of a `logs.multiline` mode, named after the app. */
export function multilineParserOf(app: ResolvedApp, logs: ResolvedLogs): MultilineParser | undefined {
  if (logs.multiline === undefined) return undefined;
  const name = `${app.name}-multiline`;
  return logs.multiline === 'java' ? javaMultiline(name) : startPatternMultiline(logs.multiline.startPattern, name);
}

/** The Fluent Bit configuration of the app's collector sidecar; `envName` is what its records carry as `env`. */
export function collectorConfig(app: ResolvedApp, logs: ResolvedLogs, envName: string = app.environment.name): FluentBitConfig {
  const parser = multilineParserOf(app, logs);
  const tag = `${TAGS.file}.${app.name}`;
  const tail: PluginSection = {
    name: 'tail',
    tag,
    path: logs.include.map((glob) => `${logs.dir}/${glob}`).join(','),
    exclude_path: EXCLUDED_FILES,
    path_key: 'file',
    read_from_head: 'on',
    db: `${STATE_DIR}/tail.db`,
    'db.locking': 'on',
    mem_buf_limit: COLLECTOR_MEM_BUF_LIMIT,
    buffer_max_size: '1M',
    skip_long_lines: 'on',
    refresh_interval: 10,
    rotate_wait: 30,
    ...(parser ? { 'multiline.parser': parser.name } : {}),
  };
  return {
    service: { flush: 1, grace: 10, log_level: 'info', http_server: 'off' },
    multilineParsers: parser ? [parser] : [],
    inputs: [tail],
    filters: [
      {
        name: 'record_modifier',
        match: tag,
        record: [
          `env ${envName}`,
          'namespace ${POD_NAMESPACE}',
          `app ${app.name}`,
          'version ${APP_VERSION}',
          'pod ${POD_NAME}',
          'node ${NODE_NAME}',
          `container ${app.name}`,
        ],
      },
    ],
    outputs: [{ name: 'forward', match: tag, host: AGGREGATOR_HOST, port: FORWARD_PORT, retry_limit: 'no_limits' }],
  };
}

/**
 * Stands for the environment's name in a configuration written once for all
 * environments of an app. Environment names are DNS labels, so the name reads
 * as plain YAML wherever this word does.
 */
const ENV_NAME = 'platform-environment-name';
/** Configurations written for all environments of an app, by the configuration with `ENV_NAME` in place of the environment. */
const written = new Map<string, string>();
/** Enough for the apps a render thread is working on; the oldest go first. */
const WRITTEN_KEPT = 256;

/**
 * The collector configuration as text, validated; a problem is a platform defect and throws.
 * An app's configurations differ between environments only in the environment's name, so each
 * is written and validated once per app and the name filled in.
 */
export function collectorConfigText(app: ResolvedApp, logs: ResolvedLogs): string {
  const env = app.environment.name;
  const config = collectorConfig(app, logs);
  const generic = collectorConfig(app, logs, ENV_NAME);
  const key = JSON.stringify(generic);
  // A configuration that holds the stand-in elsewhere too (a log folder named like it) is written for its environment alone.
  if (key.indexOf(ENV_NAME) !== key.lastIndexOf(ENV_NAME)) return writeCollectorConfig(app, config, env);
  let template = written.get(key);
  if (template === undefined) {
    template = writeCollectorConfig(app, generic, ENV_NAME);
    setBounded(written, key, template, WRITTEN_KEPT);
  }
  const text = template.replaceAll(ENV_NAME, env);
  rememberWritten(text, fluentBitDocument(config));
  // The template passed; the name, a DNS label where the stand-in was, changes no plugin, property or reference.
  rememberPassed(text);
  return text;
}

function writeCollectorConfig(app: ResolvedApp, config: FluentBitConfig, env: string): string {
  const text = toFluentBitYaml(config, `Log collector of ${app.name} in ${env}. Generated by \`npm run synth\`.`);
  const problems = validateFluentBitYaml(text, { env: new Set(Object.keys(DOWNWARD_ENV)) });
  if (problems.length > 0) throw new Error(`the log collector configuration of ${app.name} is invalid:\n${formatConfigProblems(problems)}`);
  rememberPassed(text);
  return text;
}

/** Properties of `LogCollection`. */
export interface LogCollectionProps {
  readonly app: ResolvedApp;
  readonly logs: ResolvedLogs;
}

/**
 * The objects of an app's log directory collection besides the pod itself: the
 * collector's ConfigMap, and a NetworkPolicy that lets the pods reach the aggregator.
 */
export class LogCollection extends Construct {
  /** The collector configuration, as shipped in the ConfigMap. */
  public readonly configText: string;

  constructor(scope: Construct, id: string, props: LogCollectionProps) {
    super(scope, id);
    const { app, logs } = props;
    this.configText = collectorConfigText(app, logs);
    const annotations = { [ANNOTATIONS.source]: app.sourceFile };
    new PlainObject(this, 'ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: collectorConfigMapName(app), annotations },
      data: { [FLUENT_BIT_CONFIG_KEY]: this.configText },
    } satisfies IConfigMap);
    new PlainObject(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${app.name}-log-shipping`, annotations },
      spec: {
        podSelector: { matchLabels: selectorLabels(app) },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': LOGGING_NAMESPACE } }, podSelector: { matchLabels: { [LABELS.name]: AGGREGATOR } } }],
            ports: [{ protocol: 'TCP', port: FORWARD_PORT }],
          },
        ],
      },
    } satisfies INetworkPolicy);
  }
}

/** The collector sidecar container. */
export function collectorContainer(app: ResolvedApp, logs: ResolvedLogs): ContainerJson {
  return {
    name: COLLECTOR_CONTAINER,
    image: app.environment.observability.images.fluentBit,
    imagePullPolicy: 'IfNotPresent',
    args: fluentBitArgs(),
    env: Object.entries(DOWNWARD_ENV).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })),
    resources: structuredClone(COLLECTOR_RESOURCES) as unknown as Record<string, unknown>,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_USER,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: LOGS_VOLUME, mountPath: logs.dir, readOnly: true },
      { name: STATE_VOLUME, mountPath: STATE_DIR },
      { name: CONFIG_VOLUME, mountPath: FLUENT_BIT_CONFIG_DIR, readOnly: true },
    ],
  };
}

/**
 * Adds the log directory to `template`: the bounded `emptyDir` mounted at the
 * directory in the app container, and the collector sidecar with its volumes.
 */
export function addLogCollector(app: ResolvedApp, logs: ResolvedLogs, template: PodTemplateJson, configText: string): void {
  const pod = template.spec;
  pod.volumes = [
    ...(pod.volumes ?? []),
    { name: LOGS_VOLUME, emptyDir: { sizeLimit: logs.sizeLimit } },
    { name: STATE_VOLUME, emptyDir: { sizeLimit: STATE_SIZE } },
    { name: CONFIG_VOLUME, configMap: { name: collectorConfigMapName(app) } },
  ];
  const main = pod.containers[0]!;
  main.volumeMounts = [...(main.volumeMounts ?? []), { name: LOGS_VOLUME, mountPath: logs.dir }];
  pod.containers.push(collectorContainer(app, logs));
  const hash = createHash('sha256').update(configText).digest('hex').slice(0, 16);
  template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [CONFIG_HASH_ANNOTATION]: hash } };
}
