/**
 * The `verified` promotion gate: the candidate's metrics in the upstream
 * environment over its soak window, judged by lib/verify/ against the
 * upstream environment's thresholds and the version it replaced there.
 */
import type { AppSpec } from '../spec/app.ts';
import type { LoadedEnvironment } from '../spec/project.ts';
import type { PinnedVersion } from '../spec/resolve.ts';
import { verifyVersion, VerificationImpossible, type VerificationResult } from '../verify/verify.ts';
import type { VersionQueries } from '../verify/queries.ts';
import { pinHistory, readPins, sameRelease } from './versions.ts';

/** Longest window the gate asks about: a week of the soak. */
export const MAX_VERIFY_WINDOW_SECONDS = 7 * 24 * 3600;
/** Shortest window the gate asks about. */
const MIN_VERIFY_WINDOW_SECONDS = 60;

/** What the gate needs. */
export interface VerifiedGateInput {
  /** The repository. */
  readonly root: string;
  /** The revision whose history of upstream pins counts (main). */
  readonly ref: string;
  /** The upstream environment, where the candidate runs. */
  readonly source: LoadedEnvironment;
  /** The app promoted. */
  readonly app: AppSpec;
  /** The upstream pin to promote. */
  readonly candidate: PinnedVersion;
  /** The time the gate is judged at: the end of the window. */
  readonly now: Date;
  /** `force` skips the gate; `prometheus` overrides the upstream environment's URL. */
  readonly request: { readonly force?: boolean; readonly prometheus?: string };
  /** Records a refusal of gate `verified`. */
  readonly refuse: (r: { gate: string; app?: string; message: string; remedy: string }) => void;
  /** Notes for reviewers (the plan's). */
  readonly notes: string[];
}

/** Judges the candidate; refuses (and returns false) on fail, inconclusive, or no answer. */
export async function verifiedGate(input: VerifiedGateInput): Promise<boolean> {
  const { app, source, candidate, request, refuse, notes } = input;
  const env = source.spec;
  const bypass = `or --force --reason "…" for an emergency`;
  if (request.force) {
    notes.push(`${app.name} ${candidate.tag} was not verified on ${env.name}'s metrics (forced)`);
    return true;
  }
  if (!app.metrics) {
    notes.push(`${app.name} declares no metrics: the verified gate does not apply`);
    return true;
  }
  const history = pinHistory(input.root, input.ref, env.name, app.name);
  const at = history.map((e) => sameRelease(e.pin, candidate)).lastIndexOf(true);
  const since = at >= 0 ? history[at]!.time : input.now;
  const earlier = history.slice(0, Math.max(at, 0)).filter((e) => e.pin !== undefined && e.pin.tag !== candidate.tag);
  const baseline = earlier[earlier.length - 1]?.pin;
  const soaked = (input.now.getTime() - since.getTime()) / 1000;
  const windowSeconds = Math.min(MAX_VERIFY_WINDOW_SECONDS, Math.max(MIN_VERIFY_WINDOW_SECONDS, soaked));
  let result: VerificationResult;
  try {
    result = await verifyVersion({
      app,
      env,
      candidate: candidate.tag,
      ...(baseline ? { baseline: baseline.tag } : {}),
      now: input.now,
      windowSeconds,
      ...(request.prometheus !== undefined ? { prometheusUrl: request.prometheus } : {}),
    });
  } catch (error) {
    if (!(error instanceof VerificationImpossible)) throw error;
    refuse({ gate: 'verified', app: app.name, message: error.message, remedy: `${error.remedy}, ${bypass}` });
    return false;
  }
  if (result.outcome === 'pass') {
    const numbers = result.checks.filter((c) => c.name !== 'restarts' && c.name !== 'oom-kills').map((c) => c.detail);
    notes.push(
      `${app.name} ${candidate.tag} verified on ${env.name}'s metrics since ${result.window.start}: ` +
        (numbers.join('; ') || 'no restarts, no OOM kills'),
    );
    return true;
  }
  const failed = result.checks.filter((c) => c.outcome === result.outcome);
  const queries = [...new Set(failed.flatMap((c) => queriesOf(c.name, result.queries)))];
  const remedy =
    result.outcome === 'fail'
      ? `fix it and promote a new build (npm run -s verify -- --env ${env.name} --app ${app.name} shows the numbers),` +
        ` ${bypass}`
      : `promote when ${env.name} has served ${candidate.tag} at least ${result.thresholds.minRequests} requests,` +
        ` ${bypass}`;
  refuse({
    gate: 'verified',
    app: app.name,
    message:
      `${candidate.tag} is ${result.outcome === 'fail' ? 'failing' : 'not verified (inconclusive)'}` +
      ` on ${env.name}'s metrics` +
      ` (${result.window.start} to ${result.window.end}` +
      `${result.baseline ? `, against ${result.baseline.version}` : ''}):` +
      ` ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}; query: ${queries.join(' ; ')}`,
    remedy,
  });
  return false;
}

function queriesOf(check: string, q: VersionQueries): string[] {
  switch (check) {
    case 'latency':
    case 'latency-vs-baseline':
      return [q.latencyP99 ?? ''];
    case 'restarts':
      return [q.restarts];
    case 'oom-kills':
      return [q.oomKills];
    default:
      return [q.requests ?? '', q.errors ?? ''].filter((s) => s !== '');
  }
}

/** What `verify` judges: the pinned version of an app in an environment against the one it replaces. */
export interface BatchVersions {
  /** The version the environment pins now: the new revision's pods. */
  readonly candidate: string;
  /** The version pinned before it on `ref`: the stable pods. */
  readonly baseline?: string;
}

/** The candidate (the work tree's pin) and the baseline (the previous other version on `ref`) of `app` in `env`. */
export function batchVersions(root: string, ref: string, env: string, app: string): BatchVersions | undefined {
  const current = readPins(root, env)[app];
  if (!current) return undefined;
  const history = pinHistory(root, ref, env, app);
  const at = history.map((e) => sameRelease(e.pin, current)).lastIndexOf(true);
  const before = (at >= 0 ? history.slice(0, at) : history).filter(
    (e) => e.pin !== undefined && e.pin.tag !== current.tag,
  );
  const baseline = before[before.length - 1]?.pin?.tag;
  return { candidate: current.tag, ...(baseline !== undefined ? { baseline } : {}) };
}
