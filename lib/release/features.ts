/**
 * The platform flag gates, judged at the pull request. A pull request may change
 * `environments/<env>/features.json` by hand as well as through `promote --feature`;
 * either way each flag it turns on must pass the gates `promote --feature` applies,
 * judged with the base revision's policy and history and this process's registry of
 * flags (the head only contributes its features files, parsed as JSON from git
 * objects, never evaluated):
 *
 * - `upstream`: the flag is on in the environment's `promotion.from` (or a declared
 *   hotfix source) on the base; an environment released with another takes what its
 *   partner has on at base or head; the chain's entry takes any known flag;
 * - `soak`: the upstream has had it on for the target's `minSoakHours`;
 * - `freeze`: the target is in no freeze window.
 *
 * Turning a flag off is a rollback: allowed, in a freeze too. A features file that is
 * not JSON, or names a flag the registry does not know (or a retired one), is refused.
 */
import { readBlobs } from '../git/git.ts';
import { featureOnSince } from '../promote/features.ts';
import { activeFreeze, nextOpen } from '../promote/freeze.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { FEATURE_REGISTRY, featuresPath, parseFeatures, type FeatureRegistry } from '../spec/features.ts';
import { ProblemSink, formatProblem } from '../spec/problems.ts';
import { cmp } from '../util/compare.ts';
import type { PinGateInput } from './pins.ts';

/** Gates a flag turned on must pass; `soak` is the only one approvers may override. */
export type FeatureGate = 'upstream' | 'soak' | 'freeze' | 'features-file';

/** One flag a pull request turns on or off in one environment. */
export interface FeatureChangeAt {
  readonly env: string;
  readonly flag: string;
  /** Whether the flag is on at head. */
  readonly on: boolean;
  /**
   * Where the gates proved the flag comes from on the base: the upstream environment that has it on,
   * `entry` (the chain's entry takes any known flag), `rollback` (turned off); absent when no gate could prove it.
   */
  readonly source?: string;
}

/** One gate a flag change fails, in the shape of a pin refusal (`app` is `feature:<flag>`). */
export interface FeatureRefusal {
  readonly env: string;
  readonly app: string;
  readonly gate: FeatureGate;
  readonly message: string;
  readonly remedy: string;
}

/** What the gates decide from: what the pin gates read (the head contributes its features files, as data). */
export interface FeatureGateInput extends PinGateInput {
  /**
   * The flags known and retired.
   * @default FEATURE_REGISTRY
   */
  readonly registry?: FeatureRegistry;
}

/** The flags that change between base and head, and every gate they fail. */
export interface FeatureVerdict {
  readonly changes: readonly FeatureChangeAt[];
  readonly refusals: readonly FeatureRefusal[];
}

/**
 * Judges every flag the pull request turns on or off. Only the features files whose blob differs between
 * base and head are read, so a change that touches no flag costs nothing here.
 */
export function judgeFeatures(input: FeatureGateInput): FeatureVerdict {
  const { root, head, trees, policies } = input;
  const registry = input.registry ?? FEATURE_REGISTRY;
  const changes: FeatureChangeAt[] = [];
  const refusals: FeatureRefusal[] = [];
  const changed = policies.filter((p) => trees.base.get(featuresPath(p.name)) !== trees.head.get(featuresPath(p.name)));
  if (changed.length === 0) return { changes, refusals };
  const shas = [...trees.base, ...trees.head].filter(([path]) => path.endsWith('/features.json')).map(([, s]) => s);
  const blobs = readBlobs(root, shas);
  const flagsOf = (side: 'base' | 'head', env: string, sink: ProblemSink): Record<string, true> | undefined => {
    const sha = trees[side].get(featuresPath(env));
    if (sha === undefined) return {};
    // The base is history: a flag retired since is a warning there, as when its environments load.
    return parseFeatures(blobs.get(sha)!, featuresPath(env), sink, {
      legacy: side === 'base',
      registry,
    });
  };
  const baseFlags = (env: string): Record<string, true> => flagsOf('base', env, new ProblemSink()) ?? {};
  for (const policy of changed) {
    const env = policy.name as string;
    const sink = new ProblemSink();
    const after = flagsOf('head', env, sink) ?? {};
    if (sink.problems.length > 0) {
      refusals.push({
        env,
        app: 'feature:*',
        gate: 'features-file',
        message: `at ${head.slice(0, 12)}, ${sink.problems.map(formatProblem).join('; ')}`,
        remedy: `fix ${featuresPath(env)} on the branch (it is machine-edited: npm run -s promote -- --feature <flag> --to ${env} writes it); a new flag is merged into lib/spec/features.ts, on nowhere, before an environment names it`,
      });
    }
    const before = baseFlags(env);
    for (const flag of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(cmp)) {
      const on = after[flag] === true;
      if ((before[flag] === true) === on) continue;
      if (!on) {
        changes.push({ env, flag, on, source: 'rollback' });
        continue;
      }
      const judged = judgeOn({
        ...input,
        policy,
        flag,
        baseFlags,
        headFlags: (e) => flagsOf('head', e, new ProblemSink()) ?? {},
      });
      changes.push({ env, flag, on, ...(judged.source ? { source: judged.source } : {}) });
      refusals.push(...judged.refusals);
    }
  }
  return { changes, refusals };
}

