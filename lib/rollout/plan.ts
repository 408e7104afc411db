/**
 * The rollout plan read back from rendered objects: which strategy an app's manifest
 * file runs, over which workload, in which batches and with which gates. Used by the
 * rollout safety rules and by anything that explains a release (release orders).
 */
import { PLATFORM_PREFIX } from '../workload/labels.ts';
import type { RolloutStrategy } from '../spec/app.ts';
import { CLONESET_API_VERSION, KRUISE_ROLLOUT_API_VERSION } from './kruise.ts';

/** Annotation keys the platform writes on workloads. */
export const ROLLOUT_ANNOTATIONS = {
  /** The release strategy: `rolling`, `in-place` or `batches`. */
  strategy: `${PLATFORM_PREFIX}/rollout-strategy`,
  /** Seconds the app drains in-flight requests after SIGTERM. */
  drainSeconds: `${PLATFORM_PREFIX}/drain-seconds`,
  /** Seconds the app keeps serving after SIGTERM on its own (shell-less images, no preStop hook). */
  shutdownDelaySeconds: `${PLATFORM_PREFIX}/shutdown-delay-seconds`,
} as const;

/** A rendered object, as far as the plan reads it. */
export interface PlanObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly [key: string]: unknown;
}

/** One batch of a staged release, read from a Rollout. */
export interface PlannedBatch {
  /** Pods on the new version after the batch (`'10%'`, or a count). */
  readonly replicas: string | number;
  /** What happens after the batch: wait for a person, wait some seconds, or go on. */
  readonly then: 'confirm' | 'continue' | { readonly waitSeconds: number };
}

/** How one app's pods are replaced on its next release. */
export interface RolloutPlan {
  readonly strategy: RolloutStrategy;
  /** The object owning the pods. */
  readonly workload: PlanObject;
  /** Batches, for `batches`; empty otherwise. */
  readonly batches: readonly PlannedBatch[];
  /** Whether some batch waits for a person before the release goes on. */
  readonly manualGate: boolean;
}

const WORKLOADS = new Set(['apps/v1/Deployment', `${CLONESET_API_VERSION}/CloneSet`]);

/**
 * The parts of `objects` that `rolloutPlanOf` reads: workloads and Rollouts with
 * their identity, and a Rollout's target and steps. Rules that compare
 * environments keep only these, so what they hold per app stays small.
 */
export function planSkeleton(objects: readonly PlanObject[]): PlanObject[] {
  return objects
    .filter(
      (o) =>
        WORKLOADS.has(`${o.apiVersion}/${o.kind}`) ||
        (o.apiVersion === KRUISE_ROLLOUT_API_VERSION && o.kind === 'Rollout'),
    )
    .map((o) => {
      const metadata = {
        name: o.metadata.name,
        ...((o.metadata as { namespace?: string }).namespace !== undefined
          ? { namespace: (o.metadata as { namespace?: string }).namespace }
          : {}),
      };
      if (o.kind !== 'Rollout') return { apiVersion: o.apiVersion, kind: o.kind, metadata };
      const spec = o.spec as { workloadRef?: unknown; strategy?: { canary?: { steps?: unknown } } } | undefined;
      return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata,
        spec: { workloadRef: spec?.workloadRef, strategy: { canary: { steps: spec?.strategy?.canary?.steps } } },
      };
    });
}

/** The rollout plan of one app's objects; `undefined` when they hold no long-running workload (a CronJob). */
export function rolloutPlanOf(objects: readonly PlanObject[]): RolloutPlan | undefined {
  const rollout = objects.find((o) => o.apiVersion === KRUISE_ROLLOUT_API_VERSION && o.kind === 'Rollout');
  const ref = (rollout?.spec as { workloadRef?: { apiVersion?: string; kind?: string; name?: string } } | undefined)
    ?.workloadRef;
  const workload = ref
    ? objects.find((o) => o.apiVersion === ref.apiVersion && o.kind === ref.kind && o.metadata.name === ref.name)
    : objects.find((o) => WORKLOADS.has(`${o.apiVersion}/${o.kind}`));
  if (!workload) return undefined;
  if (rollout) {
    const steps = ((rollout.spec as { strategy?: { canary?: { steps?: unknown[] } } }).strategy?.canary?.steps ??
      []) as {
      replicas?: string | number;
      pause?: { duration?: number };
    }[];
    const batches = steps.map((s, i): PlannedBatch => {
      const last = i === steps.length - 1;
      const then: PlannedBatch['then'] = last
        ? 'continue'
        : s.pause?.duration === undefined
          ? 'confirm'
          : s.pause.duration === 0
            ? 'continue'
            : { waitSeconds: s.pause.duration };
      return { replicas: s.replicas ?? '100%', then };
    });
    return { strategy: 'batches', workload, batches, manualGate: batches.some((b) => b.then === 'confirm') };
  }
  const strategy: RolloutStrategy = workload.kind === 'CloneSet' ? 'in-place' : 'rolling';
  return { strategy, workload, batches: [], manualGate: false };
}
