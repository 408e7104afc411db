import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, appSource, makeRepo, service, snapshotTree } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** Runs the real CLI in a child process against `root`. */
function cli(root: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ROOT: root },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function repo() {
  const r = makeRepo({ apps: { 'claims-api': service('claims-api', { replicas: 2 }) } });
  cleanups.push(r.cleanup);
  return r.root;
}

describe('cli', () => {
  it('synth renders, then --check passes; a spec change makes --check fail and list the stale files', () => {
    const root = repo();
    const first = cli(root, 'synth');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^rendered \d+ objects into 30 files \(6 app renders, 0 from cache\): 30 added, 0 changed, 0 removed/,
    );
    expect(cli(root, 'synth', '--check').code).toBe(0);

    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource(service('claims-api', { replicas: 3 })));
    const before = snapshotTree(join(root, 'manifests'));
    const check = cli(root, 'synth', '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('manifests/ is stale (6 file(s))');
    expect(check.stderr).toContain('changed  prod/apps/claims-api.yaml');
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
  });

  it('validate passes on rendered output and fails on a hand-broken manifest, naming the object and rule', () => {
    const root = repo();
    expect(cli(root, 'synth').code).toBe(0);
    const ok = cli(root, 'validate');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('manifests/ is valid');

    const file = join(root, 'manifests', 'prod', 'apps', 'claims-api.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'),
    );
    const broken = cli(root, 'validate');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      'manifests/prod/apps/claims-api.yaml apps/v1/Deployment/claims/claims-api [read-only-root-fs]',
    );
  });

  it('validate fails on a manifest added by hand outside the index', () => {
    const root = repo();
    expect(cli(root, 'synth').code).toBe(0);
    const source = readFileSync(join(root, 'manifests', 'dev', 'apps', 'claims-api.yaml'), 'utf8');
    writeFileSync(join(root, 'manifests', 'dev', 'apps', 'hotfix.yaml'), source);
    const result = cli(root, 'validate');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('manifests/dev/apps/hotfix.yaml [index]: not listed in dev/kustomization.yaml');
    expect(result.stderr).toContain('[duplicate]: also defined in dev/apps/claims-api.yaml');
  });

  it('synth exits non-zero on a bad spec, reports every problem and writes nothing', () => {
    const root = repo();
    expect(cli(root, 'synth').code).toBe(0);
    const before = snapshotTree(join(root, 'manifests'));
    writeFileSync(join(root, 'apps', 'claims-api.ts'), appSource({ ...service('claims-api'), replicas: '2' }));
    writeFileSync(join(root, 'apps', 'quote-api.ts'), appSource(service('quote-api', { team: 'Pricing' })));
    const result = cli(root, 'synth');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('8 problems found; nothing was written');
    expect(result.stderr).toContain(
      'apps/claims-api.ts: \'replicas\' ("2"): expected a number, got a string. Fix: write it as a number',
    );
    expect(result.stderr).toContain('apps/quote-api.ts: \'team\' ("Pricing"): not a DNS-1123 label');
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
  });

  it('synth names a broken environment file, as loaded one by one without a TypeScript loader, and writes nothing', () => {
    const root = repo();
    expect(cli(root, 'synth').code).toBe(0);
    const before = snapshotTree(join(root, 'manifests'));
    const file = join(root, 'environments', 'uat', 'environment.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("name: 'uat',", "name: 'uat'"));
    const result = cli(root, 'synth');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('environments/uat/environment.ts: cannot be loaded');
    expect(result.stderr).not.toContain('environments/sit/');
    expect(snapshotTree(join(root, 'manifests'))).toEqual(before);
  });

  it('rejects an unknown command with a usage error', () => {
    const result = cli(repo(), 'deploy');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'deploy'");
  });
});
