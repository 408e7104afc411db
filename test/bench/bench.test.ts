import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { generateApps } from '../../lib/bench/generate.ts';
import { REPO_ROOT } from '../fixture.ts';

describe('bench', () => {
  it('generates the same valid mix of apps for the same count', () => {
    const apps = generateApps(40);
    expect(generateApps(40)).toEqual(apps);
    expect(new Set(apps.map((a) => a.name)).size).toBe(40);
    expect(new Set(apps.map((a) => a.kind))).toEqual(new Set(['service', 'worker', 'cronjob']));
    expect(apps.some((a) => a.autoscaling)).toBe(true);
    // The platform's own features, in about the shares of the sample apps.
    const share = (pick: (a: (typeof apps)[number]) => unknown) => apps.filter(pick).length / apps.length;
    expect(share((a) => a.logs)).toBeGreaterThan(0.2);
    expect(share((a) => a.metrics)).toBeGreaterThan(0.3);
    expect(share((a) => a.rollout?.fixedIp)).toBeGreaterThan(0.05);
    expect(share((a) => a.rollout?.critical)).toBeGreaterThan(0.05);
    expect(new Set(apps.flatMap((a) => (a.logs?.multiline === undefined ? [] : [typeof a.logs.multiline])))).toEqual(new Set(['string', 'object']));
  });

  it('reports every figure for a small run and says which baselines it skipped (real CLI run)', () => {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), 'bench', '--apps', '8', '--json', '--skip-cdk8s', '--skip-kustomize', '--runs', '1'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, PLATFORM_ROOT: REPO_ROOT },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect([report.apps, report.environments, report.renders]).toEqual([8, 6, 48]);
    expect(report.objects).toBeGreaterThan(48 * 3);
    expect(report.quarter.apps).toBe(2);
    expect(report.incremental.rendered).toBeGreaterThan(0);
    expect(report.incremental.rendered).toBeLessThan(report.renders);
    expect(report.baselines.cdk8sSingleApp).toEqual({ skipped: 'skipped with --skip-cdk8s' });
    expect(Object.keys(report.budgets)).toEqual(['fullSeconds', 'incrementalSeconds', 'releaseOrderSeconds', 'scalingRatio']);
    expect(report.full.phases.build).toBeGreaterThan(0);
    expect(report.full.phases.load).toBeGreaterThan(0);
    expect([report.runs, report.full.runSeconds.length, report.quarter.runSeconds.length]).toEqual([1, 1, 1]);
    expect(report.full.minSeconds).toBe(report.full.wallSeconds);
  });
});
