/**
 * The autoscaler of whatever owns the app's pods (the Deployment, or the
 * CloneSet of an in-place app): every owner is scaled alike.
 */
import type { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PlainObject } from '../workload/plain.ts';
import type { WorkloadRef } from './kruise.ts';

/**
 * A CPU autoscaler of the workload `target` of `app` (Deployment or CloneSet:
 * both have the scale subresource). Its behaviour is written out rather than
 * left to the cluster's defaults, so that every app scales alike whatever
 * owns its pods: up by at most 4 pods or 200% a minute, at once; down by at
 * most the fewest replicas per five minutes, after five minutes of lower load.
 */
export function renderAutoscaler(
  scope: Construct,
  app: ResolvedApp,
  target: WorkloadRef,
  metadata: { name: string; annotations: Record<string, string> },
): void {
  const autoscaling = app.autoscaling;
  if (!autoscaling) return;
  new PlainObject(scope, 'HorizontalPodAutoscaler', {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: target,
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.cpuUtilization } },
        },
      ],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 60 },
            { type: 'Percent', value: 200, periodSeconds: 60 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Max',
          policies: [{ type: 'Pods', value: autoscaling.minReplicas, periodSeconds: 300 }],
        },
      },
    },
  } satisfies IHorizontalPodAutoscaler);
}
