/**
 * End to end: the judge over a real Prometheus (Debian's `prometheus`) scraping
 * a test exporter on loopback, for a micrometer and a generic app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { AppSpec } from '../../lib/spec/app.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import { verifyVersion, VerificationImpossible } from '../../lib/verify/verify.ts';
import uat from '../../environments/uat/environment.ts';
import { service } from '../fixture.ts';
import { PROMETHEUS_BIN, startPrometheus, type PrometheusHarness, type VersionTraffic } from './harness.ts';

const claims: AppSpec = service('claims-api', { runtime: 'spring-boot', metrics: { port: 'http' } });
const quotes: AppSpec = service('quote-api', { runtime: 'node', metrics: { port: 'http' } });

const TRAFFIC: VersionTraffic[] = [
  { app: 'claims-api', namespace: 'claims', version: '1.0.0', convention: 'micrometer', rps: 200, errorRatio: 0.001 },
  { app: 'claims-api', namespace: 'claims', version: '1.1.0', convention: 'micrometer', rps: 100, errorRatio: 0.001 },
  { app: 'claims-api', namespace: 'claims', version: '1.2.0', convention: 'micrometer', rps: 100, errorRatio: 0.05 },
  { app: 'claims-api', namespace: 'claims', version: '1.3.0', convention: 'micrometer', rps: 0, errorRatio: 0 },
  { app: 'quote-api', namespace: 'claims', version: '0.9.0', convention: 'generic', rps: 150, errorRatio: 0.001 },
  { app: 'quote-api', namespace: 'claims', version: '1.0.0', convention: 'generic', rps: 100, errorRatio: 0 },
];

/** The window each verdict is judged over: inside the scrapes the harness waits for. */
const WINDOW_SECONDS = 10;

let harness: PrometheusHarness | undefined;
let startMs = 0;
const installed = existsSync(PROMETHEUS_BIN);
beforeAll(async () => {
  if (!installed) return;
  const t0 = Date.now();
  harness = await startPrometheus(TRAFFIC, WINDOW_SECONDS + 3);
  startMs = Date.now() - t0;
}, 90_000);
afterAll(async () => {
  await harness?.stop();
});

function env(): EnvironmentSpec {
  return { ...uat, observability: { ...uat.observability, prometheus: { ...uat.observability.prometheus, url: harness!.url } } };
}

describe.skipIf(!installed)('verify against a real Prometheus', () => {
  it('passes a good canary against its baseline, with the numbers', async () => {
    const result = await verifyVersion({ app: claims, env: env(), candidate: '1.1.0', baseline: '1.0.0', now: new Date(), windowSeconds: WINDOW_SECONDS });
    expect(result.outcome).toBe('pass');
    // 100 requests a second over 10 s, the baseline twice as many; increase() extrapolates to the window's ends.
    expect(result.candidate.requests).toBeGreaterThanOrEqual(800);
    expect(result.candidate.requests).toBeLessThanOrEqual(1200);
    expect(result.baseline!.requests).toBeGreaterThanOrEqual(1600);
    expect(result.candidate.latencyP99).toBeGreaterThan(0.05);
    expect(result.candidate.latencyP99).toBeLessThanOrEqual(0.1);
    expect(result.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['traffic', 'pass'],
      ['error-ratio', 'pass'],
      ['errors-vs-baseline', 'pass'],
      ['latency', 'pass'],
      ['latency-vs-baseline', 'pass'],
      ['restarts', 'pass'],
      ['oom-kills', 'pass'],
    ]);
    expect(result.queries.requests).toBe(
      'sum(increase(http_server_requests_seconds_count{namespace="claims", app="claims-api", version="1.1.0"}[10s]))',
    );
    process.stdout.write(`[verify e2e] Prometheus started and scraped ${WINDOW_SECONDS + 3} times in ${startMs} ms\n`);
  });

  it('passes a good generic canary, counted by http_requests_total', async () => {
    const result = await verifyVersion({ app: quotes, env: env(), candidate: '1.0.0', baseline: '0.9.0', now: new Date(), windowSeconds: WINDOW_SECONDS });
    expect(result.outcome).toBe('pass');
    expect(result.queries.errors).toBe(
      'sum(increase(http_requests_total{namespace="claims", app="quote-api", version="1.0.0", status_code=~"5.."}[10s]))',
    );
    expect(result.candidate.requests).toBeGreaterThanOrEqual(800);
    expect(result.candidate.errors).toBe(0);
  });

  it('fails a canary answering 5% of requests with errors, stating the test and the numbers', async () => {
    const result = await verifyVersion({ app: claims, env: env(), candidate: '1.2.0', baseline: '1.0.0', now: new Date(), windowSeconds: WINDOW_SECONDS });
    expect(result.outcome).toBe('fail');
    const test = result.checks.find((c) => c.name === 'errors-vs-baseline')!;
    expect(test.outcome).toBe('fail');
    expect(test.detail).toMatch(/^error ratio 5\.\d\d% against 0\.\d\d% of 1\.0\.0 \(\d+ of \d+\): one-sided two-proportion z-test p = < 0\.0001, significance 0\.01$/);
    const errors = result.candidate.errors! / result.candidate.requests!;
    expect(errors).toBeGreaterThan(0.045);
    expect(errors).toBeLessThan(0.055);
  });

  it('is inconclusive for a version without traffic, stating the minimum', async () => {
    const result = await verifyVersion({ app: claims, env: env(), candidate: '1.3.0', baseline: '1.0.0', now: new Date(), windowSeconds: WINDOW_SECONDS });
    expect(result.outcome).toBe('inconclusive');
    expect(result.candidate.requests).toBe(0);
    expect(result.checks[0]).toEqual({ name: 'traffic', outcome: 'inconclusive', detail: '0 requests to 1.3.0; at least 500 are needed for a verdict' });
  });

  it('fails closed, naming the URL, once Prometheus is stopped', async () => {
    const spec = env();
    await harness!.stopPrometheus();
    const error = await verifyVersion({ app: claims, env: spec, candidate: '1.1.0', baseline: '1.0.0', now: new Date(), windowSeconds: WINDOW_SECONDS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationImpossible);
    expect((error as Error).message).toContain(`cannot verify claims-api 1.1.0 in uat: Prometheus at ${harness!.url} did not answer (ECONNREFUSED)`);
    expect((error as VerificationImpossible).remedy).toContain('an unanswered verification fails closed');
  });
});
