/**
 * Risk of changes. Each change has a kind and may have facts that matter for
 * risk (scale to zero, a disruption budget, pods that get new IPs). The
 * platform's default level of each is escalated or lowered by the
 * environment's `approvals.risk`; nothing here knows an environment's name.
 */
import { RISKS, type EnvironmentSpec, type Risk, type RiskTrigger } from '../spec/environment.ts';
import type { ObjectChange } from './diff.ts';

/** The platform's default risk of each kind of change and fact, before the environment's `approvals.risk`. */
export const DEFAULT_RISK: Readonly<Record<RiskTrigger, Risk>> = {
  added: 'low',
  removed: 'medium',
  image: 'medium',
  config: 'medium',
  scale: 'low',
  resources: 'low',
  rollout: 'medium',
  other: 'low',
  'scale-to-zero': 'medium',
  'disruption-budget': 'medium',
  'pod-ip-change': 'medium',
};

/** What a change is for risk: its kind, plus the facts found in it. */
export function triggersOf(change: ObjectChange, recreatesPods: boolean): RiskTrigger[] {
  const out: RiskTrigger[] = [change.kind];
  if (change.kind === 'scale' && change.fields.some((f) => f.keys.join('.') === 'spec.replicas' && f.after === 0))
    out.push('scale-to-zero');
  const kind = (change.after ?? change.before)?.kind;
  // A new budget only limits disruptions (an app's first release brings one); changing or removing one does not.
  if (kind === 'PodDisruptionBudget' && change.kind !== 'added') out.push('disruption-budget');
  if (recreatesPods) out.push('pod-ip-change');
  return out;
}

/** Risk of a change with `triggers` in environment `env`: the highest level of any trigger. */
export function riskOf(triggers: readonly RiskTrigger[], env: EnvironmentSpec): Risk {
  return maxRisk(triggers.map((t) => env.approvals.risk?.[t] ?? DEFAULT_RISK[t]));
}

/** The highest of `levels`; `low` when there are none. */
export function maxRisk(levels: readonly Risk[]): Risk {
  return RISKS[Math.max(0, ...levels.map((l) => RISKS.indexOf(l)))]!;
}
