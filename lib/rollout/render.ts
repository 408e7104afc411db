/**
 * The rollout switch of the `Microservice` construct: given the Deployment it built,
 * apply the app's strategy. Rolling keeps the Deployment; in-place swaps it for a
 * CloneSet; batches add a Kruise Rollout over whichever of the two owns the pods.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { kplus } from '../workload/k8s.ts';
import { renderBatches } from './batches.ts';
import { cloneSetRef, renderCloneSet } from './cloneset.ts';
import { applyLossless } from './lossless.ts';

/** Applies `app`'s rollout to `deployment`; returns the object that now owns the pods. */
export function renderRollout(
  scope: Construct,
  deployment: kplus.Deployment,
  app: ResolvedApp,
  metadata: { name: string; annotations: Record<string, string> },
): kplus.Deployment | ApiObject {
  applyLossless(ApiObject.of(deployment), app.rollout, '/spec/template');
  const owner = app.rollout.workload === 'CloneSet' ? renderCloneSet(scope, deployment, app) : deployment;
  if (app.rollout.strategy === 'batches') {
    const ref = owner === deployment ? { apiVersion: 'apps/v1', kind: 'Deployment', name: app.name } : cloneSetRef(app);
    renderBatches(scope, app, ref, metadata);
  }
  return owner;
}
