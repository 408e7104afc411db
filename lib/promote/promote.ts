/**
 * Promotion: pin in one environment the exact artifact (tag and digest) its
 * upstream environment runs, behind gates read from environment policy.
 *
 * `planPromotion` decides (pure reads of the work tree and git); `applyPromotion`
 * writes the versions files, re-renders, and optionally commits on a new branch.
 */
import type { AppSpec, EnvName } from '../spec/app.ts';
import { isEntry, isPureSpec, loadProject, runsIn, type LoadedEnvironment, type Project } from '../spec/project.ts';
import type { PinnedVersion } from '../spec/resolve.ts';
import { git, isDirty, dirtyPaths, mainOrHead, readBlobs, revParse } from '../git/git.ts';
import { MANIFESTS_DIR, synth } from '../render/synth.ts';
import { cmp } from '../util/compare.ts';
import { writeAtomic } from '../util/fs.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifiedGate } from './verified.ts';
import { activeFreeze, nextOpen, showTime } from './freeze.ts';
import {
  isNewer,
  releaseOf,
  releasesOf,
  specBlobsAt,
  PinHistories,
  readPins,
  readPinsAt,
  samePin,
  showImage,
  showPin,
  specDiff,
  versionsPath,
  writePins,
  type Pins,
} from './versions.ts';

/** What the user asked for. */
export interface PromotionRequest {
  /** Apps to promote (empty with `all`). */
  readonly apps: readonly string[];
  /** Every app whose upstream pin differs from the target's. */
  readonly all?: boolean;
  /** Target environment. */
  readonly to: string;
  /** Source environment, for a hotfix path declared in the target's policy. */
  readonly from?: string;
  /** A new build's tag (only into the environment fed by builds), or the rollback target. */
  readonly version?: string;
  /** A new build's digest. */
  readonly digest?: string;
  /** Pin the previous (or `version`) pin of the target again. */
  readonly rollback?: boolean;
  /** Bypass soak time and metric verification (never freezes or provenance); needs `reason`. */
  readonly force?: boolean;
  /** Why `force` is used; recorded in the commit. */
  readonly reason?: string;
  /** Git revision whose upstream pins count as "running" (the main branch). */
  readonly ref?: string;
  /** The time gates are judged at. */
  readonly now?: Date;
  /**
   * Base URL of the upstream environment's Prometheus, for the `verified` gate.
   * @default - the upstream environment's `observability.prometheus.url`
   */
  readonly prometheus?: string;
}

/** One pin that changes. */
export interface PinChange {
  readonly app: string;
  readonly env: EnvName;
  readonly before?: PinnedVersion;
  readonly after: PinnedVersion;
}

/** A gate that refused, with the way out. */
export interface Refusal {
  /**
   * Stable gate id: `usage`, `upstream`, `soak`, `verified`, `freeze`, `newer-target`, `provenance`, `app`,
   * `spec` (a spec text that cannot be pinned).
   */
  readonly gate: string;
  readonly app?: string;
  readonly message: string;
  readonly remedy: string;
}

/** Thrown when any gate refuses; lists every refusal of the run. */
export class PromotionRefused extends Error {
  constructor(public readonly refusals: readonly Refusal[]) {
    super(
      `promotion refused (${refusals.length} reason${refusals.length === 1 ? '' : 's'}); nothing was changed:\n` +
        refusals.map((r) => `  - [${r.gate}]${r.app ? ` ${r.app}:` : ''} ${r.message}. Remedy: ${r.remedy}`).join('\n'),
    );
    this.name = 'PromotionRefused';
  }
}

/** What a promotion will do. */
export interface PromotionPlan {
  /** `promote`, `build` (a new image into the first environment) or `rollback`. */
  readonly mode: 'promote' | 'build' | 'rollback';
  /** Where the versions come from (`undefined` for a build). */
  readonly source?: EnvName;
  /** The target and the environments released with it (second wave), in promotion order. */
  readonly targets: readonly EnvName[];
  /** Pins that change, by app then environment. */
  readonly changes: readonly PinChange[];
  /** Apps skipped because the target already runs the upstream artifact. */
  readonly unchanged: readonly string[];
  /** Soak time bypassed with a reason. */
  readonly forced?: string;
  /** Notes worth showing to reviewers. */
  readonly notes: readonly string[];
}

