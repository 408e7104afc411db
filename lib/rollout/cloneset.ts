/**
 * In-place upgrade: the app's pods as an OpenKruise CloneSet, which swaps container
 * images inside the running pod and so keeps its IP (partners allowlist it).
 *
 * The pod template is the app's one pod (`Microservice.podProps`: same probes,
 * security, and after synthesis the same pod changes, preStop hold included), with
 * the `InPlaceUpdateReady` readiness gate added so the pod leaves the endpoints
 * before its image is swapped.
 */
import { Lazy } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResolvedApp } from '../spec/resolve.ts';
import type { ResolvedRollout } from '../spec/rollout.ts';
import { kplus, podSpecJson } from '../cdk8s/k8s.ts';
import { PlainObject } from '../workload/plain.ts';
import { selectorLabels } from '../workload/labels.ts';
import {
  CLONESET_API_VERSION,
  IN_PLACE_UPDATE_READY,
  type CloneSetSpec,
  type CloneSetUpdateStrategy,
  type WorkloadRef,
} from './kruise.ts';

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

/** Properties of `CloneSet`: the pod, as for any cdk8s-plus workload, and the app it runs. */
export interface CloneSetProps extends kplus.WorkloadProps {
  /** The app, resolved for one environment: its replicas, selector and rollout. */
  readonly app: ResolvedApp;
}

/**
 * The app's pods as an OpenKruise CloneSet, built like cdk8s-plus builds a
 * Deployment: the pod props (containers, volumes, security) become the pod
 * template through cdk8s-plus' own pod spec, and the `InPlaceUpdateReady`
 * readiness gate is added to it. The other features change that template
 * after synthesis, as they change a Deployment's.
 */
export class CloneSet extends kplus.Workload {
  /** The API resource, for RBAC. */
  public readonly resourceType = 'clonesets';
  /** The app whose pods this CloneSet owns. */
  public readonly app: ResolvedApp;
  protected readonly apiObject: PlainObject;

  constructor(scope: Construct, id: string, props: CloneSetProps) {
    super(scope, id, props);
    this.app = props.app;
    // A plain object whose spec is produced when it is written: after every construct has added to the pod.
    this.apiObject = new PlainObject(this, 'Resource', {
      apiVersion: CLONESET_API_VERSION,
      kind: 'CloneSet',
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.spec() }),
    });
  }

  /** The CloneSet's spec, as Kubernetes JSON. */
  private spec(): CloneSetSpec {
    const app = this.app;
    const pod = podSpecJson(this);
    const gates = (pod.readinessGates as { conditionType: string }[] | undefined) ?? [];
    return {
      // An autoscaler owns the count when there is one.
      ...(app.autoscaling ? {} : { replicas: app.replicas }),
      selector: { matchLabels: selectorLabels(app) },
      template: {
        metadata: this.podMetadata.toJson() as { labels?: Record<string, string> },
        spec: { ...pod, readinessGates: [...gates, { conditionType: IN_PLACE_UPDATE_READY }] },
      },
      updateStrategy: cloneSetUpdateStrategy(app.rollout),
      minReadySeconds: app.rollout.minReadySeconds,
      revisionHistoryLimit: 10,
    };
  }
}

/** Reference to the CloneSet of `app`, for a Rollout or an autoscaler. */
export function cloneSetRef(app: ResolvedApp): WorkloadRef {
  return { apiVersion: CLONESET_API_VERSION, kind: 'CloneSet', name: app.name };
}
