/**
 * Lossless rolling: what keeps requests flowing while pods are replaced.
 *
 * A pod told to stop keeps serving for the preStop hold, while kube-proxy, the
 * ingress controllers and service registries drop its endpoint; then SIGTERM
 * lets the app drain in-flight requests; the grace period covers both. Updates
 * never take a ready pod away before its replacement is ready (maxUnavailable 0
 * by default), surge a bounded number of pods, and wait `minReadySeconds` before
 * trusting a new pod.
 */
import { kplus } from '../cdk8s/k8s.ts';
import type { ResolvedRollout } from './resolve.ts';
import { ROLLOUT_ANNOTATIONS } from './plan.ts';

/** The rolling update of a Deployment: bounded surge, and no pod taken away unless the policy allows it. */
export function deploymentStrategy(rollout: ResolvedRollout): kplus.DeploymentStrategy {
  return kplus.DeploymentStrategy.rollingUpdate({
    maxSurge: kplus.PercentOrAbsolute.percent(rollout.maxSurgePercent),
    maxUnavailable:
      rollout.maxUnavailablePercent === 0
        ? kplus.PercentOrAbsolute.absolute(0)
        : kplus.PercentOrAbsolute.percent(rollout.maxUnavailablePercent),
  });
}

/** The container `lifecycle` that holds a stopping pod in service; `undefined` when nothing needs holding. */
export function preStopLifecycle(rollout: ResolvedRollout): Record<string, unknown> | undefined {
  const { action, seconds } = rollout.preStop;
  switch (action) {
    case 'sleep':
      return { preStop: { sleep: { seconds } } };
    case 'exec':
      return { preStop: { exec: { command: ['sleep', String(seconds)] } } };
    default:
      // 'app': the process delays its own shutdown; 'none': nothing routes traffic to the pod.
      return undefined;
  }
}

/** Spring Boot's graceful shutdown, with its phase timeout equal to the drain the grace period covers. */
export function springShutdownEnv(rollout: ResolvedRollout): Record<string, string> {
  return { SERVER_SHUTDOWN: 'graceful', SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE: `${rollout.drainSeconds}s` };
}

/** Annotations recording the rollout on the workload, for reviewers and for `validate`. */
export function rolloutAnnotations(rollout: ResolvedRollout): Record<string, string> {
  const out: Record<string, string> = {
    [ROLLOUT_ANNOTATIONS.strategy]: rollout.strategy,
    [ROLLOUT_ANNOTATIONS.drainSeconds]: String(rollout.drainSeconds),
  };
  if (rollout.preStop.action === 'app') out[ROLLOUT_ANNOTATIONS.shutdownDelaySeconds] = String(rollout.preStop.seconds);
  return out;
}
