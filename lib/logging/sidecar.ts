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
import type { ContainerJson, PodTemplateJson } from '../kube/pod.ts';
import {
  FLUENT_BIT_CONFIG_DIR,
  FLUENT_BIT_CONFIG_KEY,
  FORWARD_PORT,
  fluentBitArgs,
  toFluentBitYaml,
  type FluentBitConfig,
  type PluginSection,
} from './fluentbit/config.ts';
import { formatConfigProblems, validateFluentBitYaml } from './fluentbit/validate.ts';
import { javaMultiline, startPatternMultiline, type MultilineParser } from './multiline.ts';
import { AGGREGATOR, AGGREGATOR_HOST, COLLECTOR_CONTAINER, TAGS } from './names.ts';
import { LOGGING_NAMESPACE } from '../spec/reserved.ts';
import type { ResolvedLogs } from '../spec/logs.ts';
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

/** The multiline parser of a `logs.multiline` mode, named after the app (`appName`). */
export function multilineParserOf(
  app: ResolvedApp,
  logs: ResolvedLogs,
  appName: string = app.name,
): MultilineParser | undefined {
  if (logs.multiline === undefined) return undefined;
  const name = `${appName}-multiline`;
  return logs.multiline === 'java' ? javaMultiline(name) : startPatternMultiline(logs.multiline.startPattern, name);
}

/**
 * The Fluent Bit configuration of the app's collector sidecar; `envName` is what its records
 * carry as `env`, and `appName` what they carry as `app` and `container`.
 */
export function collectorConfig(
  app: ResolvedApp,
  logs: ResolvedLogs,
  envName: string = app.environment.name,
  appName: string = app.name,
): FluentBitConfig {
  const parser = multilineParserOf(app, logs, appName);
  const tag = `${TAGS.file}.${appName}`;
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
          `app ${appName}`,
          'version ${APP_VERSION}',
          'pod ${POD_NAME}',
          'node ${NODE_NAME}',
          `container ${appName}`,
        ],
      },
    ],
    outputs: [{ name: 'forward', match: tag, host: AGGREGATOR_HOST, port: FORWARD_PORT, retry_limit: 'no_limits' }],
  };
}

/**
 * Stand for the app's and the environment's names in a configuration written
 * once for every app and environment whose logs have the same shape (folder,
 * files, multiline mode). Both are DNS labels starting with a letter; a name
 * of that form (every environment's, and an app's that starts with a letter)
 * reads as plain YAML wherever its stand-in does, and fills it in without
 * changing any other character.
 */
const APP_NAME = 'platform-app-name';
const ENV_NAME = 'platform-environment-name';
/** Configurations written with the stand-ins, by the configuration they were written from. */
const written = new Map<string, string>();
/** Enough for the log shapes a render thread meets; the oldest go first. */
const WRITTEN_KEPT = 256;

/**
 * The collector configuration as text, validated; a problem is a platform defect and throws.
 * Configurations differ between apps and environments of the same log shape only in the names,
 * so each shape is written and validated once and the names filled in.
 */
export function collectorConfigText(app: ResolvedApp, logs: ResolvedLogs): string {
  const env = app.environment.name;
  const config = collectorConfig(app, logs);
  const generic = collectorConfig(app, logs, ENV_NAME, APP_NAME);
  const key = JSON.stringify(generic);
  const fill = (text: string) => text.replaceAll(APP_NAME, app.name).replaceAll(ENV_NAME, env);
  // The stand-ins must stand exactly where the names go (a log folder named like one would be filled in too),
  // and an app's name must read as its stand-in does; otherwise the configuration is written for the app alone.
  if (!/^[a-z]/.test(app.name) || fill(key) !== JSON.stringify(config))
    return writeCollectorConfig(app.name, config, env);
  let template = written.get(key);
  if (template === undefined) {
    try {
      template = writeCollectorConfig(APP_NAME, generic, ENV_NAME);
    } catch {
      // A problem is reported with the app's own names, not the stand-ins.
      return writeCollectorConfig(app.name, config, env);
    }
    setBounded(written, key, template, WRITTEN_KEPT);
  }
  // The template passed; the names, DNS labels where the stand-ins were, change no plugin, property or reference.
  return fill(template);
}

function writeCollectorConfig(appName: string, config: FluentBitConfig, env: string): string {
  const text = toFluentBitYaml(config, `Log collector of ${appName} in ${env}. Generated by \`npm run synth\`.`);
  const problems = validateFluentBitYaml(text, { env: new Set(Object.keys(DOWNWARD_ENV)) });
  if (problems.length > 0)
    throw new Error(`the log collector configuration of ${appName} is invalid:\n${formatConfigProblems(problems)}`);
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
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': LOGGING_NAMESPACE } },
                podSelector: { matchLabels: { [LABELS.name]: AGGREGATOR } },
              },
            ],
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
export function addLogCollector(
  app: ResolvedApp,
  logs: ResolvedLogs,
  template: PodTemplateJson,
  configText: string,
): void {
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
  template.metadata = {
    ...template.metadata,
    annotations: { ...template.metadata?.annotations, [CONFIG_HASH_ANNOTATION]: hash },
  };
}
