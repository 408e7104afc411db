/**
 * Rollout resolution: an app's rollout fields + its environment's rollout policy and
 * cluster facts → the strategy, workload kind and shutdown timing the render uses.
 * Decided once per app × environment, like every other default.
 */
import type { AppSpec, BatchStep, RolloutStrategy, WorkloadKind } from './app.ts';
import type { BatchController, EnvironmentSpec, RolloutPolicy } from './environment.ts';

/** Rollout policy of an environment that sets none, and the default of each field of one that sets some. */
export const DEFAULT_ROLLOUT_POLICY = {
  strategy: 'rolling',
  maxSurgePercent: 25,
  maxUnavailablePercent: 0,
  minReadySeconds: 10,
  preStopSeconds: 10,
  drainSeconds: 15,
  batches: [{ percent: 10, manual: true }, { percent: 50, pauseSeconds: 600 }, { percent: 100 }],
  requireManualGate: false,
} as const satisfies RolloutPolicy;

/** Seconds the grace period leaves, after the preStop delay and the drain, for the process to exit. */
export const EXIT_MARGIN_SECONDS = 5;
/** Shortest grace period of a CronJob's pods (the Kubernetes default); nothing routes traffic to them. */
export const CRONJOB_GRACE_SECONDS = 30;
/** First Kubernetes minor version whose native `sleep` preStop action is on by default (beta; alpha in 1.29). */
export const NATIVE_SLEEP_MINOR = 30;

/**
 * What holds a stopping pod in service while its endpoint disappears everywhere:
 * the native `sleep` action, an exec `sleep` in the image's shell, the app's own
 * delay after SIGTERM, or nothing (workers and cronjobs receive no traffic).
 */
export type PreStopHold =
  | { readonly action: 'sleep' | 'exec' | 'app'; readonly seconds: number }
  | { readonly action: 'none'; readonly seconds: 0 };

/** Workload kinds a long-running app renders as. */
export type RolloutWorkload = 'Deployment' | 'CloneSet';

/** The rollout of one app in one environment, every default applied. */
export interface ResolvedRollout {
  readonly strategy: RolloutStrategy;
  /** Kind of the object that owns the pods. */
  readonly workload: RolloutWorkload;
  readonly fixedIp: boolean;
  readonly critical: boolean;
  readonly maxSurgePercent: number;
  readonly maxUnavailablePercent: number;
  readonly minReadySeconds: number;
  readonly preStop: PreStopHold;
  readonly drainSeconds: number;
  /** Always greater than the preStop hold plus the drain. */
  readonly terminationGracePeriodSeconds: number;
  /** Batches of a `batches` release; empty otherwise. */
  readonly batches: readonly BatchStep[];
  readonly batchController: BatchController;
}

/** Kubernetes minor version as a number (`'1.27'` → 27). */
export function kubernetesMinor(version: string): number {
  const m = /^1\.(\d+)$/.exec(version);
  return m ? Number(m[1]) : 0;
}

/** Whether the cluster's Kubernetes version has the native `sleep` preStop action. */
export function hasNativeSleep(env: EnvironmentSpec): boolean {
  return kubernetesMinor(env.cluster.kubernetesVersion) >= NATIVE_SLEEP_MINOR;
}

/** Where a resolved strategy was decided: the app spec (explicitly) or the environment's policy. */
export interface StrategyChoice {
  readonly strategy: RolloutStrategy;
  /** `app` when the spec or its override names the strategy. */
  readonly source: 'app' | 'environment';
  /** Field that decided it (`rollout.strategy`, `overrides.prod.rollout.strategy`, `rollout.fixedIpStrategy`). */
  readonly field: string;
}

/** The strategy of `app` in `env`, and which field decided it. */
export function strategyFor(app: AppSpec, env: EnvironmentSpec): StrategyChoice {
  const override = app.overrides?.[env.name]?.rollout?.strategy;
  if (override) return { strategy: override, source: 'app', field: `overrides.${env.name}.rollout.strategy` };
  if (app.rollout?.strategy) return { strategy: app.rollout.strategy, source: 'app', field: 'rollout.strategy' };
  const policy = env.rollout ?? {};
  const fallback = policy.strategy ?? DEFAULT_ROLLOUT_POLICY.strategy;
  if (app.rollout?.fixedIp && policy.fixedIpStrategy)
    return { strategy: policy.fixedIpStrategy, source: 'environment', field: 'rollout.fixedIpStrategy' };
  if (app.rollout?.critical && policy.criticalStrategy)
    return { strategy: policy.criticalStrategy, source: 'environment', field: 'rollout.criticalStrategy' };
  return { strategy: fallback, source: 'environment', field: 'rollout.strategy' };
}

/** Resolves the rollout of `app` (of workload kind `kind`) for `env`. Assumes the spec passed its checks. */
export function resolveRollout(app: AppSpec, env: EnvironmentSpec, kind: WorkloadKind): ResolvedRollout {
  const policy = env.rollout ?? {};
  const override = app.overrides?.[env.name]?.rollout ?? {};
  const spec = app.rollout ?? {};
  const strategy = kind === 'cronjob' ? 'rolling' : strategyFor(app, env).strategy;
  const drainSeconds =
    override.drainSeconds ?? spec.drainSeconds ?? policy.drainSeconds ?? DEFAULT_ROLLOUT_POLICY.drainSeconds;
  const preStop = kind === 'service' ? preStopHold(app, env) : ({ action: 'none', seconds: 0 } as const);
  const batchController = env.cluster.batchController ?? 'none';
  const workload: RolloutWorkload =
    strategy === 'in-place' || (strategy === 'batches' && env.cluster.openKruise === true) ? 'CloneSet' : 'Deployment';
  return {
    strategy,
    workload,
    fixedIp: spec.fixedIp ?? false,
    critical: spec.critical ?? false,
    maxSurgePercent: policy.maxSurgePercent ?? DEFAULT_ROLLOUT_POLICY.maxSurgePercent,
    maxUnavailablePercent: policy.maxUnavailablePercent ?? DEFAULT_ROLLOUT_POLICY.maxUnavailablePercent,
    minReadySeconds: kind === 'service' ? (policy.minReadySeconds ?? DEFAULT_ROLLOUT_POLICY.minReadySeconds) : 0,
    preStop,
    drainSeconds,
    terminationGracePeriodSeconds: Math.max(
      kind === 'cronjob' ? CRONJOB_GRACE_SECONDS : 0,
      preStop.seconds + drainSeconds + EXIT_MARGIN_SECONDS,
    ),
    batches:
      strategy === 'batches'
        ? (override.batches ?? spec.batches ?? policy.batches ?? DEFAULT_ROLLOUT_POLICY.batches)
        : [],
    batchController,
  };
}

/**
 * The preStop hold of a service. The app's own delay, when declared, replaces the hook;
 * otherwise the native action where the cluster has it, else an exec `sleep`.
 */
function preStopHold(app: AppSpec, env: EnvironmentSpec): PreStopHold {
  if (app.rollout?.shutdownDelaySeconds !== undefined)
    return { action: 'app', seconds: app.rollout.shutdownDelaySeconds };
  const seconds = env.rollout?.preStopSeconds ?? DEFAULT_ROLLOUT_POLICY.preStopSeconds;
  if (hasNativeSleep(env)) return { action: 'sleep', seconds };
  if (app.rollout?.shell !== false) return { action: 'exec', seconds };
  // Rejected by the spec checks before any render; reaching here is a bug in the caller.
  throw new Error(
    `${app.name}: a shell-less image on Kubernetes ${env.cluster.kubernetesVersion} needs rollout.shutdownDelaySeconds`,
  );
}
