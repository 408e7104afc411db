import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { BUILD_DIR, codeHash } from '../../lib/util/build.mjs';
import { REPO_ROOT, makeRepo, service } from '../fixture.ts';

/** A copy of the platform (its own `lib/`, so its own `.render-cache/`), with the repository's packages linked in. */
function platformCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'platform-copy-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(REPO_ROOT, 'lib'), join(root, 'lib'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(REPO_ROOT, f), join(root, f));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

function launch(platform: string, repo: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(platform, 'lib', 'cli', 'launch.mjs'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ROOT: repo },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('launcher (real CLI runs)', () => {
  it('runs a command from the platform build, made on first use', () => {
    const platform = platformCopy();
    const r = makeRepo({ apps: { 'claims-api': service('claims-api') } });
    onTestFinished(r.cleanup);
    const first = launch(platform, r.root, 'synth');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^rendered \d+ objects into \d+ files/);
    expect(existsSync(join(platform, BUILD_DIR, codeHash(platform).slice(0, 16), 'main.mjs'))).toBe(true);
    expect(launch(platform, r.root, 'synth', '--check').code).toBe(0);
  });

  it('runs the TypeScript sources, with a warning, where the build cannot be made', () => {
    const platform = platformCopy();
    // A file where the cache folder should be: nothing can be written under it.
    writeFileSync(join(platform, '.render-cache'), 'not a folder\n');
    const r = makeRepo({ apps: { 'claims-api': service('claims-api') } });
    onTestFinished(r.cleanup);
    const run = launch(platform, r.root, 'synth');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^rendered \d+ objects into \d+ files/);
    expect(run.stderr).toContain('the platform build could not be made');
    expect(run.stderr).toContain('running the TypeScript sources');
  });

  it('names the file, line and error when the platform code does not compile', () => {
    const platform = platformCopy();
    writeFileSync(join(platform, 'lib', 'util', 'compare.ts'), 'export const cmp = (a: string, b: string) => a <\n');
    const r = makeRepo({ apps: { 'claims-api': service('claims-api') } });
    onTestFinished(r.cleanup);
    const run = launch(platform, r.root, '--help');
    expect(run.stderr).toMatch(
      /the platform build could not be made \(\S*lib\/util\/compare\.ts:2:0: Unexpected end of file\)/,
    );
  });
});
