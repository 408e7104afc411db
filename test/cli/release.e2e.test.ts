import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, service } from '../fixture.ts';
import { History } from '../release/history.ts';

/** Runs the real CLI in a child process against `root`. */
function run(root: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ROOT: root },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('release-order and audit CLI', () => {
  let h: History;

  beforeAll(async () => {
    h = await History.create({ 'claims-api': service('claims-api'), 'claims-legacy': service('claims-legacy') });
    h.pin('dev', 'claims-api', '1.1.0');
    await h.synth();
    h.commit('Release claims-api 1.1.0 (#21)\n\nApproved-by: Erin SRE <erin@insure.example>');
  }, 120_000);

  afterAll(() => h.cleanup());

  it('release-order --format json prints the contract: resolved SHAs, changes and environments', () => {
    const result = run(h.root, 'release-order', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const order = JSON.parse(result.stdout) as Record<string, unknown> & {
      changes: Record<string, unknown>[];
      environments: Record<string, unknown>[];
    };
    expect(order.base).toBe(h.sha('HEAD~1'));
    expect(order.head).toBe(h.sha('HEAD'));
    expect(order.changes.map((c) => [c.env, c.app, c.kind, c.object, c.risk])).toEqual([
      ['dev', 'claims-api', 'image', 'apps/v1/Deployment/claims/claims-api', 'low'],
    ]);
    expect(order.environments.map((e) => [e.env, e.risk, e.approvalsRequired, e.approvers])).toEqual([
      ['dev', 'low', 1, ['@insure/developers']],
    ]);
    expect(order.pins).toEqual([
      {
        env: 'dev',
        app: 'claims-api',
        before: expect.objectContaining({ tag: '1.0.0' }),
        after: expect.objectContaining({ tag: '1.1.0' }),
        source: 'build',
      },
    ]);
  });

  it('release-order prints Markdown by default and writes its parts with --out', () => {
    const result = run(h.root, 'release-order', '--base', 'HEAD~1', '--head', 'HEAD', '--out', 'comment');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('| dev | 1 | claims-api | 1 image | low | 1 | @insure/developers |');
    expect(readdirSync(join(h.root, 'comment'))).toEqual(['release-order-1.md', 'release-order-detail.md']);
    expect(readFileSync(join(h.root, 'comment', 'release-order-1.md'), 'utf8')).toBe(result.stdout);
  });

  it('release-order exits 1 naming the guard rule when prod loses an app, and a Release-Override trailer only asks for an override', async () => {
    h.checkout('retire', true);
    h.removeApp('claims-legacy');
    await h.synth();
    h.commit('Retire claims-legacy');
    const refused = run(h.root, 'release-order', '--base', 'main', '--head', 'retire');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^release order refused by the release guards:\n/);
    expect(refused.stderr).toContain(
      '\n  - prod [app-removal]: removes app(s) claims-legacy from prod, whose policy refuses app removal\n',
    );
    expect(refused.stderr).toContain(
      'An override is granted only by an approver of prod, dr, in an approving review of the head commit',
    );
    expect(refused.stdout).toContain('Refused by the release guards');

    h.git([
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'Confirm retirement\n\nRelease-Override: claims-legacy is replaced by claims-api',
    ]);
    const asked = run(h.root, 'release-order', '--base', 'main', '--head', 'retire', '--format', 'json');
    expect(asked.code).toBe(1);
    expect(JSON.parse(asked.stdout)).toMatchObject({
      blocked: true,
      guard: { requests: [{ text: 'claims-legacy is replaced by claims-api' }] },
    });
    h.checkout('main');
  });

  it('audit --format json lists who released what where', () => {
    const result = run(h.root, 'audit', '--env', 'dev', '--format', 'json');
    expect(result.code).toBe(0);
    const { releases } = JSON.parse(result.stdout) as { releases: Record<string, unknown>[] };
    expect(releases[0]).toMatchObject({
      env: 'dev',
      app: 'claims-api',
      version: '1.1.0',
      previousVersion: '1.0.0',
      commit: h.sha('main'),
      pullRequest: 21,
      recorded: false,
      approvers: [],
      claims: { approvers: ['Erin SRE <erin@insure.example>'] },
    });
    expect(releases.every((r) => typeof r.author === 'string' && typeof r.date === 'string')).toBe(true);
  });

  it('fails with a usage error on an unknown format, and clearly on a missing revision', () => {
    expect(run(h.root, 'release-order', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'html').code).toBe(2);
    const missing = run(h.root, 'release-order', '--base', 'v9.9.9', '--head', 'HEAD');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("'v9.9.9' is not a commit");
  });
});
