/**
 * Staged batches with manual gates (分段管控): an OpenKruise Rollout
 * (`rollouts.kruise.io/v1beta1`) over the app's CloneSet, or over its Deployment
 * where the cluster runs no OpenKruise workloads. With `enableExtraWorkloadForCanary:
 * false` each batch moves the workload's own partition, so on a CloneSet every batch
 * is an in-place update.
 */
import type { Construct } from 'constructs';
import { PlainObject } from '../workload/plain.ts';
import type { BatchStep } from '../spec/app.ts';
import type { ResolvedApp } from '../spec/resolve.ts';
import { KRUISE_ROLLOUT_API_VERSION, type KruiseRollout, type KruiseRolloutStep, type WorkloadRef } from './kruise.ts';

/**
 * Kruise steps of `batches`. A step without a pause duration waits for
 * `kubectl-kruise rollout approve`, so a step that should go on by itself gets
 * `duration: 0`; the last step ends the release and has no pause.
 */
export function kruiseSteps(batches: readonly BatchStep[]): KruiseRolloutStep[] {
  return batches.map((b, i) => {
    const replicas = `${b.percent}%` as const;
    if (i === batches.length - 1) return { replicas };
    if (b.manual) return { replicas, pause: {} };
    return { replicas, pause: { duration: b.pauseSeconds ?? 0 } };
  });
}

/** Renders the Rollout that releases `workload` of `app` in its batches. */
export function renderBatches(
  scope: Construct,
  app: ResolvedApp,
  workload: WorkloadRef,
  metadata: { name: string; annotations: Record<string, string> },
): PlainObject {
  const rollout: KruiseRollout = {
    apiVersion: KRUISE_ROLLOUT_API_VERSION,
    kind: 'Rollout',
    metadata,
    spec: {
      workloadRef: workload,
      strategy: { canary: { enableExtraWorkloadForCanary: false, steps: kruiseSteps(app.rollout.batches) } },
    },
  };
  return new PlainObject(scope, 'Rollout', rollout);
}
