/**
 * End to end: the judge over a real Prometheus (Debian's `prometheus`) scraping
 * a test exporter on loopback, for a micrometer and a generic app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { planPromotion, PromotionRefused } from '../../lib/promote/promote.ts';
import { readPins, writePins } from '../../lib/promote/versions.ts';
import type { AppSpec } from '../../lib/spec/app.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import { verifyVersion, VerificationImpossible } from '../../lib/verify/verify.ts';
import uat from '../fixtures/environments/uat/environment.ts';
import { REPO_ROOT, digestOf, service } from '../fixture.ts';
import { commitPin, committedRepo } from '../promote/repo.ts';
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
  return {
    ...uat,
    observability: { ...uat.observability, prometheus: { ...uat.observability.prometheus, url: harness!.url } },
  };
}

describe.skipIf(!installed)('verify against a real Prometheus', () => {
  it('passes a good canary against its baseline, with the numbers', async () => {
    const result = await verifyVersion({
      app: claims,
      env: env(),
      candidate: '1.1.0',
      baseline: '1.0.0',
      now: new Date(),
      windowSeconds: WINDOW_SECONDS,
    });
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
    const result = await verifyVersion({
      app: quotes,
      env: env(),
      candidate: '1.0.0',
      baseline: '0.9.0',
      now: new Date(),
      windowSeconds: WINDOW_SECONDS,
    });
    expect(result.outcome).toBe('pass');
    expect(result.queries.errors).toBe(
      'sum(increase(http_requests_total{namespace="claims", app="quote-api", version="1.0.0", status_code=~"5.."}[10s]))',
    );
    expect(result.candidate.requests).toBeGreaterThanOrEqual(800);
    expect(result.candidate.errors).toBe(0);
  });

  it('fails a canary answering 5% of requests with errors, stating the test and the numbers', async () => {
    const result = await verifyVersion({
      app: claims,
      env: env(),
      candidate: '1.2.0',
      baseline: '1.0.0',
      now: new Date(),
      windowSeconds: WINDOW_SECONDS,
    });
    expect(result.outcome).toBe('fail');
    const test = result.checks.find((c) => c.name === 'errors-vs-baseline')!;
    expect(test.outcome).toBe('fail');
    expect(test.detail).toMatch(
      /^error ratio [45]\.\d\d% against 0\.\d\d% of 1\.0\.0 \(\d+ of \d+\): one-sided two-proportion z-test p = < 0\.0001, significance 0\.01$/,
    );
    const errors = result.candidate.errors! / result.candidate.requests!;
    expect(errors).toBeGreaterThan(0.045);
    expect(errors).toBeLessThan(0.055);
  });

  it('is inconclusive for a version without traffic, stating the minimum', async () => {
    const result = await verifyVersion({
      app: claims,
      env: env(),
      candidate: '1.3.0',
      baseline: '1.0.0',
      now: new Date(),
      windowSeconds: WINDOW_SECONDS,
    });
    expect(result.outcome).toBe('inconclusive');
    expect(result.candidate.requests).toBe(0);
    expect(result.checks[0]).toEqual({
      name: 'traffic',
      outcome: 'inconclusive',
      detail: '0 requests to 1.3.0; at least 500 are needed for a verdict',
    });
  });
});

describe.skipIf(!installed)('promote and verify against a real Prometheus', () => {
  const ago = (h: number) => new Date(Date.now() - h * 3_600_000);

  it('promotes a good version with the verdict in its notes, and refuses a bad one with the numbers and the query', async () => {
    const root = await committedRepo({ 'claims-api': claims }, ago(10));
    commitPin(root, 'sit', 'claims-api', '1.1.0', ago(6));
    const plan = await planPromotion(root, {
      apps: ['claims-api'],
      to: 'uat',
      now: new Date(),
      prometheus: harness!.url,
    });
    expect(plan.changes.map((c) => `${c.env}:${c.after.tag}`)).toEqual(['uat:1.1.0']);
    expect(plan.notes).toHaveLength(1);
    expect(plan.notes[0]).toMatch(
      /^claims-api 1\.1\.0 verified on sit's metrics since \S+: \d+ requests to 1\.1\.0; at least 500 are needed/,
    );
    expect(plan.notes[0]).toMatch(/error ratio 0\.\d\d% against 0\.\d\d% of 1\.0\.0/);

    commitPin(root, 'sit', 'claims-api', '1.2.0', ago(5));
    const error = await planPromotion(root, {
      apps: ['claims-api'],
      to: 'uat',
      now: new Date(),
      prometheus: harness!.url,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromotionRefused);
    const refusal = (error as PromotionRefused).refusals[0]!;
    expect(refusal.gate).toBe('verified');
    expect(refusal.message).toMatch(/^1\.2\.0 is failing on sit's metrics \(\S+ to \S+, against 1\.1\.0\): /);
    // About 5 % errors: the absolute threshold (5 %) may fail too or not, as increase() extrapolates.
    expect(refusal.message).toMatch(
      /errors-vs-baseline: error ratio [45]\.\d\d% against 0\.\d\d% of 1\.1\.0 \(\d+ of \d+\)/,
    );
    // The window is the soak in sit: five hours (and the second or so the test took).
    expect(refusal.message).toMatch(
      /; query: sum\(increase\(http_server_requests_seconds_count\{namespace="claims", app="claims-api", version="1\.2\.0"\}\[1800\ds\]\)\)/,
    );
    expect(refusal.remedy).toContain('npm run -s verify -- --env sit --app claims-api');
  });

  it('verify exits 0 on a good batch, 1 on a failing one and 2 without traffic (real CLI runs)', async () => {
    const root = await committedRepo({ 'claims-api': claims }, ago(10));
    commitPin(root, 'prod', 'claims-api', '1.1.0', ago(1));
    const verify = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'),
          'verify',
          '--env',
          'prod',
          '--app',
          'claims-api',
          '--prometheus',
          harness!.url,
          '--window',
          '1',
          ...args,
        ],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, PLATFORM_ROOT: root },
        },
      );
    const pass = verify('--json');
    expect(pass.stderr).toBe('');
    expect(pass.status).toBe(0);
    const json = JSON.parse(pass.stdout) as {
      outcome: string;
      candidate: { version: string };
      baseline: { version: string };
      window: { seconds: number };
    };
    expect(json).toMatchObject({
      outcome: 'pass',
      candidate: { version: '1.1.0' },
      baseline: { version: '1.0.0' },
      window: { seconds: 60 },
    });

    // The new revision's pods run 1.2.0 (pinned, not yet merged); the stable ones 1.1.0.
    writePins(root, 'prod', {
      ...readPins(root, 'prod'),
      'claims-api': { tag: '1.2.0', digest: digestOf('claims-api:1.2.0') },
    });
    const fail = verify();
    expect(fail.status).toBe(1);
    expect(fail.stdout).toMatch(/^FAIL: claims-api 1\.2\.0 in prod against 1\.1\.0/);
    expect(fail.stdout).toMatch(/fail {9}errors-vs-baseline {3}error ratio [45]\.\d\d%/);
    expect(fail.stdout).toContain(
      'remedy: do not continue the rollout: roll back (npm run -s promote -- claims-api --to prod --rollback)',
    );

    writePins(root, 'prod', {
      ...readPins(root, 'prod'),
      'claims-api': { tag: '1.3.0', digest: digestOf('claims-api:1.3.0') },
    });
    const none = verify();
    expect(none.status).toBe(2);
    expect(none.stdout).toContain(
      'inconclusive traffic              0 requests to 1.3.0; at least 500 are needed for a verdict',
    );
  });
});

describe.skipIf(!installed)('a stopped Prometheus', () => {
  it('fails closed, naming the URL, once Prometheus is stopped', async () => {
    const spec = env();
    await harness!.stopPrometheus();
    const error = await verifyVersion({
      app: claims,
      env: spec,
      candidate: '1.1.0',
      baseline: '1.0.0',
      now: new Date(),
      windowSeconds: WINDOW_SECONDS,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationImpossible);
    expect((error as Error).message).toContain(
      `cannot verify claims-api 1.1.0 in uat: Prometheus at ${harness!.url} did not answer (ECONNREFUSED)`,
    );
    expect((error as VerificationImpossible).remedy).toContain('an unanswered verification fails closed');
  });
});
