/**
 * A platform change that alters rendered output without a feature flag changes every environment
 * in one pull request: the release order refuses it by the chain rule. The repository here renders
 * with a copy of the platform code that it changes, as a pull request editing `lib/` would.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pinSpecs } from '../../lib/promote/pin-specs.ts';
import { buildReleaseOrder } from '../../lib/release/order.ts';
import { REPO_ROOT, service } from '../fixture.ts';
import { committedRepo, gitAt } from '../promote/repo.ts';

const T0 = new Date('2026-11-10T09:00:00Z');

/** Runs the command line of the platform code under `root` (its own `lib/`) in `root`. */
function platform(root: string, args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(root, 'lib', 'cli', 'launch.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ROOT: root },
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

describe('a platform change without a feature flag', () => {
  it('changes every environment at once, and the release order refuses it by the chain rule', async () => {
    const root = await committedRepo({ 'claims-api': service('claims-api') }, T0);
    await pinSpecs(root);
    gitAt(root, ['commit', '-q', '-am', 'Pin specs'], T0);
    // The platform code becomes the repository's own copy, edited: /tmp grows for every app, with no flag.
    rmSync(join(root, 'lib'));
    cpSync(join(REPO_ROOT, 'lib'), join(root, 'lib'), { recursive: true });
    const file = join(root, 'lib', 'workload', 'microservice.ts');
    const code = readFileSync(file, 'utf8');
    expect(code).toContain('export const TMP_SIZE_MIB = 256;');
    writeFileSync(file, code.replace('export const TMP_SIZE_MIB = 256;', 'export const TMP_SIZE_MIB = 320;'));
    gitAt(root, ['switch', '-q', '-c', 'bigger-tmp'], T0);
    const synth = platform(root, ['synth']);
    expect(synth.stderr).toBe('');
    expect(synth.code).toBe(0);
    const changed = gitAt(root, ['diff', '--name-only'], T0).trim().split('\n');
    expect(changed).toHaveLength(6);
    gitAt(root, ['commit', '-q', '-am', 'Raise the /tmp limit'], T0);

    const order = await buildReleaseOrder(root, 'main', 'bigger-tmp', { now: T0 });
    expect(order.chain.ok).toBe(false);
    expect(order.chain.violations.map((v) => `${v.env}<${v.upstream}`)).toEqual([
      'sit<dev',
      'uat<sit',
      'staging<uat',
      'prod<staging',
      'dr<staging',
    ]);
    expect(order.guard.violations.filter((v) => v.rule === 'chain')).toHaveLength(5);
    const cli = platform(root, ['release-order', '--base', 'main', '--head', 'bigger-tmp', '--format', 'json']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('[chain');
    expect(cli.stderr).toContain('claims-api');
  });
});
