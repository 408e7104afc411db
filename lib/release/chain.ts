/**
 * The chain rule of a release order: one pull request, one step of the
 * promotion chain. A pull request that changes the manifests of an
 * environment and of its upstream (`promotion.from`) at once skips the
 * upstream's soak, freeze and proof: the release order refuses it.
 *
 * - An environment released with another (dr with prod) shares its
 *   partner's step: the two change together, and its upstream is its
 *   partner's upstream.
 * - Not a change of an environment: an app's first entry into the chain's
 *   entry (its manifests added in the environment without `from`), and an
 *   app whose pin in the environment comes from one of its
 *   `promotion.hotfixFrom` (a step the hotfix path allows). A partner's pin
 *   that follows such a hotfix is exempt with it.
 * - Policy edits (`environment.ts` text) change no manifest and do not count.
 *
 * Only a `Chain-Override: <reason>` commit trailer between base and head
 * lets such a pull request through: the violations stay listed, the
 * override is recorded, and the approval check then needs the approvals of
 * every environment the order touches. A review's `Release-Override` does
 * not lift it.
 */
import type { EnvironmentSpec } from '../spec/environment.ts';
import { cmp } from '../util/compare.ts';
import { trailersBetween, type GuardViolation } from './guard.ts';
import type { PinChangeAt } from './pins.ts';

/** Key of the commit trailer that lets a pull request change several steps of the chain. */
export const CHAIN_OVERRIDE_TRAILER = 'Chain-Override';

/** One app whose manifests change in an environment. */
export interface ChainApp {
  /** The app, or the path of a platform file in the environment (`platform/logging.yaml`). */
  readonly app: string;
  /** True when the app has no objects in the environment at base: its first entry there. */
  readonly added: boolean;
}

/** What the chain rule decides from. */
export interface ChainInput {
  /** Every environment's policy at base, in promotion order. */
  readonly policies: readonly EnvironmentSpec[];
  /** Per environment, the apps whose manifests change (policy edits left out). */
  readonly apps: ReadonlyMap<string, readonly ChainApp[]>;
  /** The pins that change, with where the gates proved each comes from. */
  readonly pins: readonly PinChangeAt[];
}

/** An environment whose manifests change in the same pull request as its upstream's. */
export interface ChainViolation {
  readonly env: string;
  /** The environment it takes its versions from (for a partner, its partner's upstream). */
  readonly upstream: string;
  /** Apps whose manifests change in `env` or in `upstream`, sorted, exemptions left out. */
  readonly apps: readonly string[];
}

/** A `Chain-Override:` commit trailer between base and head. */
export interface ChainOverride {
  /** The trailer's text. */
  readonly reason: string;
  /** Full SHA of the commit carrying it. */
  readonly commit: string;
  /** Author of that commit. */
  readonly author: string;
}

/** The chain rule's verdict on a release order. */
export interface ChainVerdict {
  /**
   * True when no violation is found, or when a `Chain-Override` trailer covers them; false when
   * the order is refused by the rule.
   */
  readonly ok: boolean;
  /** Every violation, also under an override. */
  readonly violations: readonly ChainViolation[];
  /** The override in force, when a commit between base and head carries the trailer. */
  readonly override?: ChainOverride;
}

