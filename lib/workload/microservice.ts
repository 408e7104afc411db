/**
 * `Microservice`: one resolved app spec → every Kubernetes object the service needs.
 */
import { ApiObject, Cron, Duration, JsonPatch, Size } from 'cdk8s';
import { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import { cpuMillis, memoryBytes } from '../spec/rules.ts';
import { k8s, kplus } from './k8s.ts';
import { ANNOTATIONS, LABELS, appLabels, selectorLabels } from './labels.ts';
import { deploymentStrategy, springShutdownEnv } from '../rollout/lossless.ts';
import { renderRollout } from '../rollout/render.ts';
import { renderAutoscaler } from '../rollout/workload.ts';

/** Properties of `Microservice`. */
export interface MicroserviceProps {
  /** The app, resolved for one environment. */
  readonly app: ResolvedApp;
}

/** User and group id the containers run as; any non-zero id satisfies Pod Security "restricted". */
export const RUN_AS_USER = 10001;
/** Size bound of the writable `/tmp` volume, in MiB. */
export const TMP_SIZE_MIB = 256;
/** Well-known node label of the availability zone. */
export const TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** Well-known node label of the node name. */
export const TOPOLOGY_HOSTNAME = 'kubernetes.io/hostname';
/** Namespace of the cluster DNS. */
const DNS_NAMESPACE = 'kube-system';

/**
 * Renders one app for one environment: ServiceAccount, ConfigMap, the workload
 * (Deployment or CronJob), Service, PodDisruptionBudget, HorizontalPodAutoscaler
 * and NetworkPolicy. Every object is named after the app (no hash suffixes).
 */
export class Microservice extends Construct {
  /** The resolved app this construct renders. */
  public readonly app: ResolvedApp;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    const app = props.app;
    this.app = app;

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: this.metadata(app.name),
      automountToken: false,
    });

    const configMap =
      Object.keys(app.config).length > 0
        ? new kplus.ConfigMap(this, 'ConfigMap', { metadata: this.metadata(`${app.name}-config`), data: sortedRecord(app.config) })
        : undefined;

    const container = this.containerProps(app, configMap);
    if (app.kind === 'cronjob') {
      const job = new kplus.CronJob(this, 'CronJob', {
        metadata: this.metadata(app.name),
        schedule: cronOf(app.schedule ?? '0 0 * * *'),
        concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
        successfulJobsRetained: 3,
        failedJobsRetained: 3,
        startingDeadline: Duration.minutes(10),
        backoffLimit: 2,
        activeDeadline: Duration.hours(6),
        restartPolicy: kplus.RestartPolicy.NEVER,
        ...this.podProps(app, serviceAccount, container),
      });
      this.finishPod(job, '/spec/jobTemplate/spec/template');
    } else {
      const deployment = new kplus.Deployment(this, 'Deployment', {
        metadata: this.metadata(app.name),
        ...this.podProps(app, serviceAccount, container),
        replicas: app.autoscaling ? undefined : app.replicas,
        strategy: deploymentStrategy(app.rollout),
        minReady: Duration.seconds(app.rollout.minReadySeconds),
        progressDeadline: Duration.seconds(600),
      });
      deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(app) }));
      this.finishPod(deployment, '/spec/template');
      // Rolling keeps the Deployment; in-place and batches hand the pods to OpenKruise objects.
      const owner = renderRollout(this, deployment, app, this.metadata(app.name));

      if (app.kind === 'service' && app.ports.length > 0) {
        new kplus.Service(this, 'Service', {
          metadata: this.metadata(app.name),
          type: kplus.ServiceType.CLUSTER_IP,
          selector: kplus.Pods.select(this, 'Pods', { labels: selectorLabels(app) }),
          ports: app.ports.map((p) => ({ name: p.name, port: p.servicePort ?? p.port, targetPort: p.port })),
        });
      }

      const floor = app.autoscaling ? app.autoscaling.minReplicas : app.replicas;
      if (floor >= 2) {
        new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
          metadata: this.metadata(app.name),
          spec: {
            maxUnavailable: k8s.IntOrString.fromNumber(1),
            selector: { matchLabels: selectorLabels(app) },
          },
        });
      }

      if (app.autoscaling && owner.object !== deployment) {
        renderAutoscaler(this, app, owner.ref, this.metadata(app.name));
      } else if (app.autoscaling) {
        new kplus.HorizontalPodAutoscaler(this, 'HorizontalPodAutoscaler', {
          metadata: this.metadata(app.name),
          target: deployment,
          minReplicas: app.autoscaling.minReplicas,
          maxReplicas: app.autoscaling.maxReplicas,
          metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(app.autoscaling.cpuUtilization))],
        });
      }
    }

    this.networkPolicy(app);
  }

  private metadata(name: string): { name: string; annotations: Record<string, string> } {
    const annotations: Record<string, string> = { [ANNOTATIONS.source]: this.app.sourceFile };
    if (this.app.description) annotations[ANNOTATIONS.description] = this.app.description;
    return { name, annotations };
  }

  private podProps(app: ResolvedApp, serviceAccount: kplus.ServiceAccount, container: kplus.ContainerProps) {
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
      { path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(TMP_SIZE_MIB) }) },
    ];
    if (configMap) {
      mounts.push({ path: app.configDir, volume: kplus.Volume.fromConfigMap(this, 'ConfigVolume', configMap, { name: 'config' }), readOnly: true });
    }
    const envVariables: Record<string, kplus.EnvValue> = {};
    for (const [name, value] of Object.entries({ ...runtimeEnv(app), ...app.env }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      envVariables[name] =
        typeof value === 'string'
          ? kplus.EnvValue.fromValue(value)
          : kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, `Secret-${name}`, value.secret), key: value.key });
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
        cpu: { request: kplus.Cpu.millis(cpuMillis(app.resources.cpu)), limit: app.resources.cpuLimit ? kplus.Cpu.millis(cpuMillis(app.resources.cpuLimit)) : undefined },
        memory: { request: Size.mebibytes(mebibytes(app.resources.memory)), limit: Size.mebibytes(mebibytes(app.resources.memoryLimit)) },
      },
      securityContext: {
        ensureNonRoot: true,
        user: RUN_AS_USER,
        group: RUN_AS_USER,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: !app.writableRootFilesystem,
      },
      readiness: health ? kplus.Probe.fromHttpGet(health.readiness, { port: health.port, periodSeconds: period, failureThreshold: 3, timeoutSeconds: Duration.seconds(2) }) : undefined,
      liveness: health ? kplus.Probe.fromHttpGet(health.liveness, { port: health.port, periodSeconds: Duration.seconds(10), failureThreshold: 3, timeoutSeconds: Duration.seconds(2) }) : undefined,
      startup: health
        ? kplus.Probe.fromHttpGet(health.startup, { port: health.port, periodSeconds: period, failureThreshold: Math.ceil(health.startupSeconds / 5), timeoutSeconds: Duration.seconds(2) })
        : kplus.Probe.fromCommand(['true']),
    };
  }

  /** Fields cdk8s-plus does not expose, set on the rendered pod template; and the address label it adds, removed. */
  private finishPod(workload: kplus.Deployment | kplus.CronJob, templatePath: string): void {
    const obj = ApiObject.of(workload);
    obj.addJsonPatch(
      // cdk8s-plus labels pods with a construct-path hash; selection uses the app's own labels instead.
      JsonPatch.remove(`${templatePath}/metadata/labels/cdk8s.io~1metadata.addr`),
      JsonPatch.add(`${templatePath}/spec/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
      JsonPatch.add(`${templatePath}/spec/enableServiceLinks`, false),
      // cdk8s-plus' Capability enum has no 'ALL', which Pod Security "restricted" requires dropping.
      JsonPatch.add(`${templatePath}/spec/containers/0/securityContext/capabilities`, { drop: ['ALL'] }),
    );
    if (this.app.kind !== 'cronjob' && this.app.replicas > 1) {
      // Soft spreading: a zone or node outage takes at most its share of pods, and a
      // small cluster can still schedule every replica.
      const labelSelector = { matchLabels: selectorLabels(this.app) };
      const constraints = [TOPOLOGY_ZONE, TOPOLOGY_HOSTNAME].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector,
      }));
      obj.addJsonPatch(JsonPatch.add(`${templatePath}/spec/topologySpreadConstraints`, constraints));
    }
    if (this.app.kind !== 'cronjob' && !this.app.health) {
      // A worker has no endpoint to probe: no startup probe rather than a meaningless one.
      obj.addJsonPatch(JsonPatch.remove(`${templatePath}/spec/containers/0/startupProbe`));
    } else if (this.app.kind === 'cronjob') {
      obj.addJsonPatch(JsonPatch.remove(`${templatePath}/spec/containers/0/startupProbe`));
    }
    if (this.app.writableRootFilesystem && this.app.securityReason) {
      obj.metadata.addAnnotation(`${ANNOTATIONS.exceptionPrefix}/read-only-root-fs`, this.app.securityReason);
    }
  }

  private networkPolicy(app: ResolvedApp): void {
    const ingress: k8s.NetworkPolicyIngressRule[] = [];
    const ports = app.ports.map((p) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(p.port) }));
    if (ports.length > 0) {
      const sortedFrom = [...app.network.allowFrom].sort();
      if (sortedFrom.length > 0) {
        ingress.push({
          from: sortedFrom.map((name) => ({ namespaceSelector: {}, podSelector: { matchLabels: { [LABELS.name]: name } } })),
          ports,
        });
      }
      if (app.network.fromIngress) {
        ingress.push({
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': app.environment.cluster.ingressNamespace } } }],
          ports,
        });
      }
    }
    const egress: k8s.NetworkPolicyEgressRule[] = [
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': DNS_NAMESPACE } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
          { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
        ],
      },
    ];
    const calls = [...app.network.callsApps].sort();
    if (calls.length > 0) {
      egress.push({ to: calls.map((name) => ({ namespaceSelector: {}, podSelector: { matchLabels: { [LABELS.name]: name } } })) });
    }
    for (const target of [...app.network.egress].sort()) {
      const [cidr, port] = target.split(':');
      egress.push({ to: [{ ipBlock: { cidr: cidr! } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(Number(port)) }] });
    }
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: this.metadata(app.name),
      spec: {
        podSelector: { matchLabels: selectorLabels(app) },
        policyTypes: ['Ingress', 'Egress'],
        ingress,
        egress,
      },
    });
  }
}

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

function mebibytes(q: string): number {
  return Math.round(memoryBytes(q) / 1024 ** 2);
}

function cronOf(schedule: string): Cron {
  const [minute, hour, day, month, weekDay] = schedule.trim().split(/\s+/);
  return Cron.schedule({ minute, hour, day, month, weekDay });
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
