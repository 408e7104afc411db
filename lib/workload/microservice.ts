/**
 * `Microservice`: one resolved app spec → the base objects of the service, and its pod.
 */
import { Cron, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import { cpuMillis, memoryBytes } from '../spec/quantity.ts';
import { featureOn } from '../spec/features.ts';
import type {
  INetworkPolicy,
  INetworkPolicyEgressRule,
  INetworkPolicyIngressRule,
  INetworkPolicyPort,
} from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { kplus } from '../cdk8s/k8s.ts';
import { ANNOTATIONS, LABELS, appLabels, selectorLabels } from './labels.ts';
import { PlainObject } from './plain.ts';
import type { PodTemplateJson } from '../kube/pod.ts';
import { deploymentStrategy, springShutdownEnv } from './rolling.ts';
import { cmp } from '../util/compare.ts';

/** Properties of `Microservice`. */
export interface MicroserviceProps {
  /** The app, resolved for one environment. */
  readonly app: ResolvedApp;
}

/** User and group id the containers run as; any non-zero id satisfies Pod Security "restricted". */
export const RUN_AS_USER = 10001;
/** Size bound of the writable `/tmp` volume, in MiB. */
export const TMP_SIZE_MIB = 256;
/** Size bound of the writable `/tmp` volume where platform flag `tmp-512` is on, in MiB. */
export const TMP_SIZE_MIB_LARGE = 512;
/** Well-known node label of the availability zone. */
export const TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** Well-known node label of the node name. */
export const TOPOLOGY_HOSTNAME = 'kubernetes.io/hostname';
/** Namespace of the cluster DNS. */
const DNS_NAMESPACE = 'kube-system';

/**
 * Renders the base objects of one app for one environment: ServiceAccount,
 * ConfigMap, the workload (Deployment or CronJob), Service, PodDisruptionBudget
 * and NetworkPolicy. Every object is named after the app (no hash suffixes).
 * An app whose pods an OpenKruise CloneSet owns gets no Deployment: the rollout
 * feature builds the CloneSet from `podProps`, the same pod the Deployment
 * would run. The features (`lib/features/`) add their objects to it.
 */
export class Microservice extends Construct {
  /** The resolved app this construct renders. */
  public readonly app: ResolvedApp;
  /** The app's pod: containers, volumes, service account and security, for whichever workload owns it. */
  public readonly podProps: kplus.WorkloadProps;
  /** The Deployment, when the app is long-running and its pods are not an OpenKruise CloneSet's. */
  public readonly deployment?: kplus.Deployment;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    const app = props.app;
    this.app = app;

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: this.metadataFor(app.name),
      automountToken: false,
    });

    const configMap =
      Object.keys(app.config).length > 0
        ? new kplus.ConfigMap(this, 'ConfigMap', { metadata: this.configMetadata(app), data: sortedRecord(app.config) })
        : undefined;

    this.podProps = this.pod(app, serviceAccount, this.containerProps(app, configMap));
    if (app.kind === 'cronjob') {
      new kplus.CronJob(this, 'CronJob', {
        metadata: this.workloadMetadata(),
        schedule: cronOf(app.schedule ?? '0 0 * * *'),
        concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
        successfulJobsRetained: 3,
        failedJobsRetained: 3,
        startingDeadline: Duration.minutes(10),
        backoffLimit: 2,
        activeDeadline: Duration.hours(6),
        restartPolicy: kplus.RestartPolicy.NEVER,
        ...this.podProps,
      });
    } else {
      if (app.rollout.workload !== 'CloneSet') {
        this.deployment = new kplus.Deployment(this, 'Deployment', {
          metadata: this.workloadMetadata(),
          ...this.podProps,
          replicas: app.autoscaling ? undefined : app.replicas,
          strategy: deploymentStrategy(app.rollout),
          minReady: Duration.seconds(app.rollout.minReadySeconds),
          progressDeadline: Duration.seconds(600),
        });
        this.deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(app) }));
        // The autoscaler (rollout feature) owns the count: the Deployment then writes none.
        if (app.autoscaling) this.deployment.markHasAutoscaler();
      }

      if (app.kind === 'service' && app.ports.length > 0) {
        new kplus.Service(this, 'Service', {
          metadata: this.metadataFor(app.name),
          type: kplus.ServiceType.CLUSTER_IP,
          selector: kplus.Pods.select(this, 'Pods', { labels: selectorLabels(app) }),
          ports: app.ports.map((p) => ({ name: p.name, port: p.servicePort ?? p.port, targetPort: p.port })),
        });
      }

      const floor = app.autoscaling ? app.autoscaling.minReplicas : app.replicas;
      if (floor >= 2) {
        new PlainObject(this, 'PodDisruptionBudget', {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: this.metadataFor(app.name),
          spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(app) } },
        } satisfies IPodDisruptionBudget);
      }
    }

    this.networkPolicy(app);
  }

  /** Metadata of an object of the app named `name`: its source file and description as annotations. */
  public metadataFor(name: string): { name: string; annotations: Record<string, string> } {
    const annotations: Record<string, string> = { [ANNOTATIONS.source]: this.app.sourceFile };
    if (this.app.description) annotations[ANNOTATIONS.description] = this.app.description;
    return { name, annotations };
  }

  /** Metadata of the workload that owns the app's pods, with the app's security exceptions and their reason. */
  public workloadMetadata(): { name: string; annotations: Record<string, string> } {
    const meta = this.metadataFor(this.app.name);
    if (this.app.writableRootFilesystem && this.app.securityReason) {
      meta.annotations[`${ANNOTATIONS.exceptionPrefix}/read-only-root-fs`] = this.app.securityReason;
    }
    return meta;
  }

  /** The ConfigMap's metadata; config files the spec lists in `notSecrets` are named on it with their reasons. */
  private configMetadata(app: ResolvedApp): { name: string; annotations: Record<string, string> } {
    const meta = this.metadataFor(`${app.name}-config`);
    const allowed = Object.entries(app.notSecrets)
      .filter(([field]) => field.startsWith('config.') && app.config[field.slice('config.'.length)] !== undefined)
      .map(([field, reason]) => `${field.slice('config.'.length)}: ${reason.replace(/\s+/g, ' ').trim()}`)
      .sort();
    if (allowed.length > 0) meta.annotations[ANNOTATIONS.notSecrets] = allowed.join('\n');
    return meta;
  }

  private pod(
    app: ResolvedApp,
    serviceAccount: kplus.ServiceAccount,
    container: kplus.ContainerProps,
  ): kplus.WorkloadProps {
    return {
      podMetadata: { labels: appLabels(app) },
      select: false,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: RUN_AS_USER, group: RUN_AS_USER, fsGroup: RUN_AS_USER },
      terminationGracePeriod: Duration.seconds(app.rollout.terminationGracePeriodSeconds),
      containers: [container],
    };
  }

  private containerProps(app: ResolvedApp, configMap: kplus.ConfigMap | undefined): kplus.ContainerProps {
    const mounts: kplus.VolumeMount[] = [
      {
        path: '/tmp',
        volume: kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(tmpSizeMib(app)) }),
      },
    ];
    if (configMap) {
      mounts.push({
        path: app.configDir,
        volume: kplus.Volume.fromConfigMap(this, 'ConfigVolume', configMap, { name: 'config' }),
        readOnly: true,
      });
    }
    const envVariables: Record<string, kplus.EnvValue> = {};
    for (const [name, value] of Object.entries({ ...runtimeEnv(app), ...app.env }).sort(([a], [b]) => cmp(a, b))) {
      envVariables[name] =
        typeof value === 'string'
          ? kplus.EnvValue.fromValue(value)
          : kplus.EnvValue.fromSecretValue({
              secret: kplus.Secret.fromSecretName(this, `Secret-${name}`, value.secret),
              key: value.key,
            });
    }
    const health = app.health;
    const period = Duration.seconds(5);
    return {
      name: app.name,
      image: app.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: app.ports.map((p) => ({ name: p.name, number: p.port })),
      command: app.command ? [...app.command] : undefined,
      args: app.args ? [...app.args] : undefined,
      envVariables,
      volumeMounts: mounts,
      resources: {
        cpu: {
          request: kplus.Cpu.millis(cpuMillis(app.resources.cpu)),
          limit: app.resources.cpuLimit ? kplus.Cpu.millis(cpuMillis(app.resources.cpuLimit)) : undefined,
        },
        memory: {
          request: Size.mebibytes(mebibytes(app.resources.memory)),
          limit: Size.mebibytes(mebibytes(app.resources.memoryLimit)),
        },
      },
      securityContext: {
        ensureNonRoot: true,
        user: RUN_AS_USER,
        group: RUN_AS_USER,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: !app.writableRootFilesystem,
      },
      readiness: health
        ? kplus.Probe.fromHttpGet(health.readiness, {
            port: health.port,
            periodSeconds: period,
            failureThreshold: 3,
            timeoutSeconds: Duration.seconds(2),
          })
        : undefined,
      liveness: health
        ? kplus.Probe.fromHttpGet(health.liveness, {
            port: health.port,
            periodSeconds: Duration.seconds(10),
            failureThreshold: 3,
            timeoutSeconds: Duration.seconds(2),
          })
        : undefined,
      startup: health
        ? kplus.Probe.fromHttpGet(health.startup, {
            port: health.port,
            periodSeconds: period,
            failureThreshold: Math.ceil(health.startupSeconds / 5),
            timeoutSeconds: Duration.seconds(2),
          })
        : kplus.Probe.fromCommand(['true']),
    };
  }

  private networkPolicy(app: ResolvedApp): void {
    const ingress: INetworkPolicyIngressRule[] = [];
    const ports: INetworkPolicyPort[] = app.ports.map((p) => ({ protocol: 'TCP', port: p.port }));
    if (ports.length > 0) {
      const sortedFrom = [...app.network.allowFrom].sort();
      if (sortedFrom.length > 0) {
        ingress.push({
          from: sortedFrom.map((name) => ({
            namespaceSelector: {},
            podSelector: { matchLabels: { [LABELS.name]: name } },
          })),
          ports,
        });
      }
      if (app.network.fromIngress) {
        ingress.push({
          from: [
            {
              namespaceSelector: {
                matchLabels: { 'kubernetes.io/metadata.name': app.environment.cluster.ingressNamespace },
              },
            },
          ],
          ports,
        });
      }
    }
    const egress: INetworkPolicyEgressRule[] = [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': DNS_NAMESPACE } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ];
    const calls = [...app.network.callsApps].sort();
    if (calls.length > 0) {
      egress.push({
        to: calls.map((name) => ({ namespaceSelector: {}, podSelector: { matchLabels: { [LABELS.name]: name } } })),
      });
    }
    for (const target of [...app.network.egress].sort()) {
      const [cidr, port] = target.split(':');
      egress.push({ to: [{ ipBlock: { cidr: cidr! } }], ports: [{ protocol: 'TCP', port: Number(port) }] });
    }
    new PlainObject(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: this.metadataFor(app.name),
      spec: {
        podSelector: { matchLabels: selectorLabels(app) },
        policyTypes: ['Ingress', 'Egress'],
        ingress,
        egress,
      },
    } satisfies INetworkPolicy);
  }
}