/** Decides a promotion; throws `PromotionRefused` listing every refused gate. */
export async function planPromotion(root: string, request: PromotionRequest): Promise<PromotionPlan> {
  // The apps being promoted may lack pins still (a new app's first build or first promotion): that is what this fixes.
  const project = await loadProject(root, { unpinned: new Set(request.apps) });
  const now = request.now ?? new Date();
  const ref = request.ref ?? mainOrHead(root);
  const refusals: Refusal[] = [];
  const refuse = (r: Refusal) => refusals.push(r);

  const envs = new Map(project.environments.map((e) => [e.spec.name as string, e]));
  const target = envs.get(request.to);
  if (!target) {
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `unknown environment '${request.to}'`,
        remedy: `use one of: ${[...envs.keys()].join(', ')}`,
      },
    ]);
  }
  const partnerOf = target.spec.promotion.releasedWith;
  if (partnerOf) {
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `${target.spec.name} is released together with ${partnerOf}`,
        remedy: `promote to ${partnerOf}; ${target.spec.name} follows in the same change`,
      },
    ]);
  }
  const targets = [target, ...project.environments.filter((e) => e.spec.promotion.releasedWith === target.spec.name)];
  const usage = checkUsage(request, target);
  if (usage.length > 0) throw new PromotionRefused(usage);

  const mode: PromotionPlan['mode'] = request.rollback
    ? 'rollback'
    : request.version !== undefined
      ? 'build'
      : 'promote';
  const source = mode === 'promote' ? envs.get(request.from ?? target.spec.promotion.from ?? '') : undefined;
  if (mode === 'promote' && !source) {
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `${target.spec.name} is fed by builds and has no upstream environment`,
        remedy: `pin a new build: --version <tag> --digest sha256:…`,
      },
    ]);
  }

  let specBlobs: Map<string, string> | undefined;
  /** The blob of each app's spec file on `ref`: what the chain's entry runs there. */
  const specs = (): Map<string, string> => (specBlobs ??= specBlobsAt(root, ref));
  const apps = selectApps(project, request, source, targets, ref, root, refuse, specs);
  // The gates read each environment's history once for the whole train.
  const histories = new PinHistories(
    root,
    ref,
    apps.map((a) => a.name),
  );
  const changes: PinChange[] = [];
  const unchanged: string[] = [];
  const notes: string[] = [];

  if (mode !== 'rollback') {
    const frozen = activeFreeze(target.spec.promotion.freezeWindows ?? [], now);
    if (frozen) {
      const open = nextOpen(target.spec.promotion.freezeWindows ?? [], now);
      refuse({
        gate: 'freeze',
        message: `${target.spec.name} is frozen (${frozen.window.name}: ${frozen.window.reason}) until ${showTime(open, frozen.window.timeZone)}`,
        remedy: `promote after ${showTime(open, frozen.window.timeZone)}; a freeze cannot be forced (a rollback is allowed)`,
      });
    }
  } else if (activeFreeze(target.spec.promotion.freezeWindows ?? [], now)) {
    notes.push(
      `${target.spec.name} is in a freeze window; a rollback is allowed because it returns to a version that ran there before`,
    );
  }

  for (const app of apps) {
    const current = readPins(root, target.spec.name)[app.name];
    let candidate: PinnedVersion | undefined;
    if (mode === 'build') {
      candidate = { tag: request.version!, digest: request.digest };
    } else if (mode === 'rollback') {
      const running = current && releaseOf(current, specs().get(app.name));
      candidate = rollbackPin(histories, target.spec.name, app.name, running, request.version, refuse);
      // The chain's entry renders the work tree's spec: a rollback there moves the image alone.
      if (candidate && isEntry(target.spec)) candidate = { tag: candidate.tag, digest: candidate.digest };
    } else {
      candidate = upstreamPin(root, ref, specs(), histories, source!, target, app.name, now, request, refuse);
    }
    if (!candidate) continue;
    // The same image upstream without its digest: the target keeps the digest it pins (its spec may still move).
    if (mode !== 'rollback' && current?.digest && !candidate.digest && current.tag === candidate.tag)
      candidate = { ...candidate, digest: current.digest };
    if (candidate.spec !== undefined && !checkPinnableSpec(root, candidate.spec, app.name, refuse)) continue;
    // A pin from before spec pins runs the spec file of `ref`: the same release when that is the candidate's spec.
    if (mode !== 'rollback' && current && samePin(releaseOf(current, specs().get(app.name)), candidate)) {
      unchanged.push(app.name);
      continue;
    }
    if (mode !== 'rollback' && current && !samePin(current, candidate) && isNewer(current.tag, candidate.tag)) {
      refuse({
        gate: 'newer-target',
        app: app.name,
        message: `${target.spec.name} runs ${current.tag}, newer than ${candidate.tag}`,
        remedy: `nothing to promote; to go back on purpose use --rollback --version ${candidate.tag}`,
      });
      continue;
    }
    const gated = mode === 'promote' && target.spec.observability.verification?.gatePromotions === true;
    if (gated && !samePin(current, candidate)) {
      // The metrics are judged with the spec the upstream runs (its pinned text, or the work tree's in dev).
      const running = source!.pinnedSpecs.get(app.name)?.spec ?? app;
      const verified = await verifiedGate({
        root,
        ref,
        source: source!,
        app: running,
        candidate,
        now,
        request,
        refuse,
        notes,
      });
      if (!verified) continue;
    }
    for (const env of targets) {
      const before = readPins(root, env.spec.name)[app.name];
      // The same version without its digest is no change: the pin keeps the digest it has.
      if (mode !== 'rollback' && before?.digest && !candidate.digest && before.tag === candidate.tag) continue;
      if (!candidate.digest && before?.digest) {
        refuse({
          gate: 'provenance',
          app: app.name,
          message: `${showImage(candidate)} has no digest, and would replace ${showImage(before)} in ${env.spec.name}, dropping its digest`,
          remedy: `pin the digest upstream first (promote it again with its digest, or builds enter with --digest sha256:…)`,
        });
        continue;
      }
      if (env.spec.images.requireDigest && !candidate.digest) {
        refuse({
          gate: 'provenance',
          app: app.name,
          message: `${showImage(candidate)} has no digest, and ${env.spec.name} runs only digest-pinned images`,
          remedy: `pin the digest upstream first (builds enter with --digest sha256:…)`,
        });
        continue;
      }
      if (samePin(before, candidate)) continue;
      changes.push({ app: app.name, env: env.spec.name, before, after: candidate });
    }
    if (!changes.some((c) => c.app === app.name)) unchanged.push(app.name);
  }

  if (refusals.length > 0) throw new PromotionRefused(refusals);
  return {
    mode,
    source: source?.spec.name,
    targets: targets.map((t) => t.spec.name),
    changes,
    unchanged,
    forced: request.force ? request.reason : undefined,
    notes,
  };
}

