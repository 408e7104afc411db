/**
 * The environment spec: facts and policy of one cluster, in `environments/<env>/environment.ts`.
 *
 * `lib/` never branches on an environment's name; everything that differs
 * between environments is a field here.
 */
import type { EnvName } from './app.ts';

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
  /**
   * Risk of each kind of change in this environment, where it differs from the
   * platform's default levels (`DEFAULT_RISK` in `lib/release/risk.ts`).
   * `{ removed: 'high', rollout: 'high' }` makes any removal or rollout change high risk.
   * @default - the platform's default levels
   */
  readonly risk?: Readonly<Partial<Record<RiskTrigger, RiskLevel>>>;
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

/** Risk level of a change; each level above `low` adds one required approval. */
export type RiskLevel = 'low' | 'medium' | 'high';

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
   * Deletion guard of release orders. Removing a Namespace or a PersistentVolumeClaim,
   * or an empty render, is always refused; this sets what else is.
   * @default - at most 25 % of the objects removed; app removal allowed
   */
  readonly deletionGuard?: DeletionGuardPolicy;
}

/** Declares an environment. Gives editor completion and type checks; returns the spec unchanged. */
export function defineEnvironment(spec: EnvironmentSpec): EnvironmentSpec {
  return spec;
}
