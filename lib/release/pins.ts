/**
 * The promotion gates, judged at the pull request. A pull request may change
 * `environments/<env>/versions.json` by hand as well as through `promote`;
 * either way each changed pin must pass the gates `promote` applies, judged
 * with the base revision's policy and history (the head only contributes the
 * versions files, parsed as JSON from git objects):
 *
 * - `upstream`: the pin is what the environment's upstream (or a declared
 *   hotfix source, or the environment it is released with) runs on the base;
 *   the environment fed by builds takes any digest-pinned build;
 * - `soak`: the upstream has run it for the target's `minSoakHours`;
 * - `freeze`: the target is in no freeze window;
 * - `newer-target`: the target does not go back to an older version, unless
 *   the pin ran there before (a rollback);
 * - `provenance`: the target requires digests and the pin has one.
 *
 * A rollback (a pin that ran in the target before) passes `upstream`,
 * `freeze` and `newer-target`, as `promote --rollback` does.
 */
import { readBlobs } from '../git/git.ts';
import { activeFreeze, nextOpen } from '../promote/freeze.ts';
import {
  isNewer,
  parsePinsData,
  PinHistories,
  releaseOf,
  samePin,
  sameRelease,
  showImage,
  showPin,
  specBlobsAt,
  versionsPath,
  type Pins,
} from '../promote/versions.ts';
import { VERSIONS_FILE } from '../spec/project.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import type { PinnedVersion } from '../spec/resolve.ts';
import { cmp } from '../util/compare.ts';

/** Gates a changed pin must pass; `soak` is the only one approvers may override. */
export type PinGate = 'upstream' | 'soak' | 'freeze' | 'newer-target' | 'provenance' | 'pins-file';

/** Gates that an override by approvers may lift (as `promote --force --reason` lifts soak). */
export const OVERRIDABLE_PIN_GATES: ReadonlySet<PinGate> = new Set<PinGate>(['soak']);

/** One pin a pull request changes. */
export interface PinChangeAt {
  readonly env: string;
  readonly app: string;
  readonly before?: PinnedVersion;
  readonly after?: PinnedVersion;
  /**
   * Where the artifact is proven to come from, as the gates found it on the base: the upstream
   * environment that runs it, `build` (a new build into the entry environment), `rollback` (it ran
   * here before); absent when no gate could prove it.
   */
  readonly source?: string;
}

/** One gate a changed pin fails. */
export interface PinRefusal {
  readonly env: string;
  readonly app: string;
  readonly gate: PinGate;
  readonly message: string;
  readonly remedy: string;
}

/** A revision's files under `environments/`: path → blob SHA. */
export type EnvironmentTree = ReadonlyMap<string, string>;

/** What the gates decide from. */
export interface PinGateInput {
  readonly root: string;
  /** The base revision: its pins and history are what "runs" means. */
  readonly base: string;
  /** The head revision: only its versions files are read, as data. */
  readonly head: string;
  /** The files under `environments/` at base and at head. */
  readonly trees: { readonly base: EnvironmentTree; readonly head: EnvironmentTree };
  /** Every environment's policy at base, in promotion order. */
  readonly policies: readonly EnvironmentSpec[];
  /** The time soak and freeze are judged at. */
  readonly now: Date;
}

/** The pins that change between base and head, and every gate they fail. */
export interface PinVerdict {
  readonly changes: readonly PinChangeAt[];
  readonly refusals: readonly PinRefusal[];
}

/**
 * Judges every pin the pull request changes against the promotion gates. Only the versions files
 * whose blob differs between base and head are read and parsed (with the base files the gates of
 * their changed pins look at), so a change that pins nothing costs nothing here.
 */
