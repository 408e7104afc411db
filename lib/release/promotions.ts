/**
 * The next step along the promotion chain after a merge: each app whose release changed in an
 * environment is proposed for the environment promoted from it. A release changed where the order
 * brings a new image (or a new app), where it moves an app's pin (its image or its spec), and, in the
 * chain's entry, wherever an app's spec edit changed what it runs. An environment released with
 * another (`dr` with `prod`) is not a step of its own: promoting into its partner takes it along.
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
  const entry = environments.find((e) => e.promotion.from === undefined && e.promotion.releasedWith === undefined);
  const pinned = new Set(
    order.pins.filter((p) => p.after !== null && p.after !== undefined).map((p) => `${p.env}/${p.app}`),
  );
  const apps = new Set(order.pins.map((p) => p.app));
  const released = (change: OrderView['changes'][number]): boolean =>
    NEW_VERSION.has(change.kind) ||
    pinned.has(`${change.env}/${change.app}`) ||
    // A spec edit reaches the entry alone: every change of an app there except its removal is a new release.
    (change.env === entry?.name && change.kind !== 'removed' && isApp(change.app, apps));
  const out = new Map<string, PlannedPromotion>();
  const propose = (app: string, env: string): void => {
    for (const next of environments) {
      if (next.promotion.from !== env || next.promotion.releasedWith !== undefined) continue;
      out.set(`${next.name}/${app}`, { app, from: env, to: next.name });
    }
  };
  for (const change of order.changes) if (released(change)) propose(change.app, change.env);
  for (const key of pinned) {
    const [env, app] = key.split('/') as [string, string];
    propose(app, env);
  }
  const rank = new Map(environments.map((e, i) => [e.name as string, i]));
  return [...out.values()].sort((a, b) => (rank.get(a.to) ?? 0) - (rank.get(b.to) ?? 0) || cmp(a.app, b.app));
}

/**
 * Whether a change's `app` names an app (not an environment's policy or platform file): a pinned app,
 * or a name as app files are named.
 */
function isApp(app: string, pinned: ReadonlySet<string>): boolean {
  return pinned.has(app) || (app !== 'policy' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(app));
}
