/**
 * The rollout feature: given the app's base objects, apply its strategy.
 * Rolling keeps the Deployment; in-place gives the pods to a CloneSet built
 * from the same pod; batches add a Kruise Rollout over whichever of the two
 * owns the pods; an autoscaler scales the owner. Its pod change is the preStop
 * hold, and its policy rules are the rollout safety rules (`policy.ts`).
 */
import { ApiObject } from 'cdk8s';
import type { Feature, PodChange } from '../workload/feature.ts';
import type { Microservice } from '../workload/microservice.ts';
import { renderBatches } from './batches.ts';
import { CloneSet, cloneSetRef } from './cloneset.ts';
import type { WorkloadRef } from './kruise.ts';
import { preStopLifecycle, rolloutAnnotations } from './lossless.ts';
import { ROLLOUT_RULES } from './policy.ts';
import { renderAutoscaler } from './autoscaler.ts';

/** Builds the rollout objects of `service`'s app; returns the preStop hold, when its pods need one. */
export function renderRollout(service: Microservice): PodChange | undefined {
  const app = service.app;
  if (app.kind === 'cronjob') return undefined;
  const annotations = rolloutAnnotations(app.rollout);
  let ref: WorkloadRef;
  if (service.deployment) {
    const source = ApiObject.of(service.deployment);
    for (const [key, value] of Object.entries(annotations)) source.metadata.addAnnotation(key, value);
    ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: app.name };
  } else {
    const metadata = service.workloadMetadata();
    Object.assign(metadata.annotations, annotations);
    new CloneSet(service, 'CloneSet', { ...service.podProps, metadata, app });
    ref = cloneSetRef(app);
  }
  if (app.rollout.strategy === 'batches') renderBatches(service, app, ref, service.metadataFor(app.name));
  renderAutoscaler(service, app, ref, service.metadataFor(app.name));
  const lifecycle = preStopLifecycle(app.rollout);
  if (!lifecycle) return undefined;
  return (template) => {
    template.spec.containers[0]!.lifecycle = lifecycle;
  };
}

/** The rollout feature, for the feature list. */
export const rolloutFeature: Feature = {
  name: 'rollout',
  build: ({ service }) => renderRollout(service),
  rules: ROLLOUT_RULES,
};
