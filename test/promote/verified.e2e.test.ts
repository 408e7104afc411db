import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { planPromotion, PromotionRefused } from '../../lib/promote/promote.ts';
import { batchVersions } from '../../lib/promote/verified.ts';
import { writePins, readPins } from '../../lib/promote/versions.ts';
import { REPO_ROOT, digestOf, service } from '../fixture.ts';
import { freePort } from '../verify/harness.ts';
import { commitPin, committedRepo } from './repo.ts';

/** Tuesday 2026-11-10 09:00 UTC: outside every freeze window of the repository's environments. */
const T0 = Date.parse('2026-11-10T09:00:00Z');
const hours = (h: number) => new Date(T0 + h * 3_600_000);

const claims = service('claims-api', { runtime: 'spring-boot', metrics: { port: 'http' } });

describe('promote: the verified gate', () => {
  it('fails closed when the upstream Prometheus does not answer, naming the URL; --force --reason skips it', async () => {
    const root = await committedRepo({ 'claims-api': claims }, hours(0));
    commitPin(root, 'sit', 'claims-api', '1.1.0', hours(1));
    const prometheus = `http://127.0.0.1:${await freePort()}`;
    const error = await planPromotion(root, { apps: ['claims-api'], to: 'uat', now: hours(10), prometheus }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PromotionRefused);
    const [refusal] = (error as PromotionRefused).refusals;
    expect(refusal).toMatchObject({ gate: 'verified', app: 'claims-api' });
    expect(refusal!.message).toMatch(
      new RegExp(
        `^cannot verify claims-api 1\\.1\\.0 in sit: Prometheus at ${prometheus} did not answer \\(ECONNREFUSED\\) for: sum\\(increase\\(`,
      ),
    );
    expect(refusal!.remedy).toContain('or --force --reason "…" for an emergency');

    const forced = await planPromotion(root, {
      apps: ['claims-api'],
      to: 'uat',
      now: hours(10),
      prometheus,
      force: true,
      reason: 'INC-4711',
    });
    expect(forced.changes.map((c) => `${c.env}:${c.after.tag}`)).toEqual(['uat:1.1.0']);
    expect(forced.notes).toEqual(["claims-api 1.1.0 was not verified on sit's metrics (forced)"]);
  });

  it('does not ask Prometheus where the target does not gate promotions, or for an app without metrics', async () => {
    const root = await committedRepo({ 'claims-api': claims, 'quote-api': service('quote-api') }, hours(0));
    commitPin(root, 'dev', 'claims-api', '1.1.0', hours(1));
    commitPin(root, 'sit', 'quote-api', '1.1.0', hours(1));
    // sit does not set verification.gatePromotions; uat does, but quote-api declares no metrics.
    expect((await planPromotion(root, { apps: ['claims-api'], to: 'sit', now: hours(10) })).notes).toEqual([]);
    const plan = await planPromotion(root, { apps: ['quote-api'], to: 'uat', now: hours(10) });
    expect(plan.changes.map((c) => c.after.tag)).toEqual(['1.1.0']);
    expect(plan.notes).toEqual(['quote-api declares no metrics: the verified gate does not apply']);
  });

  it('takes the pinned version as candidate and the one pinned before it as baseline', async () => {
    const root = await committedRepo({ 'claims-api': claims }, hours(0));
    commitPin(root, 'prod', 'claims-api', '1.1.0', hours(1));
    expect(batchVersions(root, 'main', 'prod', 'claims-api')).toEqual({ candidate: '1.1.0', baseline: '1.0.0' });
    // A pin not committed yet is judged against the last committed other version.
    writePins(root, 'prod', {
      ...readPins(root, 'prod'),
      'claims-api': { tag: '1.2.0', digest: digestOf('claims-api:1.2.0') },
    });
    expect(batchVersions(root, 'main', 'prod', 'claims-api')).toEqual({ candidate: '1.2.0', baseline: '1.1.0' });
    expect(batchVersions(root, 'main', 'prod', 'no-such-app')).toBeUndefined();
  });

  it('verify fails with exit 1 naming the URL when Prometheus does not answer (real CLI run)', async () => {
    const root = await committedRepo({ 'claims-api': claims }, hours(0));
    const prometheus = `http://127.0.0.1:${await freePort()}`;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), 'verify', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PLATFORM_ROOT: root },
      });
    const down = run('--env', 'prod', '--app', 'claims-api', '--prometheus', prometheus);
    expect(down.status).toBe(1);
    expect(down.stderr).toContain(
      `cannot verify claims-api 1.0.0 in prod: Prometheus at ${prometheus} did not answer (ECONNREFUSED)`,
    );
    expect(down.stderr).toContain('an unanswered verification fails closed');
    const typo = run('--env', 'prd', '--app', 'claims-api', '--prometheus', prometheus);
    expect(typo.status).toBe(1);
    expect(typo.stderr).toContain("--env 'prd' is no environment. Fix: did you mean 'prod'?");
  });
});
