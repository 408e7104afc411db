import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judge, twoProportionPValue, type JudgeThresholds, type VersionNumbers } from '../../lib/verify/judge.ts';
import { renderQueries, REQUEST_QUERIES } from '../../lib/verify/queries.ts';
import { thresholdsFor } from '../../lib/verify/verify.ts';
import { resolveMetrics } from '../../lib/spec/metrics.ts';
import { loadProject } from '../../lib/spec/project.ts';
import { SpecError } from '../../lib/spec/problems.ts';
import prod from '../fixtures/environments/prod/environment.ts';
import { makeRepo, service } from '../fixture.ts';

const T: JudgeThresholds = {
  errorRatio: 0.05,
  latencyP99Seconds: 1,
  restartsPerHour: 3,
  minRequests: 500,
  significance: 0.01,
  latencyMarginPercent: 20,
};
const TEN_MINUTES = 600;
const v = (version: string, n: Partial<VersionNumbers> = {}): VersionNumbers => ({
  version,
  requests: 10_000,
  errors: 10,
  latencyP99: 0.2,
  restarts: 0,
  oomKills: 0,
  ...n,
});
const outcomes = (checks: readonly { name: string; outcome: string }[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c.outcome]));

describe('the judge', () => {
  it('passes a canary like its baseline', () => {
    const verdict = judge(v('1.1.0', { requests: 1000, errors: 1 }), v('1.0.0'), T, TEN_MINUTES);
    expect(verdict.outcome).toBe('pass');
    expect(outcomes(verdict.checks)).toEqual({
      traffic: 'pass',
      'error-ratio': 'pass',
      'errors-vs-baseline': 'pass',
      latency: 'pass',
      'latency-vs-baseline': 'pass',
      restarts: 'pass',
      'oom-kills': 'pass',
    });
  });

  it('fails a canary whose errors are significantly above the baseline, though under the alert threshold', () => {
    const verdict = judge(v('1.1.0', { requests: 1000, errors: 30 }), v('1.0.0'), T, TEN_MINUTES);
    expect(verdict.outcome).toBe('fail');
    expect(verdict.checks.find((c) => c.name === 'error-ratio')?.outcome).toBe('pass');
    expect(verdict.checks.find((c) => c.name === 'errors-vs-baseline')).toEqual({
      name: 'errors-vs-baseline',
      outcome: 'fail',
      detail:
        'error ratio 3.00% against 0.10% of 1.0.0 (10 of 10000): one-sided two-proportion z-test p = < 0.0001, significance 0.01',
    });
  });

  it('computes the one-sided two-proportion p-value', () => {
    // z = (0.012 - 0.010) / sqrt(0.011 * 0.989 * (1/5000 + 1/5000)) = 0.9588; 1 - Φ(z) = 0.1688.
    expect(twoProportionPValue(60, 5000, 50, 5000)).toBeCloseTo(0.1688, 3);
    // Pooled 0.01: z = 0.004 / sqrt(0.01 * 0.99 * 2 / 10000) = 2.8427; 1 - Φ(z) = 0.00224.
    expect(twoProportionPValue(120, 10_000, 80, 10_000)).toBeCloseTo(0.00224, 4);
    expect(twoProportionPValue(0, 1000, 0, 1000)).toBe(1);
    expect(twoProportionPValue(5, 1000, 50, 1000)).toBeGreaterThan(0.99);
  });

  it('is inconclusive below the minimum of requests, and says the minimum', () => {
    const verdict = judge(v('1.1.0', { requests: 120, errors: 0 }), v('1.0.0'), T, TEN_MINUTES);
    expect(verdict.outcome).toBe('inconclusive');
    expect(verdict.checks[0]).toEqual({
      name: 'traffic',
      outcome: 'inconclusive',
      detail: '120 requests to 1.1.0; at least 500 are needed for a verdict',
    });
    expect(verdict.checks.map((c) => c.name)).not.toContain('latency');
  });

  it('fails on what fails even with too little traffic: restarts above the prorated threshold, any OOM kill', () => {
    const verdict = judge(v('1.1.0', { requests: 100, restarts: 1, oomKills: 1 }), undefined, T, TEN_MINUTES);
    expect(verdict.outcome).toBe('fail');
    expect(verdict.checks.find((c) => c.name === 'restarts')?.detail).toBe(
      '1 container restarts in 10 min; at most 0.50 (3 an hour) are allowed',
    );
    expect(verdict.checks.find((c) => c.name === 'oom-kills')?.outcome).toBe('fail');
    expect(judge(v('1.1.0', { restarts: 1 }), undefined, T, 3600).outcome).toBe('pass');
  });

  it('fails a p99 latency above the threshold, or above the baseline by more than the margin', () => {
    expect(outcomes(judge(v('1.1.0', { latencyP99: 1.2 }), undefined, T, TEN_MINUTES).checks).latency).toBe('fail');
    const slower = judge(v('1.1.0', { latencyP99: 0.25 }), v('1.0.0', { latencyP99: 0.2 }), T, TEN_MINUTES);
    expect(slower.outcome).toBe('fail');
    expect(slower.checks.find((c) => c.name === 'latency-vs-baseline')?.detail).toBe(
      'p99 latency 0.250s against 0.200s of 1.0.0; at most 20% more (0.240s) is allowed',
    );
    expect(judge(v('1.1.0', { latencyP99: 0.23 }), v('1.0.0', { latencyP99: 0.2 }), T, TEN_MINUTES).outcome).toBe(
      'pass',
    );
  });

  it('compares with the baseline only when it served enough requests, and says why not', () => {
    const verdict = judge(
      v('1.1.0', { requests: 1000, errors: 30 }),
      v('1.0.0', { requests: 40, errors: 0 }),
      T,
      TEN_MINUTES,
    );
    expect(verdict.outcome).toBe('pass');
    expect(verdict.baselineNote).toBe(
      'no comparison with 1.0.0: it served 40 requests in the window (at least 500 are needed)',
    );
    expect(judge(v('1.1.0'), undefined, T, TEN_MINUTES).baselineNote).toBe(
      'no comparison: no previous version ran in the window',
    );
  });

  it('judges a worker by restarts and OOM kills only', () => {
    const worker: VersionNumbers = { version: '2.0.0', restarts: 0, oomKills: 0 };
    const verdict = judge(worker, undefined, T, TEN_MINUTES);
    expect(verdict).toEqual({
      outcome: 'pass',
      checks: [
        {
          name: 'restarts',
          outcome: 'pass',
          detail: '0 container restarts in 10 min; at most 0.50 (3 an hour) are allowed',
        },
        { name: 'oom-kills', outcome: 'pass', detail: '0 OOM kills in 10 min; none are allowed' },
      ],
    });
  });
});

