/**
 * The environment spec: facts and policy of one cluster, in `environments/<env>/environment.ts`.
 *
 * `lib/` never branches on an environment's name; everything that differs
 * between environments is a field here.
 */
import type { AlertThresholds, BatchStep, EnvName, RolloutStrategy, SecretRef } from './app.ts';

/** Where the cluster is and what it runs. */
export interface ClusterFacts {
  /** Cluster name, as the delivery engines know it. */
  readonly name: string;
  /** API server URL (placeholder hosts under `.example`). */
  readonly apiServer: string;
  /** Kubernetes minor version the cluster runs (`'1.27'`). */
  readonly kubernetesVersion: string;
  /** Cloud region. */
  readonly region: string;
  /** Availability zones the nodes span. */
  readonly zones: readonly string[];
  /** Namespace of the ingress controller; apps with `network.fromIngress` accept traffic from it. */
  readonly ingressNamespace: string;
  /**
   * The cluster runs OpenKruise (`apps.kruise.io` CloneSet), needed for in-place updates.
   * @see https://openkruise.io/docs/user-manuals/cloneset
   * @default false
   */
  readonly openKruise?: boolean;
  /**
   * The controller that runs staged batches: `kruise-rollout` (OpenKruise Rollout, `rollouts.kruise.io/v1beta1`)
   * or `none` (apps here cannot use `batches`).
   * @see https://openkruise.io/rollouts/introduction
   * @default 'none'
   */
  readonly batchController?: BatchController;
}

/** Controllers that can run staged batches. Argo Rollouts is not supported yet (see docs/rollout.md). */
export type BatchController = 'kruise-rollout' | 'none';

/**
 * How apps of this environment are released by default, and the limits the rollout
 * safety rules enforce here. See docs/rollout.md.
 */
export interface RolloutPolicy {
  /**
   * Strategy of an app that chooses none and is neither critical nor fixed-IP.
   * @default 'rolling'
   */
  readonly strategy?: RolloutStrategy;
  /**
   * Strategy of an app marked `rollout.critical` that chooses none.
   * @default - `strategy`
   */
  readonly criticalStrategy?: RolloutStrategy;
  /**
   * Strategy of an app declaring `rollout.fixedIp` that chooses none.
   * @default - `strategy`
   */
  readonly fixedIpStrategy?: RolloutStrategy;
  /**
   * Extra pods a rolling update may start above the replica count, in percent (1-100). Costs capacity, keeps
   * throughput.
   * @default 25
   */
  readonly maxSurgePercent?: number;
  /**
   * Pods a rolling update may take away before their replacements are ready, in percent (0-100). 0 is lossless.
   * @default 0
   */
  readonly maxUnavailablePercent?: number;
  /**
   * Seconds a new pod must stay ready before the update counts it available and goes on.
   * @default 10
   */
  readonly minReadySeconds?: number;
  /**
   * Seconds a stopping pod keeps serving while kube-proxy, ingress controllers and registries drop its endpoint.
   * @default 10
   */
  readonly preStopSeconds?: number;
  /**
   * Seconds an app that declares no `rollout.drainSeconds` gets to finish in-flight requests.
   * @default 15
   */
  readonly drainSeconds?: number;
  /**
   * Batches of a `batches` app that lists none.
   * @default [{ percent: 10, manual: true }, { percent: 50, pauseSeconds: 600 }, { percent: 100 }]
   */
  readonly batches?: readonly BatchStep[];
  /**
   * Staged batches must include a step that waits for a person (rule `rollout-manual-gate`).
   * @default false
   */
  readonly requireManualGate?: boolean;
  /**
   * Fewest replicas a workload needs before an update may take pods away (`maxUnavailable` > 0; rule
   * `rollout-max-unavailable`).
   * @default - no floor
   */
  readonly minReplicasForUnavailable?: number;
}

/**
 * A period in which nothing may be promoted into the environment: recurring
 * (`schedule` + `duration`, as Argo CD sync windows) or one-off (`start` + `end`).
 */
