/**
 * Metric verification of one app version in one environment: the queries
 * (lib/verify/queries.ts) run against the environment's Prometheus, and the
 * judge (lib/verify/judge.ts) decides. Used by `promote` (gate `verified`) and
 * by `verify` (a batch of a staged rollout, new pods against stable ones).
 */
import type { AppSpec } from '../spec/app.ts';
import type { EnvironmentSpec, VerificationPolicy } from '../spec/environment.ts';
import { resolveMetrics } from '../spec/metrics.ts';
import { labelValue } from '../workload/labels.ts';
import { judge, type JudgeThresholds, type Outcome, type Verdict, type VersionNumbers } from './judge.ts';
import { PrometheusClient, PrometheusUnavailable } from './prometheus.ts';
import { renderQueries, type VersionQueries } from './queries.ts';

/** The defaults of `observability.verification`. */
export const VERIFICATION_DEFAULTS: Required<Omit<VerificationPolicy, 'gatePromotions'>> = {
  minRequests: 500,
  significance: 0.01,
  latencyMarginPercent: 20,
  batchWindowMinutes: 10,
  timeoutSeconds: 10,
};

/** What to verify. */
export interface VerificationRequest {
  /** The app. */
  readonly app: AppSpec;
  /** The environment whose Prometheus holds the metrics, and whose thresholds apply. */
  readonly env: EnvironmentSpec;
  /** The candidate version (pinned tag). */
  readonly candidate: string;
  /** The version it replaces, compared with where it served enough requests in the same window. */
  readonly baseline?: string;
  /** End of the window. */
  readonly now: Date;
  /** Length of the window in seconds. */
  readonly windowSeconds: number;
  /**
   * Prometheus base URL.
   * @default - the environment's `observability.prometheus.url`
   */
  readonly prometheusUrl?: string;
}

/** A verdict with everything needed to act on it. */
export interface VerificationResult extends Verdict {
  /** The app judged. */
  readonly app: string;
  /** The environment whose metrics were judged. */
  readonly env: string;
  /** The Prometheus asked. */
  readonly prometheus: string;
  /** The window, ISO 8601 start and end, and its length. */
  readonly window: { readonly start: string; readonly end: string; readonly seconds: number };
  /** The limits applied. */
  readonly thresholds: JudgeThresholds;
  /** The candidate's numbers. */
  readonly candidate: VersionNumbers;
  /** The previous version's numbers, when one was given. */
  readonly baseline?: VersionNumbers;
  /** The candidate's queries, as run. */
  readonly queries: VersionQueries;
}

/** Thrown when a version cannot be verified at all (no metrics, no Prometheus URL, Prometheus unavailable). */
export class VerificationImpossible extends Error {
  constructor(
    message: string,
    /** What to do. */
    public readonly remedy: string,
  ) {
    super(message);
    this.name = 'VerificationImpossible';
  }
}

/** The judge's thresholds for `app` in `env`: its alert thresholds and the environment's verification policy. */
export function thresholdsFor(app: AppSpec, env: EnvironmentSpec): JudgeThresholds {
  const metrics = resolveMetrics(app, env, app.overrides?.[env.name]);
  const policy = { ...VERIFICATION_DEFAULTS, ...env.observability.verification };
  const alerts = metrics?.alerts;
  return {
    errorRatio: alerts?.errorRatio ?? 0,
    latencyP99Seconds: alerts?.latencyP99Seconds ?? 0,
    restartsPerHour: alerts?.restartsPerHour ?? 0,
    minRequests: policy.minRequests,
    significance: policy.significance,
    latencyMarginPercent: policy.latencyMarginPercent,
  };
}

