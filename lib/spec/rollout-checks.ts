/**
 * Meaning checks of the rollout fields: of an app spec on its own, of an
 * environment's rollout policy, and of an app in each environment it runs in
 * (what the cluster can run, what its Kubernetes version allows).
 */
import type { AppSpec, BatchStep, RolloutStrategy } from './app.ts';
import type { EnvironmentSpec } from './environment.ts';
import type { ProblemSink } from './problems.ts';
import { DEFAULT_ROLLOUT_POLICY, NATIVE_SLEEP_MINOR, hasNativeSleep, strategyFor } from './rollout.ts';

/** Most batches a staged release may have. */
export const MAX_BATCHES = 10;
/** Longest automatic pause between batches, in seconds (one day). */
export const MAX_PAUSE_SECONDS = 86_400;

/** A spec file with its parsed spec. */
interface Loaded<T> {
  readonly spec: T;
  readonly file: string;
}

/** Checks the rollout fields of one app spec, on their own. */
export function checkRolloutSpec(app: AppSpec, file: string, sink: ProblemSink): void {
  const kind = app.kind ?? 'service';
  const r = app.rollout;
  const strategies: [string, RolloutStrategy | undefined][] = [['rollout.strategy', r?.strategy]];
  for (const [env, o] of Object.entries(app.overrides ?? {}))
    strategies.push([`overrides.${env}.rollout.strategy`, o?.rollout?.strategy]);
  for (const [field, strategy] of strategies) {
    if (strategy === undefined) continue;
    if (kind === 'cronjob' && strategy !== 'rolling') {
      sink.add(
        file,
        field,
        strategy,
        'a cronjob runs to completion and is never rolled out',
        'remove it; the next scheduled run uses the new version',
      );
    }
    if (r?.fixedIp && strategy === 'rolling') {
      sink.add(
        file,
        field,
        strategy,
        'a rolling update replaces pods, so their IPs change, but the app declares rollout.fixedIp',
        "use 'in-place' (or 'batches', which runs in place), or drop fixedIp",
      );
    }
  }
  if (!r && !Object.values(app.overrides ?? {}).some((o) => o?.rollout)) return;
  if (kind === 'cronjob' && r?.fixedIp)
    sink.add(
      file,
      'rollout.fixedIp',
      r.fixedIp,
      'a cronjob has no lasting pod whose IP could be kept',
      'remove fixedIp',
    );
  if (r?.drainSeconds !== undefined) checkSeconds(r.drainSeconds, 0, 600, file, 'rollout.drainSeconds', sink);
  if (r?.shutdownDelaySeconds !== undefined)
    checkSeconds(r.shutdownDelaySeconds, 1, 300, file, 'rollout.shutdownDelaySeconds', sink);
  if (r?.batches) checkBatches(r.batches, file, 'rollout.batches', sink);
  for (const [env, o] of Object.entries(app.overrides ?? {})) {
    if (o?.rollout?.drainSeconds !== undefined)
      checkSeconds(o.rollout.drainSeconds, 0, 600, file, `overrides.${env}.rollout.drainSeconds`, sink);
    if (o?.rollout?.batches) checkBatches(o.rollout.batches, file, `overrides.${env}.rollout.batches`, sink);
  }
}

/** Checks an environment's rollout policy. */
export function checkRolloutPolicy(env: EnvironmentSpec, file: string, sink: ProblemSink): void {
  const p = env.rollout;
  if (!p) return;
  const range = (key: keyof typeof p, min: number, max: number): void => {
    const v = p[key];
    if (typeof v === 'number')
      checkSeconds(
        v,
        min,
        max,
        file,
        `rollout.${key}`,
        sink,
        key.endsWith('Percent') ? 'percent' : key === 'minReplicasForUnavailable' ? 'replicas' : 'seconds',
      );
  };
  range('maxSurgePercent', 0, 100);
  range('maxUnavailablePercent', 0, 100);
  range('minReadySeconds', 0, 600);
  range('preStopSeconds', 1, 120);
  range('drainSeconds', 0, 600);
  range('minReplicasForUnavailable', 1, 100);
  const surge = p.maxSurgePercent ?? DEFAULT_ROLLOUT_POLICY.maxSurgePercent;
  const unavailable = p.maxUnavailablePercent ?? DEFAULT_ROLLOUT_POLICY.maxUnavailablePercent;
  if (surge === 0 && unavailable === 0) {
    sink.add(
      file,
      'rollout.maxSurgePercent',
      surge,
      'with no surge and no unavailable pods a rolling update can never start a new pod',
      'set maxSurgePercent above 0 (lossless) or maxUnavailablePercent above 0',
    );
  }
  if (p.batches) checkBatches(p.batches, file, 'rollout.batches', sink);
  for (const key of ['strategy', 'criticalStrategy', 'fixedIpStrategy'] as const) {
    const strategy = p[key];
    if (strategy) checkClusterRuns(strategy, env, file, `rollout.${key}`, sink, `environments/${env.name}`);
  }
}

/**
 * Checks each app in each environment it runs in: what the cluster can run and how its pods can be held on shutdown.
 */