export function judgePins(input: PinGateInput): PinVerdict {
  const { root, base, head, policies, now, trees } = input;
  const changedEnvs = policies
    .map((p) => p.name as string)
    .filter((env) => trees.base.get(versionsPath(env)) !== trees.head.get(versionsPath(env)));
  const changes: PinChangeAt[] = [];
  const refusals: PinRefusal[] = [];
  if (changedEnvs.length === 0) return { changes, refusals };
  const shas = [...trees.base, ...trees.head]
    .filter(([path]) => path.endsWith(`/${VERSIONS_FILE}`))
    .map(([, sha]) => sha);
  const blobs = readBlobs(root, shas);
  const parsed = new Map<string, { pins: Pins; error?: string }>();
  const pinsOf = (side: 'base' | 'head', env: string): { pins: Pins; error?: string } => {
    const key = `${side}\0${env}`;
    let entry = parsed.get(key);
    if (!entry) {
      const sha = trees[side].get(versionsPath(env));
      const rev = side === 'base' ? base : head;
      entry =
        sha === undefined
          ? { pins: {} }
          : parsePinsData(blobs.get(sha)!, `${versionsPath(env)} at ${rev.slice(0, 12)}`);
      parsed.set(key, entry);
    }
    return entry;
  };
  let specs: Map<string, string> | undefined;
  const baseFiles = {
    get: (env: string): Pins | undefined => pinsOf('base', env).pins,
    specs: (): Map<string, string> => (specs ??= specBlobsAt(root, base)),
  };
  const headFiles = { get: (env: string): Pins | undefined => pinsOf('head', env).pins };
  // The gates read each environment's history once for every app the pull request pins, not once per pin.
  const changedApps = new Set<string>();
  for (const env of changedEnvs) {
    const [before, after] = [pinsOf('base', env).pins, pinsOf('head', env).pins];
    for (const app of new Set([...Object.keys(before), ...Object.keys(after)]))
      if (!samePin(before[app], after[app])) changedApps.add(app);
  }
  const histories = new PinHistories(root, base, [...changedApps].sort(cmp));
  for (const policy of policies.filter((p) => changedEnvs.includes(p.name))) {
    const env = policy.name as string;
    const atHead = pinsOf('head', env);
    if (atHead.error) {
      refusals.push({
        env,
        app: '*',
        gate: 'pins-file',
        message: atHead.error,
        remedy: `restore ${versionsPath(env)} (it is machine-edited) and use npm run promote`,
      });
    }
    const before = pinsOf('base', env).pins;
    const after = atHead.pins;
    for (const app of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(cmp)) {
      const b = before[app];
      const a = after[app];
      if (samePin(b, a) || (b === undefined && a === undefined)) continue;
      // An unpinned app is removed from the environment: the deletion guard judges that.
      const judged =
        a === undefined
          ? { refusals: [] }
          : judgeOne({ histories, now, policy, baseFiles, headFiles, app, before: b, after: a });
      changes.push({
        env,
        app,
        ...(b ? { before: b } : {}),
        ...(a ? { after: a } : {}),
        ...(judged.source ? { source: judged.source } : {}),
      });
      refusals.push(...judged.refusals);
    }
  }
  return { changes, refusals };
}

/** Pins of an environment on one side, read on demand. */
interface PinsBySide {
  get(env: string): Pins | undefined;
}

/** Pins of the base revision, with the blob of each app's spec file there. */
interface BasePins extends PinsBySide {
  /** App name → blob of `apps/<app>.ts` at base: the spec a pin without `spec` renders. */
  specs(): ReadonlyMap<string, string>;
}

interface OneInput {
  /** Release histories at the base revision. */
  readonly histories: PinHistories;
  readonly now: Date;
  readonly policy: EnvironmentSpec;
  readonly baseFiles: BasePins;
  readonly headFiles: PinsBySide;
  readonly app: string;
  readonly before: PinnedVersion | undefined;
  readonly after: PinnedVersion;
}

