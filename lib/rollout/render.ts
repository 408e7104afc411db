/**
 * The rollout switch of the `Microservice` construct: given the Deployment it built,
 * apply the app's strategy. Rolling keeps the Deployment; in-place swaps it for a
 * CloneSet; batches add a Kruise Rollout over whichever of the two owns the pods.
 * The preStop hold is set on the rendered pod template, whatever owns it
 * (`finishPodTemplate` in `lib/workload/microservice.ts`).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { kplus } from '../cdk8s/k8s.ts';
import { renderBatches } from './batches.ts';
import { cloneSetRef, renderCloneSet } from './cloneset.ts';
import type { WorkloadRef } from './kruise.ts';
import { rolloutAnnotations } from './lossless.ts';
import { takeOverDeployment } from './workload.ts';

/** The object owning the app's pods after the rollout is applied. */
export interface RolloutOwner {
  /** The cdk8s-plus Deployment when it was kept, else the object that replaced it. */
  readonly object: kplus.Deployment | ApiObject;
  /** Reference for an autoscaler or a Rollout. */
  readonly ref: WorkloadRef;
}

/** Applies `app`'s rollout to `deployment`; returns what now owns the pods. */
export function renderRollout(
  scope: Construct,
  deployment: kplus.Deployment,
  app: ResolvedApp,
  metadata: { name: string; annotations: Record<string, string> },
): RolloutOwner {
  const rollout = app.rollout;
  const source = ApiObject.of(deployment);
  for (const [key, value] of Object.entries(rolloutAnnotations(rollout))) source.metadata.addAnnotation(key, value);
  let owner: RolloutOwner;
  if (rollout.workload === 'CloneSet') {
    owner = { object: renderCloneSet(scope, app, takeOverDeployment(scope, deployment)), ref: cloneSetRef(app) };
  } else {
    owner = { object: deployment, ref: deploymentRef(app) };
  }
  if (rollout.strategy === 'batches') renderBatches(scope, app, owner.ref, metadata);
  return owner;
}

function deploymentRef(app: ResolvedApp): WorkloadRef {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: app.name };
}