/**
 * What the rendered pod template of `app` needs beyond what cdk8s-plus writes:
 * fields it does not expose (seccomp profile, service links, dropping every
 * capability, spreading), and its construct-address label removed. The workload
 * feature's pod change: runs on the synthesised workload, whatever object owns
 * the pods, before the other features' changes (`lib/features/`).
 */
export function finishPodTemplate(app: ResolvedApp, template: PodTemplateJson): void {
  const pod = template.spec;
  const main = pod.containers[0]!;
  // cdk8s-plus labels pods with a construct-path hash; selection uses the app's own labels instead.
  if (template.metadata?.labels) delete template.metadata.labels[CDK8S_ADDRESS_LABEL];
  pod.securityContext = {
    ...(pod.securityContext as Record<string, unknown> | undefined),
    seccompProfile: { type: 'RuntimeDefault' },
  };
  pod.enableServiceLinks = false;
  // cdk8s-plus' Capability enum has no 'ALL', which Pod Security "restricted" requires dropping.
  main.securityContext = {
    ...(main.securityContext as Record<string, unknown> | undefined),
    capabilities: { drop: ['ALL'] },
  };
  if (app.kind !== 'cronjob' && app.replicas > 1) {
    // Soft spreading: a zone or node outage takes at most its share of pods, and a
    // small cluster can still schedule every replica.
    const labelSelector = { matchLabels: selectorLabels(app) };
    pod.topologySpreadConstraints = [TOPOLOGY_ZONE, TOPOLOGY_HOSTNAME].map((topologyKey) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector,
    }));
  }
  // A worker has no endpoint to probe, and a job needs none: no startup probe rather than a meaningless one.
  if (app.kind === 'cronjob' || !app.health) delete main.startupProbe;
}

