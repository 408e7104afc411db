/**
 * Taking the pods over from the cdk8s-plus Deployment. The `Microservice` construct
 * builds one pod template (probes, security, volumes) through cdk8s-plus; a strategy
 * that needs another owner (a CloneSet), or a field the construct library's
 * Kubernetes version cannot express (the native `sleep` preStop action of 1.30+),
 * takes the rendered Deployment out of the tree and writes its own object instead.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { kplus } from '../workload/k8s.ts';
import { PlainObject } from '../workload/plain.ts';
import { objectJson } from '../workload/json.ts';
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

/** Writes the Deployment of `app` as a plain object from taken-over JSON. */
export function renderPlainDeployment(scope: Construct, app: ResolvedApp, taken: TakenOverDeployment): PlainObject {
  const { replicas: _replicas, ...spec } = taken.spec;
  return new PlainObject(scope, 'Deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.name, annotations: taken.metadata.annotations },
    // An autoscaler owns the count when there is one (cdk8s-plus would otherwise default it).
    spec: { ...spec, ...(app.autoscaling ? {} : { replicas: app.replicas }) },
  });
}

/** A CPU autoscaler of the workload `target` of `app` (Deployment or CloneSet: both have the scale subresource). */
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
    },
  } satisfies IHorizontalPodAutoscaler);
}
