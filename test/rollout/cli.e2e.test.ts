import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, makeRepo, service } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function cli(root: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ROOT: root },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('validate on committed rollouts', () => {
  it('fails when a hand edit drops the gated batches from dr but not from prod', () => {
    const r = makeRepo({
      apps: { pay: service('pay', { replicas: 6, rollout: { critical: true }, overrides: { dr: { replicas: 3 } } }) },
    });
    cleanups.push(r.cleanup);
    expect(cli(r.root, 'synth').code).toBe(0);
    expect(cli(r.root, 'validate').code).toBe(0);

    const file = join(r.root, 'manifests', 'dr', 'apps', 'pay.yaml');
    const docs = readFileSync(file, 'utf8').split('\n---\n');
    writeFileSync(file, docs.filter((d) => !d.startsWith('apiVersion: rollouts.kruise.io/v1beta1')).join('\n---\n'));
    const result = cli(r.root, 'validate');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "manifests/dr/apps/pay.yaml apps.kruise.io/v1alpha1/CloneSet/claims/pay [rollout-same-strategy-in-wave]: 'pay' is released with 'batches' in prod but 'in-place' in dr",
    );
  });
});
