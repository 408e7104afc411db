/**
 * The rollout plan of an app's change: for each workload, whether its pods
 * are replaced, how (strategy and its parameters), whether a CloneSet update
 * keeps pods (and their IPs) in place, and the batches and gates of a Kruise
 * or Argo `Rollout` driving it. Read generically from the rendered objects.
 */
import { objectId } from '../kube/order.ts';
import type { KubeObject } from '../kube/object.ts';
import { inPlaceVerdict } from '../rollout/inplace.ts';
import { cmp } from '../util/compare.ts';
import { LABELS } from '../workload/labels.ts';
import { diffFields } from './diff.ts';

/** One batch or gate of a progressive rollout. */
export interface RolloutStep {
  /** What the step does: `2 pods`, `20% traffic`, `manual gate`, `wait 600s`, `analysis`. */
  readonly text: string;
  /** True when the step waits for a person to resume the rollout. */
  readonly manualGate: boolean;
  /**
   * At a manual gate of an app's rollout: the command whose verdict decides whether to resume (exit 0 pass, 1 fail, 2
   * inconclusive).
   */
  readonly check?: string;
}

/** How one workload of an app rolls out in one environment. */
export interface RolloutPlan {
  /** `apiVersion/kind/namespace/name` of the workload. */
  readonly object: string;
  /** Workload kind (`Deployment`, `CloneSet`, `CronJob`, `Rollout`…). */
  readonly workload: string;
  /** `created`, `deleted`, `replaced` (pod template changed) or `unchanged` (pods stay). */
  readonly pods: 'created' | 'deleted' | 'replaced' | 'unchanged';
  /** The update strategy with its parameters, in words. */
  readonly strategy: string;
  /** CloneSet only: true when the update keeps every pod and its IP; false when pods are recreated with new IPs. */
  readonly inPlace?: boolean;
  /** CloneSet only: template fields whose change forces recreation. */
  readonly recreatedBy?: readonly string[];
  /** `apiVersion/kind/namespace/name` of the Kruise or Argo `Rollout` driving the update in steps. */
  readonly steppedBy?: string;
  /** Batches and gates, in order; empty when the workload updates in one go. */
  readonly steps: readonly RolloutStep[];
}

/** Plans of every workload among an app's objects at base and head, sorted by object. */
export function rolloutPlans(before: readonly KubeObject[], after: readonly KubeObject[]): RolloutPlan[] {
  const old = new Map(before.filter(isWorkload).map((o) => [key(o), o]));
  const now = new Map(after.filter(isWorkload).map((o) => [key(o), o]));
  const plans: RolloutPlan[] = [];
  for (const [k, b] of old)
    if (!now.has(k))
      plans.push({ object: objectId(b), workload: b.kind, pods: 'deleted', strategy: strategyOf(b), steps: [] });
  for (const [k, a] of now) {
    const b = old.get(k);
    const stepper = after.find((o) => drives(o, a));
    const steps = stepper ? stepsOf(stepper) : argoSteps(a);
    const base = {
      object: objectId(a),
      workload: a.kind,
      strategy: strategyOf(a),
      steps,
      ...(stepper ? { steppedBy: objectId(stepper) } : {}),
    };
    if (!b) {
      plans.push({ ...base, pods: 'created' });
      continue;
    }
    const replaced = diffFields(templateOf(b), templateOf(a)).length > 0;
    if (a.kind === 'CloneSet' && a.apiVersion.startsWith('apps.kruise.io/') && replaced) {
      const type = str(get(a, 'spec.updateStrategy.type')) ?? 'ReCreate';
      const verdict = inPlaceVerdict(b, a);
      const inPlace = type !== 'ReCreate' && verdict.inPlace;
      const recreatedBy = type === 'ReCreate' ? ['spec.updateStrategy.type'] : verdict.recreatedBy;
      plans.push({ ...base, pods: 'replaced', inPlace, recreatedBy });
      continue;
    }
    plans.push({ ...base, pods: replaced ? 'replaced' : 'unchanged' });
  }
  return plans.sort((x, y) => cmp(x.object, y.object));
}

/** One line describing a plan, for people. */
export function describePlan(plan: RolloutPlan): string {
  const name = plan.object.split('/').slice(-1)[0];
  const what = `${plan.workload} ${name}`;
  switch (plan.pods) {
    case 'deleted':
      return `${what}: removed, its pods are deleted`;
    case 'created':
      return `${what}: new, pods are created (${plan.strategy})`;
    case 'unchanged':
      return `${what}: pod template unchanged, pods are not replaced`;
    case 'replaced': {
      const ip =
        plan.inPlace === true
          ? '; updated in place: pods and their IPs are kept'
          : plan.inPlace === false
            ? `; pods are recreated and get new IPs (because of ${plan.recreatedBy?.slice(0, 3).join(', ')}${(plan.recreatedBy?.length ?? 0) > 3 ? ', …' : ''})`
            : '';
      const steps =
        plan.steps.length > 0
          ? `; in ${plan.steps.length} steps: ${plan.steps.map((s, i) => `${i + 1}) ${s.text}`).join(', ')}`
          : '';
      return `${what}: pods are replaced by ${plan.strategy}${ip}${steps}`;
    }
  }
}

/** Whether the object is a workload: something with a pod template. */
function isWorkload(o: KubeObject): boolean {
  return templateOf(o) !== undefined;
}

function templateOf(o: KubeObject): unknown {
  return get(o, 'spec.template') ?? get(o, 'spec.jobTemplate.spec.template');
}

