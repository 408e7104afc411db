/**
 * The environment spec: facts and policy of one cluster, in `environments/<env>/environment.ts`.
 *
 * `lib/` never branches on an environment's name; everything that differs
 * between environments is a field here.
 */
import type { BatchStep, EnvName, RolloutStrategy } from './app.ts';

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
   * Extra pods a rolling update may start above the replica count, in percent (1-100). Costs capacity, keeps throughput.
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
   * Fewest replicas a workload needs before an update may take pods away (`maxUnavailable` > 0; rule `rollout-max-unavailable`).
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
}

/** Who must approve a release order touching this environment. */
export interface ApprovalPolicy {
  /** Approvals needed for a low-risk change. Higher risk adds one approval per level. */
  readonly required: number;
  /** Teams whose members may approve (GitHub team handles). */
  readonly approvers: readonly string[];
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
  /** Approval rules for release orders. */
  readonly approvals: ApprovalPolicy;
  /**
   * Default release strategies and rollout safety limits.
   * @default - lossless rolling for every app, no manual gate required, no replica floor
   */
  readonly rollout?: RolloutPolicy;
}

/** Declares an environment. Gives editor completion and type checks; returns the spec unchanged. */
export function defineEnvironment(spec: EnvironmentSpec): EnvironmentSpec {
  return spec;
}
