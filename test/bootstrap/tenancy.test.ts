import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { namespaceUsage, quotaOverruns, teamNamespaces } from '../../lib/bootstrap/tenancy.ts';
import { loadEnvironmentsOnly, loadProject, resolveProject } from '../../lib/spec/project.ts';
import { makeRepo, service } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

describe('tenancy policy', () => {
  it('groups apps into team namespaces and sums their requests at full scale', async () => {
    const { root, cleanup } = makeRepo({
      apps: {
        'claims-api': service('claims-api', { replicas: 2, resources: { cpu: '500m', memory: '1Gi' } }),
        'quote-api': service('quote-api', {
          team: 'pricing',
          namespace: 'claims',
          autoscaling: { minReplicas: 2, maxReplicas: 5 },
          resources: { cpu: '100m', memory: '256Mi' },
        }),
      },
    });
    cleanups.push(cleanup);
    const apps = resolveProject(await loadProject(root)).filter((a) => a.environment.name === 'prod');
    expect(teamNamespaces(apps)).toEqual([{ name: 'claims', teams: ['claims', 'pricing'] }]);
    expect(namespaceUsage(apps)).toMatchObject([{ namespace: 'claims', cpuMillis: 2 * 500 + 5 * 100, pods: 7 }]);
  });

  it('fails when a namespace quota cannot hold its apps, naming the field and the need', async () => {
    const { root, cleanup } = makeRepo({
      apps: { 'claims-api': service('claims-api', { replicas: 40, resources: { cpu: '1', memory: '1Gi' } }) },
    });
    cleanups.push(cleanup);
    const project = await loadProject(root);
    const prod = project.environments.find((e) => e.spec.name === 'prod')!;
    const overruns = quotaOverruns(
      namespaceUsage(resolveProject(project).filter((a) => a.environment.name === 'prod')),
      prod.spec.tenancy!,
      prod.file,
    );
    expect(overruns[0]).toBe(
      "environments/prod/environment.ts: 'tenancy.quota.requestsCpu' (32) is below what namespace claims requests at full scale (40000m). Fix: raise it",
    );
  });

  it('fails on a quota that is not a quantity, naming the file and field', async () => {
    const { root, cleanup } = makeRepo({ apps: {} });
    cleanups.push(cleanup);
    const file = join(root, 'environments', 'dev', 'environment.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace("requestsMemory: '16Gi'", "requestsMemory: '16gb'")
        .replace("maxMemory: '4Gi'", "maxMemory: '256Mi'"),
    );
    await expect(loadEnvironmentsOnly(root)).rejects.toThrow(
      "environments/dev/environment.ts: 'tenancy.quota.requestsMemory' (\"16gb\"): not a memory quantity. Fix: write it as '512Mi' or '2Gi'",
    );
    await expect(loadEnvironmentsOnly(root)).rejects.toThrow(
      '\'tenancy.limits.maxMemory\' ("256Mi"): is below defaultLimitMemory (512Mi)',
    );
  });
});
