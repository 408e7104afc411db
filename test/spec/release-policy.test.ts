import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironmentsOnly } from '../../lib/spec/project.ts';
import { makeRepo, service } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** A repository whose prod environment.ts is edited by `edit`. */
function repoWithProd(edit: (source: string) => string): string {
  const r = makeRepo({ apps: { 'claims-api': service('claims-api') } });
  cleanups.push(r.cleanup);
  const file = join(r.root, 'environments', 'prod', 'environment.ts');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return r.root;
}

describe('release policy of an environment', () => {
  it('loads the risk levels and deletion guard of every environment', async () => {
    const r = makeRepo({ apps: { 'claims-api': service('claims-api') } });
    cleanups.push(r.cleanup);
    const envs = await loadEnvironmentsOnly(r.root);
    const prod = envs.find((e) => e.spec.name === 'prod')!.spec;
    expect(prod.approvals.risk).toEqual({
      removed: 'high',
      'scale-to-zero': 'high',
      'disruption-budget': 'high',
      rollout: 'high',
      'pod-ip-change': 'high',
    });
    expect(prod.deletionGuard).toEqual({ maxRemovedShare: 0.1, refuseAppRemoval: true });
    expect(envs.every((e) => e.spec.deletionGuard?.maxRemovedShare !== undefined)).toBe(true);
  });

  it('fails naming a misspelt risk trigger and an unknown level, in prod and in dr, which takes the policy of prod', async () => {
    const root = repoWithProd((s) => s.replace("rollout: 'high'", "rolout: 'high', image: 'severe'"));
    await expect(loadEnvironmentsOnly(root)).rejects.toThrow(
      [
        '4 problems found; nothing was written:',
        '  - environments/dr/environment.ts: \'approvals.risk.image\' ("severe"): not an allowed value. Fix: use one of "low", "medium", "high"',
        "  - environments/dr/environment.ts: 'approvals.risk.rolout' (\"high\"): unknown field. Fix: did you mean 'rollout'? Rename it",
        '  - environments/prod/environment.ts: \'approvals.risk.image\' ("severe"): not an allowed value. Fix: use one of "low", "medium", "high"',
        "  - environments/prod/environment.ts: 'approvals.risk.rolout' (\"high\"): unknown field. Fix: did you mean 'rollout'? Rename it",
      ].join('\n'),
    );
  });

  it('fails naming a removed share out of range', async () => {
    const root = repoWithProd((s) => s.replace('maxRemovedShare: 0.1', 'maxRemovedShare: 10'));
    await expect(loadEnvironmentsOnly(root)).rejects.toThrow(
      "environments/prod/environment.ts: 'deletionGuard.maxRemovedShare' (10): out of range. Fix: write a share from 0 to 1 (0.1 is 10 %)",
    );
  });
});