/** The label cdk8s-plus puts on pod templates to address the construct that made them. */
const CDK8S_ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

/** Runtime-specific environment defaults; the app's own `env` wins. */
export function runtimeEnv(app: ResolvedApp): Record<string, string> {
  switch (app.runtime) {
    case 'spring-boot':
      return {
        JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError',
        ...springShutdownEnv(app.rollout),
      };
    case 'node':
      return { NODE_OPTIONS: `--max-old-space-size=${Math.floor(mebibytes(app.resources.memoryLimit) * 0.75)}` };
    default:
      return {};
  }
}

/** A Kubernetes memory quantity (`512Mi`, `1G`) in mebibytes, rounded. */
export function mebibytes(q: string): number {
  return Math.round(memoryBytes(q) / 1024 ** 2);
}

function cronOf(schedule: string): Cron {
  const [minute, hour, day, month, weekDay] = schedule.trim().split(/\s+/);
  return Cron.schedule({ minute, hour, day, month, weekDay });
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => cmp(a, b)));
}

/** Size bound of the app's writable `/tmp` in its environment, in MiB: larger where platform flag `tmp-512` is on. */
export function tmpSizeMib(app: ResolvedApp): number {
  return featureOn(app.environment, 'tmp-512') ? TMP_SIZE_MIB_LARGE : TMP_SIZE_MIB;
}
