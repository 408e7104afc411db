/**
 * Promotion of a platform flag: turn a flag of `lib/spec/features.ts` on in one
 * environment further along the chain, behind the gates of image promotion read
 * the same way: `upstream` (the flag is on in the target's `promotion.from` on
 * main, or in a `hotfixFrom` source with `--from`), `soak` (on upstream for the
 * target's `minSoakHours`, from the first-parent history of the upstream's
 * features file; `--force --reason` skips it), `freeze`; the environment released
 * with the target follows it. `--rollback` turns the flag off again, freeze or not.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mainOrHead, showFile } from '../git/git.ts';
import { synth } from '../render/synth.ts';
import type { EnvName } from '../spec/app.ts';
import {
  FEATURE_REGISTRY,
  featuresPath,
  formatFeatures,
  parseFeatures,
  type FeatureRegistry,
} from '../spec/features.ts';
import { ProblemSink, closest, formatProblem } from '../spec/problems.ts';
import { loadProject, type LoadedEnvironment } from '../spec/project.ts';
import { cmp } from '../util/compare.ts';
import { writeAtomic } from '../util/fs.ts';
import { activeFreeze, nextOpen, showTime } from './freeze.ts';
import { checkCommitPossible, commitPromotion, PromotionRefused, type Refusal } from './promote.ts';
import { fileHistory } from './versions.ts';

/** What the user asked for: `promote --feature FLAG --to ENV`. */
export interface FeaturePromotionRequest {
  /** The flag. */
  readonly flag: string;
  /** Target environment. */
  readonly to: string;
  /** Source environment, for a hotfix path declared in the target's policy. */
  readonly from?: string;
  /** Turn the flag off in the target (and the environments released with it). */
  readonly rollback?: boolean;
  /** Bypass soak time (never freezes); needs `reason`. */
  readonly force?: boolean;
  /** Why `force` is used; recorded in the commit. */
  readonly reason?: string;
  /** Git revision whose upstream flags count as "on" (the main branch). */
  readonly ref?: string;
  /** The time gates are judged at. */
  readonly now?: Date;
}

/** One environment whose flag changes. */
export interface FeatureChange {
  readonly env: EnvName;
  /** Whether the flag is on after the change (`false`: turned off). */
  readonly on: boolean;
}

/** What a flag promotion will do. */
export interface FeaturePlan {
  readonly flag: string;
  /** `promote` (turn on) or `rollback` (turn off). */
  readonly mode: 'promote' | 'rollback';
  /** Where the flag is proven on (`undefined` into the chain's entry, which takes any known flag, and for a rollback). */
  readonly source?: EnvName;
  /** The target and the environments released with it, in promotion order. */
  readonly targets: readonly EnvName[];
  /** Environments whose flag changes. */
  readonly changes: readonly FeatureChange[];
  /** Soak time bypassed with a reason. */
  readonly forced?: string;
  /** Notes worth showing to reviewers. */
  readonly notes: readonly string[];
}

/** The flags on in `env` at git revision `rev` (none when the file does not exist there); a bad file throws. */
export function readFeaturesAt(root: string, rev: string, env: string): Record<string, true> {
  const text = showFile(root, rev, featuresPath(env));
  if (text === undefined) return {};
  try {
    return checked(text, featuresPath(env), true);
  } catch (error) {
    throw new Error(`at ${rev}: ${(error as Error).message}`);
  }
}

/** The flags on in `env` in the work tree (none when there is no file); a bad file throws. */
export function readFeatures(root: string, env: string): Record<string, true> {
  const file = join(root, featuresPath(env));
  return existsSync(file) ? checked(readFileSync(file, 'utf8'), featuresPath(env), false) : {};
}

function checked(text: string, where: string, legacy: boolean): Record<string, true> {
  const sink = new ProblemSink();
  const on = parseFeatures(text, where, sink, { legacy });
  if (sink.problems.length > 0 || !on) throw new Error(sink.problems.map(formatProblem).join('\n'));
  return on;
}

/** Whether `flag` is on in the features file `text`; a file that is no JSON object turns nothing on. */
function onIn(text: string | undefined, flag: string): boolean {
  if (text === undefined) return false;
  try {
    const data = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    return data !== null && typeof data === 'object' && (data as Record<string, unknown>)[flag] === true;
  } catch {
    return false;
  }
}

/**
 * Since when `flag` has been on without a break in `env`, along the first-parent history of `rev` (the commit
 * that last turned it on); `undefined` when it is off at `rev`.
 */
export function featureOnSince(root: string, rev: string, env: string, flag: string): Date | undefined {
  let since: Date | undefined;
  for (const version of fileHistory(root, rev, featuresPath(env))) {
    const on = onIn(version.text, flag);
    if (!on) since = undefined;
    else if (since === undefined) since = version.time;
  }
  return since;
}

