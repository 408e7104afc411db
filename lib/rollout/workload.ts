/**
 * What owns the pods, besides the cdk8s-plus Deployment. The `Microservice`
 * construct builds one pod template (probes, security, volumes) through
 * cdk8s-plus; a strategy that needs another owner (a CloneSet) takes the
 * rendered Deployment out of the tree and writes its own object instead. Every
 * owner is scaled by the same autoscaler.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { kplus } from '../cdk8s/k8s.ts';
import { PlainObject } from '../workload/plain.ts';
import { objectJson } from '../cdk8s/json.ts';
import type { WorkloadRef } from './kruise.ts';

/** The parts of a rendered Deployment a new owner of its pods reuses. */
export interface TakenOverDeployment {
  readonly metadata: { readonly annotations?: Record<string, string> };
  readonly spec: {
    readonly template: { readonly metadata?: { labels?: Record<string, string> }; readonly spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
    readonly [key: string]: unknown;
  };
}

/** Renders `deployment` to JSON, removes it from `scope`, and returns the JSON. */
export function takeOverDeployment(scope: Construct, deployment: kplus.Deployment): TakenOverDeployment {
  const rendered = objectJson(ApiObject.of(deployment)) as unknown as TakenOverDeployment;
  scope.node.tryRemoveChild(deployment.node.id);
  return rendered;
}

/**
 * A CPU autoscaler of the workload `target` of `app` (Deployment or CloneSet:
 * both have the scale subresource). Its behaviour is written out rather than
 * left to the cluster's defaults, so that every app scales alike whatever
 * owns its pods: up by at most 4 pods or 200% a minute, at once; down by at
 * most the fewest replicas per five minutes, after five minutes of lower load.
 */
export function renderAutoscaler(scope: Construct, app: ResolvedApp, target: WorkloadRef, metadata: { name: string; annotations: Record<string, string> }): void {
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
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.cpuUtilization } } }],
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
