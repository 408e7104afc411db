/**
 * In-place upgrade: the app's pods as an OpenKruise CloneSet, which swaps container
 * images inside the running pod and so keeps its IP (partners allowlist it).
 *
 * The pod template is the one the Deployment path renders (same probes, security,
 * preStop hold), with the `InPlaceUpdateReady` readiness gate added so the pod leaves
 * the endpoints before its image is swapped (see `workload.ts`).
 */
import type { Construct } from 'constructs';
import { PlainObject } from '../workload/plain.ts';
import type { ResolvedApp } from '../spec/resolve.ts';
import { selectorLabels } from '../workload/labels.ts';
import { CLONESET_API_VERSION, IN_PLACE_UPDATE_READY, type CloneSet, type CloneSetSpec, type CloneSetUpdateStrategy, type WorkloadRef } from './kruise.ts';
import type { ResolvedRollout } from '../spec/rollout.ts';
import type { TakenOverDeployment } from './workload.ts';

/** Pods an in-place update takes out of service at once: an in-place update always makes its pod unavailable. */
export const IN_PLACE_MAX_UNAVAILABLE = 1;

/**
 * The CloneSet update strategy. `InPlaceOnly` for a fixed-IP app (a change that cannot
 * be applied in place is refused rather than recreating pods), `InPlaceIfPossible`
 * otherwise. A fixed-IP app never surges: surge pods come with new IPs. Under staged
 * batches the partition is left to the batch controller.
 */
export function cloneSetUpdateStrategy(rollout: ResolvedRollout): CloneSetUpdateStrategy {
  const hold = rollout.preStop.seconds;
  return {
    type: rollout.fixedIp ? 'InPlaceOnly' : 'InPlaceIfPossible',
    ...(rollout.strategy === 'batches' ? {} : { partition: 0 }),
    maxUnavailable: IN_PLACE_MAX_UNAVAILABLE,
    maxSurge: rollout.fixedIp ? 0 : `${rollout.maxSurgePercent}%`,
    ...(hold > 0 ? { inPlaceUpdateStrategy: { gracePeriodSeconds: hold } } : {}),
  };
}

/** Writes the CloneSet of `app` from the pod template of the taken-over Deployment, with the `InPlaceUpdateReady` gate. */
export function renderCloneSet(scope: Construct, app: ResolvedApp, taken: TakenOverDeployment): PlainObject {
  const template = taken.spec.template;
  const gates = (template.spec.readinessGates as { conditionType: string }[] | undefined) ?? [];
  const spec: CloneSetSpec = {
    // An autoscaler owns the count when there is one.
    ...(app.autoscaling ? {} : { replicas: app.replicas }),
    selector: { matchLabels: selectorLabels(app) },
    template: { ...template, spec: { ...template.spec, readinessGates: [...gates, { conditionType: IN_PLACE_UPDATE_READY }] } },
    updateStrategy: cloneSetUpdateStrategy(app.rollout),
    minReadySeconds: app.rollout.minReadySeconds,
    revisionHistoryLimit: 10,
  };
  const cloneSet: CloneSet = {
    apiVersion: CLONESET_API_VERSION,
    kind: 'CloneSet',
    metadata: { name: app.name, annotations: taken.metadata.annotations },
    spec,
  };
  return new PlainObject(scope, 'CloneSet', cloneSet);
}

/** Reference to the CloneSet of `app`, for a Rollout or an autoscaler. */
export function cloneSetRef(app: ResolvedApp): WorkloadRef {
  return { apiVersion: CLONESET_API_VERSION, kind: 'CloneSet', name: app.name };
}