function key(o: KubeObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The update strategy of a workload, in words. */
function strategyOf(o: KubeObject): string {
  const spec = (o as { spec?: Record<string, unknown> }).spec ?? {};
  const minReady =
    typeof spec.minReadySeconds === 'number' && spec.minReadySeconds > 0
      ? `, ready ${spec.minReadySeconds}s before counted available`
      : '';
  switch (o.kind) {
    case 'Deployment': {
      const type = str(get(o, 'spec.strategy.type')) ?? 'RollingUpdate';
      if (type === 'Recreate') return 'recreate (all old pods stop before new ones start)';
      const surge = str(get(o, 'spec.strategy.rollingUpdate.maxSurge')) ?? '25%';
      const unavailable = str(get(o, 'spec.strategy.rollingUpdate.maxUnavailable')) ?? '25%';
      return `rolling update (maxSurge ${surge}, maxUnavailable ${unavailable}${minReady})`;
    }
    case 'CloneSet': {
      const type = str(get(o, 'spec.updateStrategy.type')) ?? 'ReCreate';
      const parts = [
        `partition ${str(get(o, 'spec.updateStrategy.partition')) ?? '0'}`,
        `maxUnavailable ${str(get(o, 'spec.updateStrategy.maxUnavailable')) ?? '20%'}`,
        `maxSurge ${str(get(o, 'spec.updateStrategy.maxSurge')) ?? '0'}`,
      ];
      if (get(o, 'spec.updateStrategy.paused') === true) parts.push('paused');
      return `CloneSet ${type} (${parts.join(', ')}${minReady})`;
    }
    case 'StatefulSet':
    case 'DaemonSet': {
      const type = str(get(o, 'spec.updateStrategy.type')) ?? 'RollingUpdate';
      const partition = str(get(o, 'spec.updateStrategy.rollingUpdate.partition'));
      return type === 'OnDelete'
        ? 'on delete (pods change only when deleted by hand)'
        : `rolling update${partition ? ` (partition ${partition})` : ''}`;
    }
    case 'CronJob':
      return 'the next scheduled run (running jobs finish on the old template)';
    case 'Rollout': {
      if (get(o, 'spec.strategy.blueGreen') !== undefined) {
        return get(o, 'spec.strategy.blueGreen.autoPromotionEnabled') === false
          ? 'blue-green, promoted by hand'
          : 'blue-green';
      }
      return 'canary';
    }
    default:
      return 'its controller';
  }
}

/** Whether `o` is a Kruise or Argo `Rollout` that drives the workload `w` through `workloadRef`. */
function drives(o: KubeObject, w: KubeObject): boolean {
  if (o.kind !== 'Rollout' || o === w) return false;
  if (!o.apiVersion.startsWith('rollouts.kruise.io/') && !o.apiVersion.startsWith('argoproj.io/')) return false;
  if ((o.metadata.namespace ?? '') !== (w.metadata.namespace ?? '')) return false;
  const ref = (get(o, 'spec.workloadRef') ?? get(o, 'spec.objectRef.workloadRef')) as
    | { kind?: string; name?: string }
    | undefined;
  return ref?.kind === w.kind && ref.name === w.metadata.name;
}

/** Steps of an Argo Rollout that carries its own pod template. */
function argoSteps(o: KubeObject): RolloutStep[] {
  return o.kind === 'Rollout' && o.apiVersion.startsWith('argoproj.io/') ? stepsOf(o) : [];
}

/** Steps of a Kruise or Argo Rollout, in words. */
function stepsOf(rollout: KubeObject): RolloutStep[] {
  const raw = get(rollout, 'spec.strategy.canary.steps') ?? get(rollout, 'spec.strategy.blueGreen.steps');
  const steps = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : [];
  const kruise = rollout.apiVersion.startsWith('rollouts.kruise.io/');
  const labels = rollout.metadata.labels ?? {};
  const env = labels[LABELS.environment];
  const app = labels[LABELS.name];
  const check = env && app ? `npm run -s verify -- --env ${env} --app ${app}` : undefined;
  const out: RolloutStep[] = [];
  steps.forEach((step, i) => {
    const parts: string[] = [];
    if (step.replicas !== undefined) {
      const n = String(step.replicas);
      parts.push(`${n}${n.endsWith('%') ? ' of pods' : n === '1' ? ' pod' : ' pods'}`);
    }
    const traffic = step.traffic ?? step.weight ?? step.setWeight;
    if (traffic !== undefined) parts.push(`${String(traffic).replace(/%$/, '')}% traffic`);
    if (step.setCanaryScale !== undefined) parts.push(`canary scale ${JSON.stringify(step.setCanaryScale)}`);
    if (step.analysis !== undefined) parts.push('analysis');
    if (step.experiment !== undefined) parts.push('experiment');
    const pause = step.pause as { duration?: unknown } | undefined;
    // A Kruise batch without a pause duration waits for confirmation, except the last one, which ends the rollout.
    const waits = pause !== undefined || (kruise && i < steps.length - 1);
    const duration = pause?.duration;
    const manualGate = waits && duration === undefined;
    if (waits)
      parts.push(
        manualGate
          ? `manual gate${check ? ` (decide with ${check})` : ''}`
          : `wait ${typeof duration === 'number' ? `${duration}s` : String(duration)}`,
      );
    const known = new Set([
      'replicas',
      'traffic',
      'weight',
      'setWeight',
      'setCanaryScale',
      'analysis',
      'experiment',
      'pause',
      'matches',
      'requestHeaderModifier',
    ]);
    for (const k of Object.keys(step).sort(cmp)) if (!known.has(k)) parts.push(k);
    out.push({ text: parts.join(', ') || 'step', manualGate, ...(manualGate && check ? { check } : {}) });
  });
  return out;
}

function get(o: unknown, path: string): unknown {
  let at: unknown = o;
  for (const k of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[k];
  }
  return at;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}