function judgeOne(i: OneInput): { refusals: PinRefusal[]; source?: string } {
  const env = i.policy.name as string;
  const out: PinRefusal[] = [];
  let source: string | undefined;
  const refuse = (gate: PinGate, message: string, remedy: string): void => {
    out.push({ env, app: i.app, gate, message, remedy });
  };
  if (i.policy.images.requireDigest && !i.after.digest) {
    refuse(
      'provenance',
      `${showImage(i.after)} has no digest, and ${env} runs only digest-pinned images`,
      'pin the digest upstream first and promote it with npm run promote',
    );
  }
  if (i.before?.spec !== undefined && i.after.spec === undefined) {
    refuse(
      'provenance',
      `the pin drops its spec (${i.before.spec.slice(0, 12)}): ${env} would render apps/${i.app}.ts of the work tree`,
      `keep the spec pinned; promote the app to move it: npm run -s promote -- ${i.app} --to ${env}`,
    );
  }
  const history = i.histories.of(env, i.app);
  if (history.some((e) => sameRelease(e.pin, i.after))) return { refusals: out, source: 'rollback' };

  const frozen = activeFreeze(i.policy.promotion.freezeWindows ?? [], i.now);
  if (frozen) {
    const open = nextOpen(i.policy.promotion.freezeWindows ?? [], i.now).toISOString();
    refuse(
      'freeze',
      `${env} is frozen (${frozen.window.name}: ${frozen.window.reason}) until ${open}`,
      `merge after ${open}; a freeze cannot be overridden (a rollback to a version that ran there is allowed)`,
    );
  }
  if (i.before && isNewer(i.before.tag, i.after.tag)) {
    refuse(
      'newer-target',
      `${env} runs ${i.before.tag}, newer than ${i.after.tag}, which never ran there`,
      `to go back, roll back to a version that ran there: npm run promote -- ${i.app} --to ${env} --rollback`,
    );
  }
  const partner = i.policy.promotion.releasedWith;
  if (partner !== undefined) {
    const runs = [i.headFiles.get(partner)?.[i.app], i.baseFiles.get(partner)?.[i.app]];
    if (runs.some((p) => p !== undefined && sameRelease(releaseOf(p, i.baseFiles.specs().get(i.app)), i.after)))
      source = partner;
    else
      refuse(
        'upstream',
        `${showPin(i.after)} is not what ${partner} runs or is released with; ${env} is released together with ${partner}`,
        `promote to ${partner}: npm run promote -- ${i.app} --to ${partner}`,
      );
    return { refusals: out, ...(source ? { source } : {}) };
  }
  const from = i.policy.promotion.from;
  if (from === undefined) {
    if (i.after.spec !== undefined)
      refuse(
        'provenance',
        `${env} is the chain's entry: it renders apps/${i.app}.ts from the work tree and pins no spec`,
        `remove "spec" from ${i.app}'s pin in ${versionsPath(env)}`,
      );
    if (!i.after.digest)
      refuse(
        'provenance',
        `a new build ${showImage(i.after)} enters ${env} without a digest`,
        `pin the build with npm run promote -- ${i.app} --to ${env} --version <tag> --digest sha256:…`,
      );
    return { refusals: out, ...(i.after.digest ? { source: 'build' } : {}) };
  }
  const sources = [from, ...(i.policy.promotion.hotfixFrom ?? [])] as string[];
  const runsIn = (s: string): PinnedVersion | undefined => {
    const pin = i.baseFiles.get(s)?.[i.app];
    return pin && releaseOf(pin, i.baseFiles.specs().get(i.app));
  };
  source = sources.find((s) => sameRelease(runsIn(s), i.after));
  if (source === undefined) {
    const upstream = runsIn(from);
    refuse(
      'upstream',
      `${showPin(i.after)} does not run in ${sources.join(' or ')} on the base revision (${from} runs ${showPin(upstream)})`,
      `promote what ${from} runs, after it is merged there: npm run promote -- ${i.app} --to ${env}`,
    );
    return { refusals: out };
  }
  const minSoak = i.policy.promotion.minSoakHours ?? 0;
  if (minSoak > 0) {
    const upstreamHistory = i.histories.of(source, i.app);
    const last = upstreamHistory[upstreamHistory.length - 1];
    const since = last && sameRelease(last.pin, i.after) ? last.time : i.now;
    const hours = (i.now.getTime() - since.getTime()) / 3_600_000;
    if (hours < minSoak) {
      const ready = new Date(since.getTime() + minSoak * 3_600_000).toISOString();
      refuse(
        'soak',
        `${showPin(i.after)} has run in ${source} for ${hours.toFixed(1)} h; ${env} needs ${minSoak} h (since ${since.toISOString()})`,
        `merge after ${ready}, or have an approver of ${env} grant an override`,
      );
    }
  }
  return { refusals: out, source };
}