/** Why `flag` is no flag of `registry` to promote, or `undefined` when it is one. */
export function unknownFlag(flag: string, registry: FeatureRegistry = FEATURE_REGISTRY): Refusal | undefined {
  if (Object.hasOwn(registry.flags, flag)) return undefined;
  const retired = registry.retired[flag];
  if (retired) {
    return {
      gate: 'usage',
      app: `feature:${flag}`,
      message: `flag '${flag}' is retired: its behaviour is the default everywhere (${retired.note})`,
      remedy: 'nothing to promote',
    };
  }
  const known = Object.keys(registry.flags).sort(cmp);
  const guess = closest(flag, known);
  return {
    gate: 'usage',
    app: `feature:${flag}`,
    message: `unknown platform flag '${flag}'`,
    remedy: guess ? `did you mean '${guess}'?` : `use one of: ${known.join(', ')} (lib/spec/features.ts)`,
  };
}

/** Decides a flag promotion; throws `PromotionRefused` listing every refused gate. */
export async function planFeaturePromotion(root: string, request: FeaturePromotionRequest): Promise<FeaturePlan> {
  const project = await loadProject(root);
  const now = request.now ?? new Date();
  const ref = request.ref ?? mainOrHead(root);
  const app = `feature:${request.flag}`;
  const envs = new Map(project.environments.map((e) => [e.spec.name as string, e]));
  const target = envs.get(request.to);
  const usage: Refusal[] = [];
  if (!target) {
    usage.push({
      gate: 'usage',
      message: `unknown environment '${request.to}'`,
      remedy: `use one of: ${[...envs.keys()].join(', ')}`,
    });
  } else if (target.spec.promotion.releasedWith) {
    const partner = target.spec.promotion.releasedWith;
    usage.push({
      gate: 'usage',
      message: `${target.spec.name} is released together with ${partner}`,
      remedy: `promote to ${partner}; ${target.spec.name} follows in the same change`,
    });
  }
  const unknown = unknownFlag(request.flag);
  if (unknown) usage.push(unknown);
  if (request.force && !request.reason?.trim()) {
    usage.push({
      gate: 'usage',
      message: '--force needs --reason',
      remedy: '--force --reason "why soak time is skipped" (it is recorded in the commit)',
    });
  }
  if (target && request.from !== undefined) {
    const p = target.spec.promotion;
    if (request.from !== p.from && !(p.hotfixFrom ?? []).includes(request.from as EnvName)) {
      const allowed = [p.from, ...(p.hotfixFrom ?? [])].filter(Boolean).join(', ');
      usage.push({
        gate: 'usage',
        message: `${target.spec.name} does not take promotions from ${request.from}`,
        remedy: `promote from ${allowed || '(nowhere: it is the chain entry)'}; hotfix paths are declared in environments/${target.spec.name}/environment.ts (promotion.hotfixFrom)`,
      });
    }
  }
  if (usage.length > 0 || !target) throw new PromotionRefused(usage);

  const targets = [target, ...project.environments.filter((e) => e.spec.promotion.releasedWith === target.spec.name)];
  const refusals: Refusal[] = [];
  const notes: string[] = [];
  const windows = target.spec.promotion.freezeWindows ?? [];
  const mode: FeaturePlan['mode'] = request.rollback ? 'rollback' : 'promote';
  let source: LoadedEnvironment | undefined;
  if (mode === 'rollback') {
    if (activeFreeze(windows, now))
      notes.push(`${target.spec.name} is in a freeze window; turning a flag off is allowed, as a rollback is`);
  } else {
    const frozen = activeFreeze(windows, now);
    if (frozen) {
      const open = showTime(nextOpen(windows, now), frozen.window.timeZone);
      refusals.push({
        gate: 'freeze',
        app,
        message: `${target.spec.name} is frozen (${frozen.window.name}: ${frozen.window.reason}) until ${open}`,
        remedy: `promote after ${open}; a freeze cannot be forced (turning the flag off with --rollback is allowed)`,
      });
    }
    const from = request.from ?? target.spec.promotion.from;
    source = from === undefined ? undefined : envs.get(from);
    if (source) upstreamGates(root, ref, source, target, request, now, refusals);
  }
  if (refusals.length > 0) throw new PromotionRefused(refusals);
  const on = mode === 'promote';
  const changes = targets
    .filter((t) => (readFeatures(root, t.spec.name)[request.flag] === true) !== on)
    .map((t) => ({ env: t.spec.name, on }));
  return {
    flag: request.flag,
    mode,
    ...(source ? { source: source.spec.name } : {}),
    targets: targets.map((t) => t.spec.name),
    changes,
    ...(request.force && mode === 'promote' ? { forced: request.reason } : {}),
    notes,
  };
}