function checkUsage(request: PromotionRequest, target: LoadedEnvironment): Refusal[] {
  const out: Refusal[] = [];
  const env = target.spec;
  if (request.apps.length === 0 && !request.all)
    out.push({ gate: 'usage', message: 'no app given', remedy: 'name one or more apps, or use --all' });
  if (request.apps.length > 0 && request.all)
    out.push({ gate: 'usage', message: '--all and app names together', remedy: 'use one or the other' });
  if (request.force && !request.reason?.trim()) {
    const remedy = '--force --reason "why soak time and verification are skipped" (it is recorded in the commit)';
    out.push({ gate: 'usage', message: '--force needs --reason', remedy });
  }
  if (request.digest !== undefined && request.version === undefined)
    out.push({
      gate: 'usage',
      message: '--digest needs --version',
      remedy: 'give both: --version <tag> --digest sha256:…',
    });
  if (request.version !== undefined && !request.rollback) {
    if (env.promotion.from !== undefined) {
      out.push({
        gate: 'usage',
        message: `--version pins new builds only into the environment fed by builds, not ${env.name}`,
        remedy: `promote into ${env.name} from ${env.promotion.from} instead`,
      });
    }
    if (request.digest === undefined || !/^sha256:[a-f0-9]{64}$/.test(request.digest)) {
      out.push({
        gate: 'usage',
        message: `a new build needs its digest (got ${request.digest ?? 'none'})`,
        remedy: 'pass --digest sha256:<64 hex characters> as printed by the image push',
      });
    }
    if (request.all || request.apps.length !== 1)
      out.push({ gate: 'usage', message: '--version applies to exactly one app', remedy: 'name one app' });
  }
  if (request.rollback && (request.all || request.apps.length !== 1) && request.version !== undefined) {
    out.push({ gate: 'usage', message: '--rollback --version applies to exactly one app', remedy: 'name one app' });
  }
  if (
    request.from !== undefined &&
    request.from !== env.promotion.from &&
    !(env.promotion.hotfixFrom ?? []).includes(request.from as EnvName)
  ) {
    const allowed = [env.promotion.from, ...(env.promotion.hotfixFrom ?? [])].filter(Boolean).join(', ');
    out.push({
      gate: 'usage',
      message: `${env.name} does not take promotions from ${request.from}`,
      remedy: `promote from ${allowed || '(nowhere: it is fed by builds)'}; hotfix paths are declared in environments/${env.name}/environment.ts (promotion.hotfixFrom)`,
    });
  }
  return out;
}

