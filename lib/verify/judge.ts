/**
 * The judge: a verdict on a candidate version from its numbers, its
 * thresholds and, where the previous version served enough requests in the
 * same window, the baseline. A pure function of the numbers.
 */
import { errorFunction } from 'simple-statistics';

/** What was measured for one version over the window. */
export interface VersionNumbers {
  /** The version (tag). */
  readonly version: string;
  /** Requests served; `undefined` for an app without request metrics. */
  readonly requests?: number;
  /** Requests answered with a 5xx status. */
  readonly errors?: number;
  /** p99 latency in seconds; `undefined` without requests. */
  readonly latencyP99?: number;
  /** Container restarts. */
  readonly restarts: number;
  /** OOM kills. */
  readonly oomKills: number;
}

/** The limits a verdict is judged against. */
export interface JudgeThresholds {
  /** Highest error ratio (the app's `errorRatio` alert threshold). */
  readonly errorRatio: number;
  /** Highest p99 latency in seconds (the app's `latencyP99Seconds` alert threshold). */
  readonly latencyP99Seconds: number;
  /** Restarts an hour (the app's `restartsPerHour` alert threshold), prorated over the window. */
  readonly restartsPerHour: number;
  /** Fewest requests for a verdict, and for a baseline comparison. */
  readonly minRequests: number;
  /** Significance of the one-sided two-proportion z-test on errors. */
  readonly significance: number;
  /** Percent by which the candidate's p99 latency may exceed the baseline's. */
  readonly latencyMarginPercent: number;
}

/** Outcome of a verdict or one of its checks. */
export type Outcome = 'pass' | 'fail' | 'inconclusive';

/** One check of a verdict, with its numbers in words. */
export interface Check {
  /** `traffic`, `error-ratio`, `errors-vs-baseline`, `latency`, `latency-vs-baseline`, `restarts`, `oom-kills`. */
  readonly name: string;
  /** The check's own outcome. */
  readonly outcome: Outcome;
  /** What was measured and what it was compared with. */
  readonly detail: string;
}

/** A verdict on a candidate. */
export interface Verdict {
  /** Fail if any check fails, else inconclusive if any is, else pass. */
  readonly outcome: Outcome;
  /** Every check, in a fixed order. */
  readonly checks: readonly Check[];
  /** Why the baseline was not compared with, when it was not. */
  readonly baselineNote?: string;
}

/**
 * Judges `candidate` over a window of `windowSeconds`. Fails on any failed check;
 * inconclusive when the candidate served fewer than `minRequests` requests (and
 * nothing failed); passes otherwise.
 */