/** The `upstream` and `soak` gates of turning `request.flag` on in `target` from `source`. */
function upstreamGates(
  root: string,
  ref: string,
  source: LoadedEnvironment,
  target: LoadedEnvironment,
  request: FeaturePromotionRequest,
  now: Date,
  refusals: Refusal[],
): void {
  const app = `feature:${request.flag}`;
  const from = source.spec.name;
  if (readFeaturesAt(root, ref, from)[request.flag] !== true) {
    refusals.push({
      gate: 'upstream',
      app,
      message: `flag ${request.flag} is not on in ${from} (${featuresPath(from)} on ${ref})`,
      remedy: `turn it on in ${from} first and merge that: npm run -s promote -- --feature ${request.flag} --to ${from}`,
    });
    return;
  }
  const minSoak = target.spec.promotion.minSoakHours ?? 0;
  if (minSoak === 0 || request.force) return;
  const since = featureOnSince(root, ref, from, request.flag) ?? now;
  const hours = (now.getTime() - since.getTime()) / 3_600_000;
  if (hours < minSoak) {
    const ready = new Date(since.getTime() + minSoak * 3_600_000).toISOString();
    refusals.push({
      gate: 'soak',
      app,
      message: `flag ${request.flag} has been on in ${from} for ${hours.toFixed(1)} h; ${target.spec.name} needs ${minSoak} h (since ${since.toISOString()})`,
      remedy: `promote after ${ready}, or --force --reason "…" for an emergency`,
    });
  }
}

/** Result of applying a flag plan. */
export interface AppliedFeaturePromotion {
  readonly plan: FeaturePlan;
  /** The commit made with `--commit`. */
  readonly commit?: string;
  /** The branch made with `--commit`. */
  readonly branch?: string;
}

/** `promote/<env>/feature-<flag>`, or `rollback/<env>/feature-<flag>`. */
export function featureBranchName(plan: FeaturePlan): string {
  return `${plan.mode === 'rollback' ? 'rollback' : 'promote'}/${plan.targets[0]}/feature-${plan.flag}`;
}

/**
 * Writes the plan's features files (canonical, atomically), re-renders, and with `commit` makes one commit on a
 * new branch from main. What can refuse is checked before anything is written; a render that fails puts the
 * features files back as they were.
 */
export async function applyFeaturePromotion(
  root: string,
  plan: FeaturePlan,
  request: FeaturePromotionRequest,
  options: { commit?: boolean } = {},
): Promise<AppliedFeaturePromotion> {
  if (plan.changes.length === 0) return { plan };
  const branch = options.commit ? checkCommitPossible(root, featureBranchName(plan)) : undefined;
  const before = new Map<string, string | undefined>();
  for (const c of plan.changes) {
    const file = join(root, featuresPath(c.env));
    before.set(c.env, existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  }
  try {
    for (const c of plan.changes) {
      const flags: Record<string, boolean> = { ...readFeatures(root, c.env), [plan.flag]: c.on };
      writeAtomic(join(root, featuresPath(c.env)), formatFeatures(flags));
    }
    // synth writes all of manifests/ or nothing.
    await synth(root);
  } catch (error) {
    for (const [env, text] of before) {
      const file = join(root, featuresPath(env));
      if (text === undefined) rmSync(file, { force: true });
      else writeAtomic(file, text);
    }
    throw error;
  }
  if (!branch) return { plan };
  const files = plan.changes.map((c) => featuresPath(c.env));
  const commit = commitPromotion(root, branch, plan.targets, files, featureCommitMessage(plan, request));
  return { plan, branch, commit };
}

/** The commit message: a subject, one line per environment, and trailers `audit` reads back. */
export function featureCommitMessage(plan: FeaturePlan, request: FeaturePromotionRequest): string {
  const where = plan.targets.join(' + ');
  const subject =
    plan.mode === 'rollback'
      ? `Turn platform flag ${plan.flag} off in ${where}`
      : `Turn platform flag ${plan.flag} on in ${where}`;
  const body = plan.changes.map((c) => `- ${c.env}: ${plan.flag} ${c.on ? 'off -> on' : 'on -> off'}`);
  const trailers = [
    `Promoted-From: ${plan.source ?? plan.targets[0]}`,
    `Promoted-To: ${plan.targets.join(', ')}`,
    `Feature: ${plan.flag}`,
  ];
  if (plan.mode === 'rollback') trailers.push('Rollback: true');
  if (plan.forced && request.reason) trailers.push(`Reason: ${request.reason.replace(/\s+/g, ' ').trim()}`);
  return `${subject}\n\n${body.join('\n')}\n${plan.notes.map((n) => `\nNote: ${n}`).join('')}\n\n${trailers.join('\n')}\n`;
}

/** A one-screen summary of a flag plan for the terminal. */
export function describeFeaturePlan(plan: FeaturePlan): string {
  const from = plan.mode === 'rollback' ? 'a rollback' : (plan.source ?? 'the chain entry');
  const lines = [
    `Platform flag ${plan.flag} ${plan.mode === 'rollback' ? 'off' : 'on'} in ${plan.targets.join(' + ')} (from ${from}):`,
  ];
  for (const c of plan.changes) lines.push(`  ${c.env.padEnd(8)} ${plan.flag} ${c.on ? 'off -> on' : 'on -> off'}`);
  if (plan.changes.length === 0)
    lines.push(`  nothing to change: ${plan.flag} is ${plan.mode === 'rollback' ? 'off' : 'on'} there already`);
  if (plan.forced) lines.push(`  FORCED (soak time skipped): ${plan.forced}`);
  for (const n of plan.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