/** Every violation of the chain rule, in promotion order of the environment, then of the upstream. */
export function checkChain(input: ChainInput): ChainViolation[] {
  const byName = new Map(input.policies.map((p) => [p.name as string, p]));
  const leader = (env: string): EnvironmentSpec | undefined => {
    const p = byName.get(env);
    const partner = p?.promotion.releasedWith;
    return partner !== undefined && byName.has(partner) ? byName.get(partner) : p;
  };
  const pinOf = new Map(input.pins.map((p) => [`${p.env}\0${p.app}`, p]));
  const hotfix = (env: string, app: string): boolean => {
    const pin = pinOf.get(`${env}\0${app}`);
    const from = (byName.get(env)?.promotion.hotfixFrom ?? []) as readonly string[];
    return pin?.source !== undefined && from.includes(pin.source);
  };
  const counted = new Map<string, string[]>();
  for (const p of input.policies) {
    const env = p.name as string;
    const entry = leader(env)?.promotion.from === undefined;
    const partner = p.promotion.releasedWith;
    const apps = (input.apps.get(env) ?? []).filter(
      (a) =>
        !(entry && a.added) &&
        !hotfix(env, a.app) &&
        // A partner's pin taken from its partner follows the partner's step: exempt when that step is a hotfix.
        !(partner !== undefined && pinOf.get(`${env}\0${a.app}`)?.source === partner && hotfix(partner, a.app)),
    );
    if (apps.length > 0)
      counted.set(
        env,
        apps.map((a) => a.app),
      );
  }
  const out: ChainViolation[] = [];
  for (const p of input.policies) {
    const env = p.name as string;
    const mine = counted.get(env);
    const from = leader(env)?.promotion.from as string | undefined;
    if (!mine || from === undefined) continue;
    // The upstream's step: the upstream and every environment released with it.
    const step = input.policies.filter((u) => u.name === from || u.promotion.releasedWith === from);
    for (const u of step) {
      const theirs = counted.get(u.name as string);
      if (!theirs) continue;
      const apps = [...new Set([...mine, ...theirs])].sort(cmp);
      out.push({ env, upstream: u.name as string, apps });
    }
  }
  return out;
}

/** The verdict: `ok` when nothing is violated or an override covers it. */
export function chainVerdict(violations: readonly ChainViolation[], override?: ChainOverride): ChainVerdict {
  return { ok: violations.length === 0 || override !== undefined, violations, ...(override ? { override } : {}) };
}

/**
 * The refusals of the release guards for the violations (rule `chain`, which no approver's override
 * lifts); none under a `Chain-Override` trailer.
 */
export function chainRefusals(verdict: ChainVerdict): GuardViolation[] {
  if (verdict.override) return [];
  return verdict.violations.map((v) => ({
    env: v.env,
    rule: 'chain',
    message: `${v.env} and its upstream ${v.upstream} both change in this pull request (${shownApps(v.apps)}); one pull request, one step of the chain`,
    objects: [`manifests/${v.upstream}/`, `manifests/${v.env}/`],
    overridable: false,
  }));
}

/** Most apps a message names; the JSON's `chain.violations[].apps` lists them all. */
const SHOWN_APPS = 6;

/** The apps of a violation for a message: all of them, or the first few and how many more. */
export function shownApps(apps: readonly string[]): string {
  if (apps.length <= SHOWN_APPS) return apps.join(', ');
  return `${apps.slice(0, SHOWN_APPS - 1).join(', ')} +${apps.length - SHOWN_APPS + 1} more`;
}

/** How to fix a pull request the chain rule refuses, in one paragraph (Markdown code spans, readable as text). */
export const CHAIN_FIX =
  'Split the pull request: change the upstream environment first, then promote one step at a time after it merges ' +
  '(`npm run -s promote -- <app> --to <env>`); put a platform change behind a platform feature that is on only in ' +
  `the chain's entry; or, when the change must skip the chain, add a commit trailer \`${CHAIN_OVERRIDE_TRAILER}: <reason>\` ` +
  '(then every environment the pull request touches needs its own approvals, and audit flags the release).';

/**
 * The `Chain-Override:` trailer of the commits in `head` but not in `base`: the newest commit's, its first
 * trailer; undefined when none carries one.
 */
export function findChainOverride(root: string, base: string, head: string): ChainOverride | undefined {
  const trailers = trailersBetween(root, base, head, CHAIN_OVERRIDE_TRAILER);
  const newest = trailers[trailers.length - 1]?.commit;
  const first = trailers.find((t) => t.commit === newest);
  return first && { reason: first.text, commit: first.commit, author: first.author };
}