interface OnInput extends FeatureGateInput {
  readonly policy: EnvironmentSpec;
  readonly flag: string;
  readonly baseFlags: (env: string) => Record<string, true>;
  readonly headFlags: (env: string) => Record<string, true>;
}

/** The gates of one flag turned on in one environment. */
function judgeOn(i: OnInput): { refusals: FeatureRefusal[]; source?: string } {
  const env = i.policy.name as string;
  const app = `feature:${i.flag}`;
  const out: FeatureRefusal[] = [];
  const refuse = (gate: FeatureGate, message: string, remedy: string): void => {
    out.push({ env, app, gate, message, remedy });
  };
  const windows = i.policy.promotion.freezeWindows ?? [];
  const frozen = activeFreeze(windows, i.now);
  if (frozen) {
    const open = nextOpen(windows, i.now).toISOString();
    refuse(
      'freeze',
      `${env} is frozen (${frozen.window.name}: ${frozen.window.reason}) until ${open}`,
      `merge after ${open}; a freeze cannot be overridden (turning a flag off is allowed)`,
    );
  }
  const partner = i.policy.promotion.releasedWith;
  if (partner !== undefined) {
    if (i.headFlags(partner)[i.flag] === true || i.baseFlags(partner)[i.flag] === true)
      return { refusals: out, source: partner };
    refuse(
      'upstream',
      `flag ${i.flag} is not on in ${partner}; ${env} is released together with ${partner}`,
      `turn it on in ${partner}: npm run -s promote -- --feature ${i.flag} --to ${partner}`,
    );
    return { refusals: out };
  }
  const from = i.policy.promotion.from;
  if (from === undefined) return { refusals: out, source: 'entry' };
  const sources = [from, ...(i.policy.promotion.hotfixFrom ?? [])] as string[];
  const source = sources.find((s) => i.baseFlags(s)[i.flag] === true);
  if (source === undefined) {
    refuse(
      'upstream',
      `flag ${i.flag} is not on in ${sources.join(' or ')} on the base revision`,
      `turn it on in ${from} first and merge that, then: npm run -s promote -- --feature ${i.flag} --to ${env}`,
    );
    return { refusals: out };
  }
  const minSoak = i.policy.promotion.minSoakHours ?? 0;
  if (minSoak > 0) {
    const since = featureOnSince(i.root, i.base, source, i.flag) ?? i.now;
    const hours = (i.now.getTime() - since.getTime()) / 3_600_000;
    if (hours < minSoak) {
      const ready = new Date(since.getTime() + minSoak * 3_600_000).toISOString();
      refuse(
        'soak',
        `flag ${i.flag} has been on in ${source} for ${hours.toFixed(1)} h; ${env} needs ${minSoak} h (since ${since.toISOString()})`,
        `merge after ${ready}, or have an approver of ${env} grant an override`,
      );
    }
  }
  return { refusals: out, source };
}