/** Measures the candidate (and baseline) and judges it. Throws `VerificationImpossible` when it cannot. */
export async function verifyVersion(request: VerificationRequest): Promise<VerificationResult> {
  const { app, env } = request;
  const metrics = resolveMetrics(app, env, app.overrides?.[env.name]);
  if (!metrics) {
    throw new VerificationImpossible(
      `${app.name} declares no metrics, so its versions cannot be verified`,
      `declare metrics: { port: '<port name>' } in apps/${app.name}.ts`,
    );
  }
  const url = request.prometheusUrl ?? env.observability.prometheus.url;
  if (!url) {
    throw new VerificationImpossible(
      `${env.name} has no Prometheus URL`,
      `set observability.prometheus.url in environments/${env.name}/environment.ts, or pass --prometheus URL`,
    );
  }
  const policy = { ...VERIFICATION_DEFAULTS, ...env.observability.verification };
  const client = new PrometheusClient(url, { timeoutMs: policy.timeoutSeconds * 1000 });
  const windowSeconds = Math.max(1, Math.round(request.windowSeconds));
  const scope = (version: string) => ({
    app: app.name,
    namespace: app.namespace ?? app.team,
    version: labelValue(version),
    windowSeconds,
  });
  const queries = renderQueries(app, metrics, scope(request.candidate));
  try {
    const candidate = await measure(client, request.candidate, queries, request.now);
    const baseline =
      request.baseline !== undefined && request.baseline !== request.candidate
        ? await measure(client, request.baseline, renderQueries(app, metrics, scope(request.baseline)), request.now)
        : undefined;
    const thresholds = thresholdsFor(app, env);
    const verdict = judge(candidate, baseline, thresholds, windowSeconds);
    return {
      ...verdict,
      app: app.name,
      env: env.name,
      prometheus: client.url,
      window: {
        start: new Date(request.now.getTime() - windowSeconds * 1000).toISOString(),
        end: request.now.toISOString(),
        seconds: windowSeconds,
      },
      thresholds,
      candidate,
      ...(baseline ? { baseline } : {}),
      queries,
    };
  } catch (error) {
    if (!(error instanceof PrometheusUnavailable)) throw error;
    throw new VerificationImpossible(
      `cannot verify ${app.name} ${request.candidate} in ${env.name}: ${error.message}`,
      `check that ${error.url} is reachable from here (or pass --prometheus URL);` +
        ' an unanswered verification fails closed',
    );
  }
}

async function measure(
  client: PrometheusClient,
  version: string,
  q: VersionQueries,
  at: Date,
): Promise<VersionNumbers> {
  const [requests, errors, latencyP99, restarts, oomKills] = await Promise.all([
    q.requests !== undefined ? client.scalar(q.requests, at) : undefined,
    q.errors !== undefined ? client.scalar(q.errors, at) : undefined,
    q.latencyP99 !== undefined ? client.scalar(q.latencyP99, at) : undefined,
    client.scalar(q.restarts, at),
    client.scalar(q.oomKills, at),
  ]);
  return {
    version,
    ...(q.requests !== undefined ? { requests: round(requests ?? 0), errors: round(errors ?? 0) } : {}),
    ...(latencyP99 !== undefined ? { latencyP99 } : {}),
    restarts: round(restarts ?? 0),
    oomKills: round(oomKills ?? 0),
  };
}

/** `increase()` extrapolates to the window's ends; counts are shown and tested as whole numbers. */
function round(n: number): number {
  return Math.round(n);
}

/** The verdict, its numbers, and the queries, for a terminal. */
export function describeVerification(result: VerificationResult, remedy?: string): string {
  const lines = [
    `${headline(result.outcome)}: ${result.app} ${result.candidate.version} in ${result.env}` +
      `${result.baseline ? ` against ${result.baseline.version}` : ''}, ${result.window.start} to ${result.window.end}`,
  ];
  for (const c of result.checks) lines.push(`  ${c.outcome.padEnd(12)} ${c.name.padEnd(20)} ${c.detail}`);
  if (result.baselineNote) lines.push(`  note: ${result.baselineNote}`);
  lines.push(`  queries (Prometheus ${result.prometheus}):`);
  for (const [name, query] of Object.entries(result.queries)) lines.push(`    ${name}: ${query}`);
  if (remedy && result.outcome !== 'pass') lines.push(`  remedy: ${remedy}`);
  return lines.join('\n');
}

function headline(outcome: Outcome): string {
  return outcome === 'pass' ? 'PASS' : outcome === 'fail' ? 'FAIL' : 'INCONCLUSIVE';
}
