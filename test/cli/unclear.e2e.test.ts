import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, service } from '../fixture.ts';
import { committedRepo } from '../promote/repo.ts';

/** Runs the real CLI in `root`. */
function cli(root: string, args: string[]) {
  return spawnSync(process.execPath, [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ROOT: root },
  });
}

describe('unclear answers made clear', () => {
  it('fails audit --app with a misspelt app, naming the closest one', async () => {
    const root = await committedRepo({ 'claims-api': service('claims-api') }, new Date('2026-11-10T09:00:00Z'));
    const result = cli(root, ['audit', '--app', 'claims-apii']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--app 'claims-apii' names no app in apps/; did you mean 'claims-api'?");
  });

  it('fails release-order --out naming an existing file before printing anything', async () => {
    const root = await committedRepo({ 'claims-api': service('claims-api') }, new Date('2026-11-10T09:00:00Z'));
    mkdirSync(join(root, 'out'));
    writeFileSync(join(root, 'out', 'order.md'), 'keep\n');
    const result = cli(root, ['release-order', '--base', 'HEAD', '--head', 'HEAD', '--out', 'out/order.md']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("--out 'out/order.md' is a file; name a folder");
    expect(readdirSync(join(root, 'out'))).toEqual(['order.md']);
  });
});