function selectApps(
  project: Project,
  request: PromotionRequest,
  source: LoadedEnvironment | undefined,
  targets: readonly LoadedEnvironment[],
  ref: string,
  root: string,
  refuse: (r: Refusal) => void,
  specs: () => ReadonlyMap<string, string>,
): AppSpec[] {
  const byName = new Map(project.apps.map((a) => [a.spec.name, a]));
  if (request.all) {
    if (!source) return [];
    const upstream = releasesOf(readPinsAt(root, ref, source.spec.name), specs());
    const target = releasesOf(readPins(root, targets[0]!.spec.name), specs());
    return project.apps
      .map((a) => a.spec)
      .filter(
        (a) =>
          targets.every((t) => runsIn(a, t.spec.name)) &&
          upstream[a.name] &&
          !samePin(upstream[a.name], target[a.name]),
      )
      .filter((a) => !isNewer(target[a.name]?.tag ?? '', upstream[a.name]!.tag))
      .sort((a, b) => cmp(a.name, b.name));
  }
  const out: AppSpec[] = [];
  for (const name of [...new Set(request.apps)].sort(cmp)) {
    const app = byName.get(name);
    if (!app) {
      refuse({
        gate: 'app',
        app: name,
        message: 'no such app',
        remedy: `use the name of a file in apps/ (${[...byName.keys()].slice(0, 5).join(', ')}, …)`,
      });
      continue;
    }
    const missing = targets.filter((t) => !runsIn(app.spec, t.spec.name)).map((t) => t.spec.name);
    if (missing.length > 0) {
      refuse({
        gate: 'app',
        app: name,
        message: `does not run in ${missing.join(', ')}`,
        remedy: `add ${missing.map((m) => `'${m}'`).join(', ')} to environments in ${app.file}`,
      });
      continue;
    }
    out.push(app.spec);
  }
  return out;
}

