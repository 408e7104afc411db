/**
 * The deletion guard: a release order that deletes too much fails closed.
 * Refused, per environment: removing more than the environment's share of
 * its objects, removing a whole app where the environment forbids it,
 * removing a Namespace or a PersistentVolumeClaim, and an empty or broken
 * head render. Only an override lifts a refusal, and only one that can be
 * lifted: an approver of the environment grants it in an approving review of
 * the head commit whose text holds `Release-Override: <why>` (the approval
 * check, `github/approvals.ts`, counts it). A `Release-Override:` commit
 * trailer is a request, shown to reviewers; it lifts nothing.
 */
import { git } from '../git/git.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import type { ObjectChange } from './diff.ts';
import { repositoryPath } from './manifests.ts';
import { OVERRIDABLE_PIN_GATES, type PinGate } from './pins.ts';
import type { FeatureGate } from './features.ts';

/** Share of an environment's objects a release order may remove when the environment does not say. */
export const DEFAULT_MAX_REMOVED_SHARE = 0.25;

/** Key of an override: a commit trailer asking for one, or a line of an approving review granting it. */
export const OVERRIDE_TRAILER = 'Release-Override';

/** Rule ids of the deletion guard. */
export type DeletionRule =
  | 'removed-share'
  | 'app-removal'
  | 'namespace-removal'
  | 'volume-claim-removal'
  | 'empty-render'
  | 'broken-render';

/**
 * Rule ids of every refusal a release order can carry: the deletion guard's, the promotion gates' (pins and
 * flags) and the chain rule's (`chain`, lifted only by a `Chain-Override` commit trailer, see `chain.ts`).
 */
export type GuardRule = DeletionRule | PinGate | FeatureGate | 'new-environment' | 'chain';

/** Rules an override by approvers may lift; a broken or empty render, a freeze or an unproven artifact never. */
export const OVERRIDABLE_RULES: ReadonlySet<GuardRule> = new Set<GuardRule>([
  'removed-share',
  'app-removal',
  'namespace-removal',
  'volume-claim-removal',
  ...OVERRIDABLE_PIN_GATES,
]);

/** One reason the guard refuses the release order. */
export interface GuardViolation {
  /** Environment, or `*` for the whole head revision. */
  readonly env: string;
  readonly rule: GuardRule;
  readonly message: string;
  /** Objects (or files) concerned. */
  readonly objects: readonly string[];
  /** Whether an approver's override may lift it. */
  readonly overridable: boolean;
}

/** A `Release-Override:` trailer found between base and head: a request for an override, not one. */
export interface Override {
  /** The trailer's text: what is asked to be overridden and why. */
  readonly text: string;
  /** Full SHA of the commit carrying it. */
  readonly commit: string;
  /** Author of that commit. */
  readonly author: string;
}

/** What the guard sees of one environment. */
export interface GuardInput {
  readonly env: string;
  /** The environment's policy; undefined when the environment no longer exists at head. */
  readonly policy?: EnvironmentSpec;
  /** Changes in this environment. */
  readonly changes: readonly ObjectChange[];
  /** Apps whose file disappears from the environment. */
  readonly removedApps: readonly string[];
  /** Objects of the environment at base; called only when something is removed. */
  readonly baseObjects: () => number;
  /** True when the environment has objects at base and none at head. */
  readonly emptyAtHead: boolean;
  /** Files of the environment that do not parse at head, with the reason. */
  readonly broken: readonly { file: string; message: string }[];
}

/** Every guard violation of one environment. */
export function checkDeletions(input: GuardInput): GuardViolation[] {
  const { env, policy, changes } = input;
  const out: GuardViolation[] = [];
  const removed = changes.filter((c) => c.kind === 'removed');
  if (input.emptyAtHead) {
    out.push({
      env,
      rule: 'empty-render',
      message: `the head render of ${env} is empty: every object would be deleted`,
      objects: [],
      overridable: false,
    });
  }
  if (input.broken.length > 0) {
    out.push({
      env,
      rule: 'broken-render',
      message: `the head render of ${env} is broken: ${input.broken.map((b) => b.message).join('; ')}`,
      objects: input.broken.map((b) => repositoryPath(b.file)),
      overridable: false,
    });
  }
  const namespaces = removed.filter((c) => c.before?.kind === 'Namespace').map((c) => c.object);
  if (namespaces.length > 0) {
    out.push({
      env,
      rule: 'namespace-removal',
      message: `removes ${namespaces.length} namespace(s) from ${env}, deleting everything in them`,
      objects: namespaces,
      overridable: true,
    });
  }
  const claims = removed.filter((c) => c.before?.kind === 'PersistentVolumeClaim').map((c) => c.object);
  if (claims.length > 0) {
    out.push({
      env,
      rule: 'volume-claim-removal',
      message: `removes ${claims.length} PersistentVolumeClaim(s) from ${env}; their data may be lost`,
      objects: claims,
      overridable: true,
    });
  }
  if (policy?.deletionGuard?.refuseAppRemoval && input.removedApps.length > 0) {
    out.push({
      env,
      rule: 'app-removal',
      message: `removes app(s) ${input.removedApps.join(', ')} from ${env}, whose policy refuses app removal`,
      objects: input.removedApps.map((a) => `manifests/${env}/apps/${a}.yaml`),
      overridable: true,
    });
  }
  if (removed.length > 0 && !input.emptyAtHead) {
    const share = policy?.deletionGuard?.maxRemovedShare ?? DEFAULT_MAX_REMOVED_SHARE;
    const total = input.baseObjects();
    if (total > 0 && removed.length / total > share) {
      out.push({
        env,
        rule: 'removed-share',
        message: `removes ${removed.length} of ${total} objects of ${env} (${percent(removed.length / total)}), more than the ${percent(share)} its policy allows`,
        objects: removed.map((c) => c.object),
        overridable: true,
      });
    }
  }
  return out;
}

/** `Release-Override:` trailers (requests) of the commits in `head` but not in `base`, oldest first. */
export function findOverrides(root: string, base: string, head: string): Override[] {
  return trailersBetween(root, base, head, OVERRIDE_TRAILER);
}

/**
 * The values of the commit trailer `key` on the commits in `head` but not in `base`, oldest commit first,
 * each with its commit and author: one `git log` call.
 */
export function trailersBetween(root: string, base: string, head: string, key: string): Override[] {
  const out = git(root, [
    'log',
    '--reverse',
    `--format=%H%x00%an%x00%(trailers:key=${key},valueonly,separator=%x1f)%x1e`,
    `${base}..${head}`,
  ]);
  const trailers: Override[] = [];
  for (const record of out.split('\x1e')) {
    const [commit, author, values] = record.replace(/^\n/, '').split('\0');
    if (!commit || !values) continue;
    for (const text of values.split('\x1f').map((v) => v.trim()))
      if (text) trailers.push({ text, commit, author: author ?? '' });
  }
  return trailers;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
