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
   * How Argo CD syncs the environment.
   * @default - manual sync
   */
  readonly delivery?: DeliveryPolicy;
  /**
   * Quotas, limits and access of team namespaces, applied by the cluster bootstrap.
   * @default - team namespaces get no quota, no limit range and no team access
   */
  readonly tenancy?: TenancyPolicy;
}

/** Declares an environment. Gives editor completion and type checks; returns the spec unchanged. */
export function defineEnvironment(spec: EnvironmentSpec): EnvironmentSpec {
  return spec;
}