function upstreamPin(
  root: string,
  ref: string,
  specs: ReadonlyMap<string, string>,
  histories: PinHistories,
  source: LoadedEnvironment,
  target: LoadedEnvironment,
  app: string,
  now: Date,
  request: PromotionRequest,
  refuse: (r: Refusal) => void,
): PinnedVersion | undefined {
  const pinned = readPinsAt(root, ref, source.spec.name)[app];
  // The upstream's release: its pin, with the spec it renders on `ref` when the pin names none (the chain's entry).
  const pin = pinned && releaseOf(pinned, specs.get(app));
  if (!pin) {
    refuse({
      gate: 'upstream',
      app,
      message: `not running in ${source.spec.name} (no pin in ${versionsPath(source.spec.name)} on ${ref})`,
      remedy: `promote it to ${source.spec.name} first and merge that: npm run promote -- ${app} --to ${source.spec.name}`,
    });
    return undefined;
  }
  const minSoak = target.spec.promotion.minSoakHours ?? 0;
  if (minSoak > 0) {
    const history = histories.of(source.spec.name, app);
    const since =
      history.length > 0 && samePin(history[history.length - 1]!.pin, pin) ? history[history.length - 1]!.time : now;
    const what = pin.spec === pinned.spec ? pin.tag : `${pin.tag} with spec ${pin.spec?.slice(0, 12)}`;
    const soakedHours = (now.getTime() - since.getTime()) / 3_600_000;
    if (soakedHours < minSoak && !request.force) {
      const ready = new Date(since.getTime() + minSoak * 3_600_000);
      refuse({
        gate: 'soak',
        app,
        message: `${what} has run in ${source.spec.name} for ${soakedHours.toFixed(1)} h; ${target.spec.name} needs ${minSoak} h (since ${since.toISOString()})`,
        remedy: `promote after ${ready.toISOString()}, or --force --reason "…" for an emergency`,
      });
      return undefined;
    }
  }
  return pin;
}

/**
 * Whether the spec text `blob` of `app` may be pinned outside the chain's entry: its value must depend on
 * its text alone (`isPureSpec`), so that the blob is the whole configuration the environment runs.
 */
function checkPinnableSpec(root: string, blob: string, app: string, refuse: (r: Refusal) => void): boolean {
  const text = readBlobs(root, [blob]).get(blob)!;
  if (isPureSpec(text)) return true;
  refuse({
    gate: 'spec',
    app,
    message: `apps/${app}.ts (${blob.slice(0, 12)}) imports more than the spec module, or reads the process or the clock, so its text alone is not its configuration`,
    remedy: `inline what it imports (a pinned spec is its text alone), merge that into the chain's entry, then promote`,
  });
  return false;
}

function rollbackPin(
  histories: PinHistories,
  env: string,
  app: string,
  current: PinnedVersion | undefined,
  version: string | undefined,
  refuse: (r: Refusal) => void,
): PinnedVersion | undefined {
  const history = histories.of(env, app).filter((e) => e.pin !== undefined);
  if (version !== undefined) {
    const match = [...history].reverse().find((e) => e.pin!.tag === version);
    if (!match) {
      const seen = [...new Set(history.map((e) => e.pin!.tag))].join(', ') || 'none';
      refuse({
        gate: 'upstream',
        app,
        message: `${version} never ran in ${env} (pins seen: ${seen})`,
        remedy: 'roll back to a version that ran there, or promote a fix forward',
      });
      return undefined;
    }
    return match.pin;
  }
  const previous = [...history].reverse().find((e) => !samePin(e.pin, current));
  if (!previous) {
    refuse({
      gate: 'upstream',
      app,
      message: `${env} has no earlier version to roll back to`,
      remedy: 'give one with --version, or promote a fix forward',
    });
    return undefined;
  }
  return previous.pin;
}

/** Result of applying a plan. */
export interface AppliedPromotion {
  readonly plan: PromotionPlan;
  /** The commit made with `--commit`. */
  readonly commit?: string;
  /** The branch made with `--commit`. */
  readonly branch?: string;
}

/**
 * Writes the plan's pins, re-renders, and with `commit` makes one commit on a new branch from `main`.
 * Everything that can refuse is checked before anything is written (a dirty work tree, a HEAD with
 * commits that are not on main, a branch that exists); a render that fails puts the versions files
 * back as they were, so a refused promotion leaves the work tree and the branches untouched.
 */