export interface FreezeWindow {
  /** Short name (`weekend`, `quarter-end`). */
  readonly name: string;
  /** Why the environment is frozen; shown when a promotion is refused. */
  readonly reason: string;
  /**
   * Cron expression of when a recurring window opens (`'0 18 * * 5'`: Fridays 18:00).
   * @default - none: a one-off window
   */
  readonly schedule?: string;
  /**
   * How long a recurring window lasts, in hours or minutes (`'60h'`, `'90m'`).
   * @default - none: a one-off window
   */
  readonly duration?: string;
  /**
   * Start of a one-off window (ISO 8601 with offset, `'2026-12-24T00:00:00Z'`).
   * @default - none: a recurring window
   */
  readonly start?: string;
  /**
   * End of a one-off window (ISO 8601 with offset).
   * @default - none: a recurring window
   */
  readonly end?: string;
  /**
   * IANA time zone the schedule is read in.
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/** Where this environment sits in the promotion chain. */
export interface PromotionPolicy {
  /**
   * Environment whose versions this one takes on promotion.
   * @default - none: the first environment, fed by application builds
   */
  readonly from?: EnvName;
  /**
   * Environment this one is released together with, as a second wave of the same release order.
   * @default - none
   */
  readonly releasedWith?: EnvName;
  /**
   * Hours a version must have run in the `from` environment before it may be promoted here.
   * @default 0
   */
  readonly minSoakHours?: number;
  /**
   * Environments a documented hotfix may be promoted from instead of `from` (`promote --from`).
   * @default []
   */
  readonly hotfixFrom?: readonly EnvName[];
  /**
   * Periods in which nothing may be promoted here.
   * @default []
   */
  readonly freezeWindows?: readonly FreezeWindow[];
}

/** Replica and resource defaults applied when an app does not say. */
export interface CapacityPolicy {
  /** Replicas of a `service` or `worker` that does not set `replicas`. */
  readonly defaultReplicas: number;
  /** CPU request of an app that does not set one. */
  readonly defaultCpu: string;
  /** Memory request of an app that does not set one. */
  readonly defaultMemory: string;
}

/** Image rules of the environment. */
export interface ImagePolicy {
  /** Mutable tags (`latest`, `main`) are allowed. Only where nothing is released. */
  readonly allowMutableTags: boolean;
  /** Every image must be pinned by `sha256` digest. */
  readonly requireDigest: boolean;
  /**
   * Registries (host, or host and path prefix: `registry.insure.example`, `registry.insure.example/platform`)
   * images may come from: app images and the platform's agent images. An image with no registry
   * (`quote-api`, which means Docker Hub) is always refused.
   * @default - any registry named in the image
   */
  readonly allowedRegistries?: readonly string[];
}

/** Who must approve a release order touching this environment. */
export interface ApprovalPolicy {
  /** Approvals needed for a low-risk change. Higher risk adds one approval per level. */
  readonly required: number;
  /** Teams whose members may approve (GitHub team handles). */
  readonly approvers: readonly string[];
  /**
   * Risk of each kind of change in this environment, where it differs from the
   * platform's default levels (`DEFAULT_RISK` in `lib/release/risk.ts`).
   * `{ removed: 'high', rollout: 'high' }` makes any removal or rollout change high risk.
   * @default - the platform's default levels
   */
  readonly risk?: Readonly<Partial<Record<RiskTrigger, Risk>>>;
  /**
   * Every change to this environment's manifests on the main branch must be a
   * commit signed with an SSH key listed in `.github/allowed_signers` (generated
   * by `npm run pipelines` from `pipelines/signers.json`). `audit --exceptions`
   * reports each unsigned or wrongly signed one.
   * @default false
   */
  readonly signedCommits?: boolean;
}

/** Kind of a change in a release order, as `release-order` classifies it. */
export type ReleaseChangeKind = 'image' | 'config' | 'scale' | 'resources' | 'rollout' | 'added' | 'removed' | 'other';

/**
 * What a change can be for risk: its kind, or one of these facts about it:
 * `scale-to-zero` (replicas become 0), `disruption-budget` (a PodDisruptionBudget
 * is added, changed or removed), `pod-ip-change` (a CloneSet update recreates
 * pods instead of updating them in place, so pod IPs change).
 */
export type RiskTrigger = ReleaseChangeKind | 'scale-to-zero' | 'disruption-budget' | 'pod-ip-change';

/** Risk levels of a change, lowest first; each level above `low` adds one required approval. */
export const RISKS = ['low', 'medium', 'high'] as const;
/** Risk level of a change (one of `RISKS`). */
export type Risk = (typeof RISKS)[number];

/** When a release order must not go ahead without a `Release-Override:` commit trailer. */
export interface DeletionGuardPolicy {
  /**
   * Largest share (0 to 1) of the environment's objects one release order may remove.
   * @default 0.25
   */
  readonly maxRemovedShare?: number;
  /**
   * Refuse a release order that removes a whole app from this environment.
   * @default false
   */
  readonly refuseAppRemoval?: boolean;
}

/** A store the cluster's log aggregator ships log records and events to. */
export type LogSink = StdoutSink | LokiSink | ElasticsearchSink | KafkaSink;

/** Prints records on the aggregator's standard output (`kubectl logs`); for clusters without a log store. */
export interface StdoutSink {
  readonly type: 'stdout';
}

/** Grafana Loki. */
export interface LokiSink {
  readonly type: 'loki';
  /** Host name (placeholder hosts under `.example`). */
  readonly host: string;
  /**
   * TCP port.
   * @default 3100
   */
  readonly port?: number;
  /**
   * Connect with TLS (certificates verified).
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Tenant id sent as `X-Scope-OrgID`.
   * @default - none: single-tenant Loki
   */
  readonly tenant?: string;
  /**
   * Basic-auth user and password, as keys of a Secret in the `logging` namespace.
   * @default - no authentication
   */
  readonly credentials?: { readonly user: SecretRef; readonly password: SecretRef };
}

/** Elasticsearch (or OpenSearch) over the bulk API; one index per day. */
export interface ElasticsearchSink {
  readonly type: 'elasticsearch';
  /** Host name (placeholder hosts under `.example`). */
  readonly host: string;
  /**
   * TCP port.
   * @default 9200
   */
  readonly port?: number;
  /**
   * Connect with TLS (certificates verified).
   * @default true
   */
  readonly tls?: boolean;
  /**
   * First part of the index names: `<prefix>-logs-<env>-YYYY.MM.DD` and `<prefix>-events-<env>-YYYY.MM.DD`.
   * @default 'k8s'
   */
  readonly indexPrefix?: string;
  /**
   * Basic-auth user and password, as keys of a Secret in the `logging` namespace.
   * @default - no authentication
   */
  readonly credentials?: { readonly user: SecretRef; readonly password: SecretRef };
}

/** Apache Kafka; records are JSON messages. */
export interface KafkaSink {
  readonly type: 'kafka';
  /** Bootstrap brokers as `host:port` (placeholder hosts under `.example`). */
  readonly brokers: readonly string[];
  /** Topic of log records. */
  readonly topic: string;
  /**
   * Topic of Kubernetes events.
   * @default - `<topic>-events`
   */
  readonly eventsTopic?: string;
  /**
   * Connect with TLS.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * SASL authentication, with user and password as keys of a Secret in the `logging` namespace.
   * @default - no authentication
   */
  readonly sasl?: {
    readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
    readonly user: SecretRef;
    readonly password: SecretRef;
  };
}

/** Images of the platform's agents, pinned like app images (with a digest where the environment requires one). */
export interface AgentImages {
  /** Fluent Bit: log collector sidecars, node agent, aggregator and event exporter. */
  readonly fluentBit: string;
  /** node-problem-detector. */
  readonly nodeProblemDetector: string;
  /** A JDK image that runs as the apps' user (10001:10001); `heapdump` uses it as an ephemeral debug container. */
  readonly jdkDebug: string;
}

/** Where the cluster's Prometheus runs and which labels its selectors require. */
export interface PrometheusTarget {
  /** Namespace Prometheus runs in; metrics ports admit traffic from it. */
  readonly namespace: string;
  /** Labels of the Prometheus pods, to admit exactly them. */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * Labels the Prometheus selectors require on ServiceMonitors, PodMonitors and PrometheusRules.
   * @default {}
   */
  readonly resourceLabels?: Readonly<Record<string, string>>;
  /**
   * Base URL of the Prometheus HTTP API that `promote` (gate `verified`) and `verify` query
   * (placeholder hosts under `.example`: `'https://prometheus.prod.insure.example'`).
   * @see https://prometheus.io/docs/prometheus/latest/querying/api/
   * @default - none: verification against this environment fails closed unless `--prometheus` names one
   */
  readonly url?: string;
}

/**
 * How a version is judged from its metrics (see docs/verification.md): by `promote` (gate `verified`)
 * over the upstream environment's soak window, and by `verify` during a batch of a staged rollout.
 * The error ratio and latency limits are the app's resolved alert thresholds.
 */
export interface VerificationPolicy {
  /**
   * Promotions into this environment must pass the `verified` gate, judged on the upstream
   * environment's Prometheus with the upstream environment's `verification` thresholds.
   * @default false
   */
  readonly gatePromotions?: boolean;
  /**
   * Fewest requests the candidate must have served in the window for a verdict; fewer is inconclusive.
   * The previous version is compared with only when it served as many.
   * @default 500
   */
  readonly minRequests?: number;
  /**
   * Significance of the one-sided two-proportion z-test that the candidate's error ratio is above the baseline's.
   * @default 0.01
   */
  readonly significance?: number;
  /**
   * How far, in percent, the candidate's p99 latency may exceed the baseline's.
   * @default 20
   */
  readonly latencyMarginPercent?: number;
  /**
   * Window `verify` judges a rollout batch over, in minutes, ending now.
   * @default 10
   */
  readonly batchWindowMinutes?: number;
  /**
   * Seconds one Prometheus query may take before the verdict fails closed.
   * @default 10
   */
  readonly timeoutSeconds?: number;
}

/** Logs, events and metrics of the cluster. */
export interface ObservabilityPolicy {
  /** Stores every log record and Kubernetes event is shipped to (at least one). Their credentials stay in Secrets. */
  readonly logSinks: readonly LogSink[];
  /** Images of the platform's agents. */
  readonly images: AgentImages;
  /** The cluster's Prometheus. */
  readonly prometheus: PrometheusTarget;
  /**
   * Pods of the log aggregator, which holds the sink credentials and buffers on disk.
   * @default 2
   */
  readonly aggregatorReplicas?: number;
  /**
   * Alert thresholds of the environment, over the platform defaults.
   * @default - the platform defaults
   */
  readonly alerts?: AlertThresholds;
  /**
   * Thresholds of metric verification, and whether promotions into this environment need it.
   * @default - the defaults of each field; promotions not gated
   */
  readonly verification?: VerificationPolicy;
}

/** How Argo CD delivers the environment's rendered manifests to its cluster. */
export interface DeliveryPolicy {
  /**
   * Argo CD syncs every merged change on its own, prunes removed objects and
   * reverts drift. When false, a person with access to the environment presses
   * sync after the merge (the release order is then released by hand).
   * @default false
   */
  readonly autoSync?: boolean;
}

/** The ResourceQuota of each team namespace. */
export interface NamespaceQuota {
  /** Sum of CPU requests of all pods in the namespace (`'8'`, `'8000m'`). */
  readonly requestsCpu: string;
  /** Sum of memory requests (`'16Gi'`). */
  readonly requestsMemory: string;
  /** Sum of memory limits (`'24Gi'`). */
  readonly limitsMemory: string;
  /** Number of pods. */
  readonly pods: number;
}

/** The LimitRange of each team namespace: defaults for containers that set nothing, and a ceiling. */
export interface NamespaceLimits {
  /** CPU request of a container that sets none. */
  readonly defaultRequestCpu: string;
  /** Memory request of a container that sets none. */
  readonly defaultRequestMemory: string;
  /** Memory limit of a container that sets none. */
  readonly defaultLimitMemory: string;
  /** Largest memory limit one container may have. */
  readonly maxMemory: string;
}

/** Team namespaces as the cluster bootstrap (Pulumi) prepares them: quotas, limits and access. */
export interface TenancyPolicy {
  /** ResourceQuota of each team namespace. */
  readonly quota: NamespaceQuota;
  /** LimitRange of each team namespace. */
  readonly limits: NamespaceLimits;
  /**
   * Built-in ClusterRole bound to each team's group in the team's namespaces:
   * `view` (read only; releases go through pull requests) or `edit`.
   * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles
   */
  readonly teamAccess: 'view' | 'edit';
  /** Prefix of the identity provider's group names; the team name follows it (`'oidc:team-'` → `oidc:team-claims`). */
  readonly groupPrefix: string;
}

/** Network rules of the environment beyond each app's own. */
export interface NetworkRules {
  /**
   * An app whose egress allows any address (`0.0.0.0/0`) must say why (`network.openEgressReason`).
   * @default false
   */
  readonly openEgressNeedsReason?: boolean;
}

/** One environment cluster. */
export interface EnvironmentSpec {
  /** Environment name; also the folder name and the `manifests/` folder. */
  readonly name: EnvName;
  /** One line on what the environment is for. */
  readonly description: string;
  /** The cluster. */
  readonly cluster: ClusterFacts;
  /** Domain under which apps are exposed (`dev.insure.example`). */
  readonly ingressDomain: string;
  /** Place in the promotion chain. */
  readonly promotion: PromotionPolicy;
  /** Replica and resource defaults. */
  readonly capacity: CapacityPolicy;
  /** Image rules. */
  readonly images: ImagePolicy;
  /**
   * Network rules of the environment.
   * @default - no rules beyond each app's own
   */
  readonly network?: NetworkRules;
  /** Approval rules for release orders. */
  readonly approvals: ApprovalPolicy;
  /**
   * Default release strategies and rollout safety limits.
   * @default - lossless rolling for every app, no manual gate required, no replica floor
   */
  readonly rollout?: RolloutPolicy;
  /** Where logs and events go, agent images, Prometheus, alert thresholds. */
  readonly observability: ObservabilityPolicy;
  /**
   * Deletion guard of release orders. Removing a Namespace or a PersistentVolumeClaim,
   * or an empty render, is always refused; this sets what else is.
   * @default - at most 25 % of the objects removed; app removal allowed
   */
  readonly deletionGuard?: DeletionGuardPolicy;
  /**
   * How Argo CD syncs the environment.
   * @default - manual sync
   */
  readonly delivery?: DeliveryPolicy;
  /**
   * Quotas, limits and access of team namespaces, applied by the cluster bootstrap.
   * @default - team namespaces get no quota, no limit range and no team access
   */
  readonly tenancy?: TenancyPolicy;
  /**
   * Platform flags in effect here (flag → true), read by the loader from the machine-edited
   * `environments/<env>/features.json` (turn one on with `npm run -s promote -- --feature <flag> --to <env>`),
   * never written in `environment.ts`. Retired flags are in effect everywhere. See `lib/spec/features.ts`.
   * @default - every flag off
   */
  readonly features?: Readonly<Record<string, boolean>>;
}

/** Declares an environment. Gives editor completion and type checks; returns the spec unchanged. */
export function defineEnvironment(spec: EnvironmentSpec): EnvironmentSpec {
  return spec;
}