export function checkRolloutInEnvironments(
  apps: readonly Loaded<AppSpec>[],
  environments: readonly Loaded<EnvironmentSpec>[],
  sink: ProblemSink,
): void {
  for (const { spec: app, file } of apps) {
    const kind = app.kind ?? 'service';
    if (kind === 'cronjob') continue;
    const envs = environments.filter((e) => app.environments === undefined || app.environments.includes(e.spec.name));
    for (const { spec: env } of envs) {
      const choice = strategyFor(app, env);
      if (choice.source === 'app')
        checkClusterRuns(choice.strategy, env, file, choice.field, sink, `${env.name}'s cluster`);
    }
    if (kind !== 'service') continue;
    const r = app.rollout ?? {};
    if (r.shell === false && r.shutdownDelaySeconds === undefined) {
      const old = envs
        .filter((e) => !hasNativeSleep(e.spec))
        .map((e) => `${e.spec.name} (${e.spec.cluster.kubernetesVersion})`);
      if (old.length > 0) {
        sink.add(
          file,
          'rollout.shutdownDelaySeconds',
          undefined,
          `the image has no shell, so no preStop 'sleep' can run, and ${old.join(', ')} ${old.length === 1 ? 'has' : 'have'} no native sleep action (Kubernetes 1.${NATIVE_SLEEP_MINOR}+): the pod would stop at once while kube-proxy and the ingress controllers still send it requests, which then fail`,
          'set rollout.shutdownDelaySeconds (the app keeps serving that long after SIGTERM before closing its listener), or build the image with a shell',
        );
      }
    }
    if (r.shutdownDelaySeconds !== undefined) {
      for (const { spec: env } of envs) {
        const needed = env.rollout?.preStopSeconds ?? DEFAULT_ROLLOUT_POLICY.preStopSeconds;
        if (r.shutdownDelaySeconds < needed) {
          sink.add(
            file,
            'rollout.shutdownDelaySeconds',
            r.shutdownDelaySeconds,
            `shorter than the ${needed} s ${env.name} needs for its endpoints to be dropped everywhere (rollout.preStopSeconds)`,
            `raise it to at least ${needed}`,
          );
        }
      }
    }
  }
}

/** Reports a strategy the environment's cluster has no controller for. */
function checkClusterRuns(
  strategy: RolloutStrategy,
  env: EnvironmentSpec,
  file: string,
  field: string,
  sink: ProblemSink,
  where: string,
): void {
  if (strategy === 'in-place' && env.cluster.openKruise !== true) {
    sink.add(
      file,
      field,
      strategy,
      `${where} runs no OpenKruise, so there is no CloneSet to update pods in place`,
      `use 'rolling' or 'batches' there, or set cluster.openKruise: true in environments/${env.name}/environment.ts once OpenKruise is installed`,
    );
  }
  if (strategy === 'batches' && (env.cluster.batchController ?? 'none') === 'none') {
    sink.add(
      file,
      field,
      strategy,
      `${where} runs no batch controller, so nothing would hold the release between batches`,
      `use 'rolling' or 'in-place' there, or set cluster.batchController: 'kruise-rollout' in environments/${env.name}/environment.ts once OpenKruise Rollout is installed`,
    );
  }
}

/** Checks a list of batches: growing percentages ending at 100, and pauses only between batches. */
export function checkBatches(batches: readonly BatchStep[], file: string, field: string, sink: ProblemSink): void {
  if (batches.length === 0 || batches.length > MAX_BATCHES) {
    sink.add(
      file,
      field,
      batches,
      `needs 1 to ${MAX_BATCHES} batches`,
      'list batches such as [{ percent: 10, manual: true }, { percent: 50, pauseSeconds: 600 }, { percent: 100 }]',
    );
    return;
  }
  let previous = 0;
  batches.forEach((b, i) => {
    const at = `${field}[${i}]`;
    if (b.percent < 1 || b.percent > 100)
      sink.add(file, `${at}.percent`, b.percent, 'out of range', 'use 1 to 100 percent');
    else if (b.percent <= previous)
      sink.add(
        file,
        `${at}.percent`,
        b.percent,
        `does not grow past the batch before (${previous}%)`,
        'give each batch a larger share of the pods than the one before',
      );
    previous = Math.max(previous, b.percent);
    if (b.manual && b.pauseSeconds !== undefined)
      sink.add(
        file,
        `${at}.pauseSeconds`,
        b.pauseSeconds,
        'a batch either waits for a person (manual) or for a time, not both',
        'remove manual or pauseSeconds',
      );
    if (b.pauseSeconds !== undefined)
      checkSeconds(b.pauseSeconds, 1, MAX_PAUSE_SECONDS, file, `${at}.pauseSeconds`, sink);
  });
  const last = batches[batches.length - 1]!;
  if (last.percent !== 100)
    sink.add(
      file,
      `${field}[${batches.length - 1}].percent`,
      last.percent,
      'the last batch must bring every pod to the new version',
      'end with { percent: 100 }',
    );
  if (last.manual || last.pauseSeconds !== undefined) {
    sink.add(
      file,
      `${field}[${batches.length - 1}]`,
      last,
      'the last batch ends the release; there is nothing left to wait for',
      'remove manual and pauseSeconds from the last batch',
    );
  }
}

function checkSeconds(
  value: number,
  min: number,
  max: number,
  file: string,
  field: string,
  sink: ProblemSink,
  unit = 'seconds',
): void {
  if (value < min || value > max) sink.add(file, field, value, 'out of range', `use ${min} to ${max} ${unit}`);
}