export async function applyPromotion(
  root: string,
  plan: PromotionPlan,
  request: PromotionRequest,
  options: { commit?: boolean } = {},
): Promise<AppliedPromotion> {
  if (plan.changes.length === 0) return { plan };
  const branch = options.commit ? checkCommitPossible(root, branchName(plan)) : undefined;
  const byEnv = new Map<string, Pins>();
  const before = new Map<string, string>();
  for (const c of plan.changes) {
    if (!before.has(c.env)) before.set(c.env, readFileSync(join(root, versionsPath(c.env)), 'utf8'));
    const pins = byEnv.get(c.env) ?? readPins(root, c.env);
    pins[c.app] = c.after;
    byEnv.set(c.env, pins);
  }
  try {
    for (const [env, pins] of byEnv) writePins(root, env, pins);
    // synth writes all of manifests/ or nothing.
    await synth(root);
  } catch (error) {
    for (const [env, text] of before) writeAtomic(join(root, versionsPath(env)), text);
    throw error;
  }
  if (!branch) return { plan };
  const commit = commitPromotion(
    root,
    branch,
    plan.targets,
    plan.targets.map(versionsPath),
    commitMessage(plan, request),
  );
  return { plan, branch, commit };
}

/**
 * Commits a written and re-rendered promotion on a new `branch` (checked by `checkCommitPossible`): `files`
 * and `manifests/<env>/` of each of `targets`, nothing else. Refuses when re-rendering changed any other file
 * (the committed manifests were stale). Returns the commit.
 */
export function commitPromotion(
  root: string,
  branch: string,
  targets: readonly string[],
  files: readonly string[],
  message: string,
): string {
  const paths = [...files, ...targets.map((e) => `${MANIFESTS_DIR}/${e}`)];
  const stray = dirtyPaths(root).filter((p) => !paths.some((a) => p === a || p.startsWith(`${a}/`)));
  if (stray.length > 0) {
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `re-rendering changed files outside ${targets.join(', ')}: ${stray.slice(0, 5).join(', ')}`,
        remedy:
          'the committed manifests were stale: restore the work tree (git checkout -- .), run `npm run synth` on main and merge that first',
      },
    ]);
  }
  // HEAD is main's tip (checked before anything was written), so the branch starts from main and carries the
  // promotion alone.
  git(root, ['switch', '-q', '-c', branch]);
  git(root, ['add', '--', ...paths]);
  git(root, ['commit', '-q', '-F', '-'], { input: message });
  return revParse(root, 'HEAD');
}

/**
 * Checks that a `--commit` promotion can make `branch` without picking up anything else: a clean work tree,
 * HEAD at main's tip (a branch from HEAD would carry its other commits into the release), and no branch of
 * that name yet. Returns `branch`; throws `PromotionRefused` otherwise.
 */
export function checkCommitPossible(root: string, branch: string): string {
  if (isDirty(root)) {
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `the work tree has uncommitted changes (${dirtyPaths(root).slice(0, 5).join(', ')})`,
        remedy: 'commit or stash them first; --commit records only the promotion',
      },
    ]);
  }
  let main: string | undefined;
  try {
    main = revParse(root, 'main');
  } catch {
    main = undefined;
  }
  if (main !== undefined && revParse(root, 'HEAD') !== main) {
    const extra = git(root, ['log', '--format=%h %s', 'main..HEAD']).trim().split('\n').filter(Boolean);
    const what =
      extra.length > 0
        ? `HEAD has ${extra.length} commit(s) that are not on main (${extra.slice(0, 3).join('; ')})`
        : 'HEAD is not at the tip of main';
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `${what}; a promotion branch starts from main and carries the promotion alone`,
        remedy: 'git switch main (and pull), then promote again',
      },
    ]);
  }
  try {
    git(root, ['check-ref-format', '--branch', branch]);
  } catch (error) {
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `cannot create branch ${branch}: ${(error as Error).message}`,
        remedy: 'name the apps differently',
      },
    ]);
  }
  if (git(root, ['branch', '--list', branch]).trim()) {
    throw new PromotionRefused([
      {
        gate: 'usage',
        message: `branch ${branch} exists already`,
        remedy: `delete or rename it (git branch -D ${branch}), then promote again`,
      },
    ]);
  }
  return branch;
}