describe('queries and thresholds', () => {
  it('fills the templates of the app convention with the labels the monitors attach', () => {
    const app = service('claims-api', { runtime: 'spring-boot', metrics: { port: 'http' } });
    const q = renderQueries(app, resolveMetrics(app, prod)!, {
      app: 'claims-api',
      namespace: 'claims',
      version: '2.1.0',
      windowSeconds: 600,
    });
    expect(q.errors).toBe(
      'sum(increase(http_server_requests_seconds_count{namespace="claims", app="claims-api", version="2.1.0", status=~"5.."}[600s]))',
    );
    expect(q.latencyP99).toBe(
      'histogram_quantile(0.99, sum by (le) (increase(http_server_requests_seconds_bucket{namespace="claims", app="claims-api", version="2.1.0"}[600s])))',
    );
    expect(q.restarts).toContain(
      'kube_pod_labels{namespace="claims", label_app_kubernetes_io_name="claims-api", label_app_kubernetes_io_version="2.1.0"}',
    );
    expect(Object.keys(REQUEST_QUERIES)).toEqual(['micrometer', 'generic']);
    const worker = { ...service('doc-worker', { kind: 'worker', metrics: { port: 'http' } }) };
    expect(
      Object.keys(
        renderQueries(worker, resolveMetrics(worker, prod)!, {
          app: 'doc-worker',
          namespace: 'claims',
          version: '1',
          windowSeconds: 60,
        }),
      ),
    ).toEqual(['restarts', 'oomKills']);
  });

  it("takes the app's alert thresholds in the environment and the environment's verification policy", () => {
    const app = service('claims-api', { metrics: { port: 'http', alerts: { latencyP99Seconds: 2 } } });
    expect(thresholdsFor(app, prod)).toEqual({
      errorRatio: 0.02,
      latencyP99Seconds: 2,
      restartsPerHour: 3,
      minRequests: 500,
      significance: 0.01,
      latencyMarginPercent: 20,
    });
  });
});

describe('environment data', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('fails a Prometheus URL that is not http(s) and verification thresholds out of range, naming the fields', async () => {
    const r = makeRepo({});
    cleanups.push(r.cleanup);
    const file = join(r.root, 'environments', 'uat', 'environment.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace("url: 'https://prometheus.uat.insure.example'", "url: 'prometheus.uat.insure.example:9090'")
        .replace(
          'verification: { gatePromotions: true }',
          'verification: { gatePromotions: true, significance: 0.5, minRequests: 0 }',
        ),
    );
    const error = await loadProject(r.root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect(
      (error as SpecError).problems.map((p) => `${p.file} ${p.field} (${JSON.stringify(p.value)}): ${p.message}`),
    ).toEqual([
      'environments/uat/environment.ts observability.prometheus.url ("prometheus.uat.insure.example:9090"): not an http(s) URL of a host',
      'environments/uat/environment.ts observability.verification.minRequests (0): not a whole number from 1 to 10000000',
      'environments/uat/environment.ts observability.verification.significance (0.5): not a significance above 0 and at most 0.2',
    ]);
  });
});
