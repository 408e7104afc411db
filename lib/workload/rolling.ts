/**
 * The workload's side of lossless rolling (see `lib/rollout/lossless.ts`): the
 * Deployment's update strategy and Spring Boot's graceful shutdown, both read
 * from the resolved rollout of the spec.
 */
import type { ResolvedRollout } from '../spec/rollout.ts';
import { kplus } from '../cdk8s/k8s.ts';

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

/** Spring Boot's graceful shutdown, with its phase timeout equal to the drain the grace period covers. */
export function springShutdownEnv(rollout: ResolvedRollout): Record<string, string> {
  return { SERVER_SHUTDOWN: 'graceful', SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE: `${rollout.drainSeconds}s` };
}