/** `promote/<env>/<app>-<version>`, or a train name for several apps. */
export function branchName(plan: PromotionPlan): string {
  const apps = [...new Set(plan.changes.map((c) => c.app))];
  const env = plan.targets[0]!;
  const first = plan.changes.find((c) => c.app === apps[0])!;
  const prefix = plan.mode === 'rollback' ? 'rollback' : 'promote';
  // A step that moves the spec alone keeps the version: the spec names the branch apart.
  const config =
    first.after.spec !== undefined && first.before?.tag === first.after.tag && first.before.spec !== first.after.spec
      ? `-config-${first.after.spec.slice(0, 12)}`
      : '';
  if (apps.length === 1) return `${prefix}/${env}/${apps[0]}-${first.after.tag}${config}`;
  return `${prefix}/${env}/train-${apps.length}-apps-${apps
    .map((a) => a.slice(0, 12))
    .join('-')
    .slice(0, 60)}`;
}

/** The commit message: a subject, a body listing the pins, and trailers `audit` reads back. */
export function commitMessage(plan: PromotionPlan, request: PromotionRequest): string {
  const apps = [...new Set(plan.changes.map((c) => c.app))];
  const first = plan.changes[0]!;
  const where = plan.targets.join(' + ');
  const verb = plan.mode === 'rollback' ? 'Roll back' : plan.mode === 'build' ? 'Pin new build of' : 'Promote';
  const subject =
    apps.length === 1 ? `${verb} ${apps[0]} ${first.after.tag} to ${where}` : `${verb} ${apps.length} apps to ${where}`;
  const body = plan.changes.map((c) => `- ${c.env}: ${c.app} ${showPin(c.before)} -> ${showPin(c.after)}`);
  const trailers: string[] = [];
  trailers.push(`Promoted-From: ${plan.source ?? (plan.mode === 'build' ? 'build' : plan.targets[0])}`);
  trailers.push(`Promoted-To: ${plan.targets.join(', ')}`);
  for (const app of apps) {
    const change = plan.changes.find((c) => c.app === app)!;
    trailers.push(`App: ${app}`, `Version: ${change.after.tag}`);
    if (change.after.digest) trailers.push(`Digest: ${change.after.digest}`);
    if (change.after.spec) trailers.push(`Spec: ${change.after.spec}`);
  }
  if (plan.mode === 'rollback') trailers.push('Rollback: true');
  if (request.force && request.reason) trailers.push(`Reason: ${request.reason.replace(/\s+/g, ' ').trim()}`);
  return `${subject}\n\n${body.join('\n')}\n${plan.notes.map((n) => `\nNote: ${n}`).join('')}\n\n${trailers.join('\n')}\n`;
}

/** A one-screen summary of a plan for the terminal, with each spec change as a diff of the spec text. */
export function describePlan(plan: PromotionPlan, root?: string): string {
  const lines: string[] = [];
  const from =
    plan.mode === 'build' ? 'a new build' : plan.mode === 'rollback' ? 'earlier pins (rollback)' : plan.source;
  lines.push(`${plan.mode === 'rollback' ? 'Rollback' : 'Promotion'} into ${plan.targets.join(' + ')} from ${from}:`);
  for (const c of plan.changes)
    lines.push(`  ${c.env.padEnd(8)} ${c.app.padEnd(32)} ${showPin(c.before)} -> ${showPin(c.after)}`);
  if (plan.changes.length === 0) lines.push('  nothing to change');
  for (const u of plan.unchanged) lines.push(`  ${u}: already runs the upstream version`);
  if (plan.forced) lines.push(`  FORCED (soak time and verification skipped): ${plan.forced}`);
  for (const n of plan.notes) lines.push(`  note: ${n}`);
  if (root === undefined) return lines.join('\n');
  const shown = new Set<string>();
  for (const c of plan.changes) {
    const key = `${c.app}\0${c.before?.spec}\0${c.after.spec}`;
    if (c.after.spec === undefined || c.before?.spec === c.after.spec || shown.has(key)) continue;
    shown.add(key);
    const where = plan.targets.join(' + ');
    if (c.before?.spec === undefined) {
      lines.push(
        '',
        `Spec of ${c.app} pinned in ${where}: ${c.after.spec} (it rendered apps/${c.app}.ts of the work tree until now)`,
      );
    } else
      lines.push(
        '',
        `Configuration change of ${c.app} (${where}):`,
        specDiff(root, c.app, c.before.spec, c.after.spec),
      );
  }
  return lines.join('\n');
}
