/**
 * The app spec: what a developer writes in `apps/<name>.ts`.
 *
 * Everything here is plain data. Defaults are resolved once, per environment,
 * by `resolveApp` (see `resolve.ts`); the render never reads an unresolved spec.
 */

/** A reference to one key of a Kubernetes Secret. The value itself never lives in git. */
export interface SecretRef {
  /** Name of the Secret in the app's namespace (created by the secret store, not by this repo). */
  readonly secret: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** An environment variable: a plain value, or a reference to a Secret key. */
export type EnvValue = string | SecretRef;

/** Kind of workload the app runs as. */
export type WorkloadKind =
  /** A long-running server that receives traffic on its ports. */
  | 'service'
  /** A long-running background consumer with no inbound traffic. */
  | 'worker'
  /** A job that runs on a schedule and exits. */
  | 'cronjob';

/** What the container image is built from; drives runtime-specific defaults (JVM flags, graceful shutdown). */
export type Runtime = 'spring-boot' | 'node' | 'generic';

/** A port the container listens on. */
export interface PortSpec {
  /**
   * Port name, unique in the app (IANA_SVC_NAME: lowercase letters, digits and '-', at most 15 characters).
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#multi-port-services
   */
  readonly name: string;
  /** Container port number (1-65535). */
  readonly port: number;
  /**
   * Port number the Service exposes.
   * @default - the container port
   */
  readonly servicePort?: number;
}

/** HTTP health endpoints of the app, served on its first port. */
export interface HealthSpec {
  /**
   * Path that answers 200 only when the app can take traffic.
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
   */
  readonly readiness: string;
  /**
   * Path that answers 200 while the process is healthy; failing it restarts the container.
   * @default - the readiness path
   */
  readonly liveness?: string;
  /**
   * Path probed until the app has started; liveness and readiness wait for it.
   * @default - the liveness path
   */
  readonly startup?: string;
  /**
   * Port name the probes call.
   * @default - the first port
   */
  readonly port?: string;
  /**
   * Longest time the app may take to start, in seconds; sets the startup probe's failure budget.
   * @default 120
   */
  readonly startupSeconds?: number;
}

/** CPU and memory the app needs. Quantities use Kubernetes notation: `250m`, `1`, `512Mi`, `2Gi`. */
export interface ResourcesSpec {
  /**
   * CPU request.
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
   * @default - the environment's default
   */
  readonly cpu?: string;
  /**
   * Memory request; also the memory limit unless `memoryLimit` is set.
   * @default - the environment's default
   */
  readonly memory?: string;
  /**
   * CPU limit.
   * @default - no CPU limit (avoids throttling; requests still reserve capacity)
   */
  readonly cpuLimit?: string;
  /**
   * Memory limit.
   * @default - equal to the memory request
   */
  readonly memoryLimit?: string;
}

/** Horizontal autoscaling on CPU utilisation. */
export interface AutoscalingSpec {
  /** Fewest replicas. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /**
   * Target average CPU utilisation, in percent of the request.
   * @default 70
   */
  readonly cpuUtilization?: number;
}

/** Who may talk to the app, and whom it may call. Everything else is denied. */
export interface NetworkSpec {
  /**
   * Apps (by name, in any namespace) allowed to call this app's ports.
   * @default []
   */
  readonly allowFrom?: readonly string[];
  /**
   * Accept traffic from the cluster's ingress controller (apps reached from outside the cluster).
   * @default false
   */
  readonly fromIngress?: boolean;
  /**
   * Apps (by name) this app calls.
   * @default []
   */
  readonly callsApps?: readonly string[];
  /**
   * Addresses outside the cluster this app calls, as CIDR blocks with a port (`10.20.0.0/16:5432`).
   * @default []
   */
  readonly egress?: readonly string[];
  /**
   * Why the app may call any address (`0.0.0.0/0`). Required in environments whose
   * `network.openEgressNeedsReason` is set.
   * @default - none
   */
  readonly openEgressReason?: string;
}

/** Deviations from the secure defaults. Each needs a reason, which is rendered next to the object. */
export interface SecurityExceptions {
  /**
   * Allow writes to the container's root filesystem.
   * @default false
   */
  readonly writableRootFilesystem?: boolean;
  /** Why the exception is needed; required when any exception is set. */
  readonly reason?: string;
}

/**
 * How pods are replaced on a release.
 * - `rolling`: a Deployment rolling update that never takes a ready pod away before its replacement is ready.
 * - `in-place`: an OpenKruise CloneSet that swaps the image inside the running pod, which keeps its IP.
 * - `batches`: staged batches (10% → confirm → 50% → wait → 100%) driven by the cluster's batch controller.
 * @see docs/rollout.md
 */
export type RolloutStrategy = 'rolling' | 'in-place' | 'batches';

/** One batch of a staged release. */
export interface BatchStep {
  /** Share of the pods on the new version once this batch is done, in percent (1-100); the last batch is 100. */
  readonly percent: number;
  /**
   * After this batch, wait until a person confirms (`kubectl-kruise rollout approve`).
   * @default false
   */
  readonly manual?: boolean;
  /**
   * After this batch, wait this many seconds, then go on by itself. Not with `manual`.
   * @default - no wait
   */
  readonly pauseSeconds?: number;
}

/** How the app is released and how its pods stop without dropping requests. */
export interface RolloutSpec {
  /**
   * How pods are replaced on a release.
   * @default - the environment's choice: `rollout.fixedIpStrategy` for a `fixedIp` app, `rollout.criticalStrategy` for a `critical` one, else `rollout.strategy`
   */
  readonly strategy?: RolloutStrategy;
  /**
   * The pod IP must not change across upgrades (partners allowlist it). In-place updates then use
   * `InPlaceOnly` and never add surge pods. Cannot be combined with `strategy: 'rolling'`.
   * @default false
   */
  readonly fixedIp?: boolean;
  /**
   * A business-critical service (payments, policy issuance); environments may release it in gated batches.
   * @default false
   */
  readonly critical?: boolean;
  /**
   * Seconds the app needs to finish in-flight requests after SIGTERM (0-600). Spring Boot apps get it as
   * `spring.lifecycle.timeout-per-shutdown-phase`; the grace period covers it.
   * @default - the environment's `rollout.drainSeconds`
   */
  readonly drainSeconds?: number;
  /**
   * The image has a shell with `sleep`, so the preStop delay can run as a command. On clusters before
   * Kubernetes 1.30, which have no native `sleep` preStop action, a shell-less image must set `shutdownDelaySeconds`.
   * @default true
   */
  readonly shell?: boolean;
  /**
   * Seconds the app itself keeps serving after SIGTERM before it closes its listener (1-300). When set,
   * no preStop hook is rendered: needed where the image has no shell and the cluster has no native
   * `sleep` action. Must cover the environment's `rollout.preStopSeconds`.
   * @default - none: the platform's preStop delay holds the pod
   */
  readonly shutdownDelaySeconds?: number;
  /**
   * Batches of a `batches` release, in order.
   * @default - the environment's `rollout.batches`
   */
  readonly batches?: readonly BatchStep[];
}

/** The rollout fields an environment override may change. */
export interface RolloutOverrides {
  /** @see RolloutSpec.strategy */
  readonly strategy?: RolloutStrategy;
  /** @see RolloutSpec.drainSeconds */
  readonly drainSeconds?: number;
  /** @see RolloutSpec.batches */
  readonly batches?: readonly BatchStep[];
}

/**
 * How multi-line records (stack traces) are recognised in a log file.
 * - `'java'`: a record starts at a line beginning with an ISO date (`2024-05-02 10:15:32`, `[2024-05-02T10:15:32`),
 *   as Logback, Log4j2 and Spring Boot write them; every other line (stack frames, `Caused by:`, `... 12 more`)
 * continues it.
 * - `{ startPattern }`: a record starts at a line matching the regular expression (anchored with `^`); every other line
 * continues it.
 */
export type MultilineMode = 'java' | { readonly startPattern: string };

/** Log files the app writes into one directory; the platform collects them with pod metadata attached. */
export interface LogsSpec {
  /**
   * Absolute directory the app writes its log files to. An `emptyDir` volume is mounted there.
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#emptydir
   */
  readonly dir: string;
  /**
   * Glob patterns of the files to collect, relative to `dir` (`*.log`, `audit/*.log`).
   * @default ['*.log']
   */
  readonly include?: readonly string[];
  /**
   * How multi-line records are joined into one.
   * @default - none: every line is a record
   */
  readonly multiline?: MultilineMode;
  /**
   * Most disk the directory may use (`'512Mi'`, `'2Gi'`). Beyond it the kubelet evicts the pod, so the app must rotate
   * and delete its own files.
   * @default '1Gi'
   */
  readonly sizeLimit?: string;
}

/** Thresholds of the default alerts. Each overrides the environment's, which override the platform's. */
export interface AlertThresholds {
  /**
   * Share of requests answered with a 5xx status over 5 minutes (0 to 1) above which `HighErrorRatio` fires.
   * @default 0.05
   */
  readonly errorRatio?: number;
  /**
   * 99th percentile request latency over 5 minutes, in seconds, above which `HighLatency` fires.
   * @default 1
   */
  readonly latencyP99Seconds?: number;
  /**
   * Container restarts within an hour above which `Restarting` fires.
   * @default 3
   */
  readonly restartsPerHour?: number;
  /**
   * Minutes a pod may stay not ready before `PodsNotReady` fires.
   * @default 10
   */
  readonly notReadyMinutes?: number;
}

/**
 * A Prometheus metrics endpoint of the app; it gets a ServiceMonitor (or PodMonitor for a worker) and default alerts.
 */
export interface MetricsSpec {
  /** Name of the declared port that serves the metrics. */
  readonly port: string;
  /**
   * HTTP path of the metrics.
   * @default - '/actuator/prometheus' for spring-boot, '/metrics' otherwise
   */
  readonly path?: string;
  /**
   * Scrape interval, in seconds or minutes (`'30s'`, `'1m'`).
   * @default '30s'
   */
  readonly interval?: string;
  /**
   * Name of the request-duration histogram the error-ratio and latency alerts read (without `_count` or `_bucket`).
   * @default - 'http_server_requests_seconds' (Micrometer) for spring-boot, 'http_request_duration_seconds' otherwise
   */
  readonly requestMetric?: string;
  /**
   * Label of `requestMetric` that holds the HTTP status code.
   * @default - 'status' for spring-boot, 'status_code' otherwise
   */
  readonly statusLabel?: string;
  /**
   * Alert thresholds of the app, over the environment's.
   * @default - the environment's thresholds
   */
  readonly alerts?: AlertThresholds;
}

/** The fields an environment override may change. */
export interface AppOverrides {
  /** @see AppSpec.replicas */
  readonly replicas?: number;
  /** @see AppSpec.resources */
  readonly resources?: ResourcesSpec;
  /** Merged over `AppSpec.env`, key by key. */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Merged over `AppSpec.config`, file by file. */
  readonly config?: Readonly<Record<string, string>>;
  /** Replaces `AppSpec.autoscaling`; `false` turns autoscaling off in that environment. */
  readonly autoscaling?: AutoscalingSpec | false;
  /** @see AppSpec.schedule */
  readonly schedule?: string;
  /** Merged over `AppSpec.rollout`, field by field. */
  readonly rollout?: RolloutOverrides;
  /** Merged over `MetricsSpec.alerts`, threshold by threshold. */
  readonly alerts?: AlertThresholds;
}

/** Six environment names, in promotion order. */
export type EnvName = 'dev' | 'sit' | 'uat' | 'staging' | 'prod' | 'dr';

/** One service, as its developers describe it. */
export interface AppSpec {
  /** App name: DNS-1123 label (lowercase letters, digits, '-'), unique in the repo, at most 40 characters. */
  readonly name: string;
  /** Owning team; also the namespace the app runs in unless `namespace` is set. */
  readonly team: string;
  /** One line on what the service does; rendered as an annotation. */
  readonly description?: string;
  /**
   * Image repository without tag or digest (`registry.insure.example/claims/claims-api`); the tag is pinned per
   * environment.
   */
  readonly image: string;
  /**
   * What kind of workload the app runs as.
   * @default 'service'
   */
  readonly kind?: WorkloadKind;
  /**
   * Runtime of the image.
   * @default 'generic'
   */
  readonly runtime?: Runtime;
  /**
   * Namespace the app runs in.
   * @default - the team name
   */
  readonly namespace?: string;
  /**
   * Ports the container listens on. A `service` needs at least one.
   * @default []
   */
  readonly ports?: readonly PortSpec[];
  /** HTTP health endpoints. Required for a `service`. */
  readonly health?: HealthSpec;
  /**
   * Resource requests and limits.
   * @default - the environment's default resource policy
   */
  readonly resources?: ResourcesSpec;
  /**
   * Number of pods (ignored while autoscaling is on).
   * @default - the environment's default replica count
   */
  readonly replicas?: number;
  /**
   * Environment variables: plain values, or `secretRef('name', 'key')` for anything secret.
   * @default {}
   */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /**
   * Config files, by file name, mounted read-only under `configDir`.
   * @default {}
   */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * Folder the config files are mounted in.
   * @default '/config'
   */
  readonly configDir?: string;
  /** Horizontal autoscaling. */
  readonly autoscaling?: AutoscalingSpec;
  /** Cron schedule of a `cronjob` (`'30 2 * * *'`). */
  readonly schedule?: string;
  /** Container command (entrypoint) override. */
  readonly command?: readonly string[];
  /** Container arguments. */
  readonly args?: readonly string[];
  /** Network access beyond the default deny. */
  readonly network?: NetworkSpec;
  /** Deviations from the secure defaults, with a reason. */
  readonly security?: SecurityExceptions;
  /**
   * Release strategy and shutdown timing.
   * @default - the environment's rollout policy; see docs/rollout.md
   */
  readonly rollout?: RolloutSpec;
  /**
   * Log files written to a directory, collected with pod metadata. Apps that log only to stdout need nothing.
   * @default - stdout and stderr only, collected by the node agent
   */
  readonly logs?: LogsSpec;
  /**
   * Prometheus metrics endpoint, scraped and alerted on.
   * @default - no scraping and no alerts
   */
  readonly metrics?: MetricsSpec;
  /**
   * Values the secret scan flags that are no secrets (a public key, a published sample token), by field
   * (`'env.JWKS_KEY_ID'`, `'config.jwks.json'`), each with the reason. Reviewed like any change: the
   * reasons are rendered on the app's objects as the `no-secret-content` policy exception, so the release
   * order shows them.
   * @default {}
   */
  readonly notSecrets?: Readonly<Record<string, string>>;
  /**
   * Environments the app runs in. An app not yet promoted everywhere lists where it runs.
   * @default - all six
   */
  readonly environments?: readonly EnvName[];
  /** Per-environment differences. Only what differs. */
  readonly overrides?: Partial<Readonly<Record<EnvName, AppOverrides>>>;
}

/** Declares an app. Gives editor completion and type checks; returns the spec unchanged. */
export function defineApp(spec: AppSpec): AppSpec {
  return spec;
}

/** A reference to key `key` of Secret `secret`, for use as an environment variable. */
export function secretRef(secret: string, key: string): SecretRef {
  return { secret, key };
}
