/**
 * The next step along the promotion chain after a merge: each app whose
 * image changed in an environment is proposed for the environment promoted
 * from it. An environment released with another (`dr` with `prod`) is not a
 * step of its own: promoting into its partner takes it along.
 */
import type { EnvironmentSpec } from '../spec/environment.ts';
import { cmp } from '../util/compare.ts';
import type { OrderView } from './document.ts';

/** Kinds of change that bring a new version of an app into an environment. */
const NEW_VERSION = new Set(['image', 'added']);

/** One promotion to propose. */
export interface PlannedPromotion {
  readonly app: string;
  readonly from: string;
  readonly to: string;
}

/** The promotions that follow from a merged release order, sorted by target environment then app. */
export function nextPromotions(order: OrderView, environments: readonly EnvironmentSpec[]): PlannedPromotion[] {
  const out = new Map<string, PlannedPromotion>();
  for (const change of order.changes) {
    if (!NEW_VERSION.has(change.kind)) continue;
    for (const next of environments) {
      if (next.promotion.from !== change.env || next.promotion.releasedWith !== undefined) continue;
      out.set(`${next.name}/${change.app}`, { app: change.app, from: change.env, to: next.name });
    }
  }
  const rank = new Map(environments.map((e, i) => [e.name as string, i]));
  return [...out.values()].sort((a, b) => (rank.get(a.to) ?? 0) - (rank.get(b.to) ?? 0) || cmp(a.app, b.app));
}