export function judge(
  candidate: VersionNumbers,
  baseline: VersionNumbers | undefined,
  t: JudgeThresholds,
  windowSeconds: number,
): Verdict {
  const checks: Check[] = [];
  let baselineNote: string | undefined;
  const requests = candidate.requests;
  if (requests !== undefined) {
    const errors = candidate.errors ?? 0;
    const enough = requests >= t.minRequests;
    checks.push({
      name: 'traffic',
      outcome: enough ? 'pass' : 'inconclusive',
      detail: `${fmt(requests)} requests to ${candidate.version}; at least ${t.minRequests} are needed for a verdict`,
    });
    if (requests > 0) {
      const ratio = errors / requests;
      checks.push({
        name: 'error-ratio',
        outcome: enough && ratio > t.errorRatio ? 'fail' : enough ? 'pass' : 'inconclusive',
        detail: `${fmt(errors)} of ${fmt(requests)} requests failed (${pct(ratio)}); the limit is ${pct(t.errorRatio)}`,
      });
    }
    const base = baseline?.requests;
    if (baseline && base !== undefined && base >= t.minRequests && enough) {
      checks.push(errorsVersusBaseline(candidate, baseline, t.significance));
    } else if (baseline) {
      baselineNote =
        `no comparison with ${baseline.version}: it served ${fmt(base ?? 0)} requests in the window` +
        ` (at least ${t.minRequests} are needed)`;
    } else {
      baselineNote = 'no comparison: no previous version ran in the window';
    }
    const p99 = candidate.latencyP99;
    if (p99 !== undefined && enough) {
      checks.push({
        name: 'latency',
        outcome: p99 > t.latencyP99Seconds ? 'fail' : 'pass',
        detail: `p99 latency ${secs(p99)}; the limit is ${secs(t.latencyP99Seconds)}`,
      });
      const b99 = baselineNote === undefined ? baseline?.latencyP99 : undefined;
      if (b99 !== undefined) {
        const limit = b99 * (1 + t.latencyMarginPercent / 100);
        checks.push({
          name: 'latency-vs-baseline',
          outcome: p99 > limit ? 'fail' : 'pass',
          detail:
            `p99 latency ${secs(p99)} against ${secs(b99)} of ${baseline!.version};` +
            ` at most ${t.latencyMarginPercent}% more (${secs(limit)}) is allowed`,
        });
      }
    }
  }
  const allowed = (t.restartsPerHour * windowSeconds) / 3600;
  checks.push({
    name: 'restarts',
    outcome: candidate.restarts > allowed ? 'fail' : 'pass',
    detail:
      `${fmt(candidate.restarts)} container restarts in ${duration(windowSeconds)};` +
      ` at most ${fmt(allowed)} (${t.restartsPerHour} an hour) are allowed`,
  });
  checks.push({
    name: 'oom-kills',
    outcome: candidate.oomKills > 0 ? 'fail' : 'pass',
    detail: `${fmt(candidate.oomKills)} OOM kills in ${duration(windowSeconds)}; none are allowed`,
  });
  const outcome: Outcome = checks.some((c) => c.outcome === 'fail')
    ? 'fail'
    : checks.some((c) => c.outcome === 'inconclusive')
      ? 'inconclusive'
      : 'pass';
  return { outcome, checks, ...(baselineNote !== undefined ? { baselineNote } : {}) };
}

/**
 * One-sided two-proportion z-test (pooled) of H1: the candidate's error ratio is above the baseline's.
 * Fails when the p-value is below `significance`.
 */
export function errorsVersusBaseline(candidate: VersionNumbers, baseline: VersionNumbers, significance: number): Check {
  const n1 = candidate.requests ?? 0;
  const n0 = baseline.requests ?? 0;
  const x1 = candidate.errors ?? 0;
  const x0 = baseline.errors ?? 0;
  const p = twoProportionPValue(x1, n1, x0, n0);
  const shown = p < 0.0001 ? '< 0.0001' : p.toFixed(4);
  return {
    name: 'errors-vs-baseline',
    outcome: p < significance ? 'fail' : 'pass',
    detail:
      `error ratio ${pct(x1 / n1)} against ${pct(x0 / n0)} of ${baseline.version} (${fmt(x0)} of ${fmt(n0)}):` +
      ` one-sided two-proportion z-test p = ${shown}, significance ${significance}`,
  };
}

/** The p-value of the one-sided pooled two-proportion z-test that x1/n1 is above x0/n0; 1 when no error occurred. */
export function twoProportionPValue(x1: number, n1: number, x0: number, n0: number): number {
  if (n1 <= 0 || n0 <= 0) return 1;
  const pooled = (x1 + x0) / (n1 + n0);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  if (se === 0) return 1;
  const z = (x1 / n1 - x0 / n0) / se;
  return 1 - normalCdf(z);
}

function normalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 0);
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

function secs(s: number): string {
  return `${s.toFixed(3)}s`;
}

function duration(seconds: number): string {
  return seconds >= 3600
    ? `${(seconds / 3600).toFixed(1)} h`
    : seconds >= 60
      ? `${Math.round(seconds / 60)} min`
      : `${Math.round(seconds)} s`;
}
