import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReleaseOrder } from '../../lib/release/order.ts';
import { runCli } from '../cli/run-cli.ts';
import { service } from '../fixture.ts';
import { committedRepo, gitAt } from '../promote/repo.ts';

/** Tuesday 2026-11-10 09:00 UTC: outside every freeze window of the fixture environments. */
const T0 = Date.parse('2026-11-10T09:00:00Z');
const hours = (h: number) => new Date(T0 + h * 3_600_000);

const APPS = { 'claims-api': service('claims-api'), 'quote-api': service('quote-api') };
const ON = '{\n  "tmp-512": true\n}\n';

/** Writes `text` as the features file of each of `envs`, re-renders and commits at `at` on the current branch. */
async function commitFeatures(root: string, envs: readonly string[], text: string, at: Date): Promise<string> {
  for (const env of envs) writeFileSync(join(root, 'environments', env, 'features.json'), text);
  const { synth } = await import('../../lib/render/synth.ts');
  await synth(root);
  gitAt(root, ['add', '-A'], at);
  gitAt(root, ['commit', '-q', '-m', `features of ${envs.join(', ')}`], at);
  return gitAt(root, ['rev-parse', 'HEAD'], at).trim();
}

/** A pull request branch `pr` from main that writes `text` into the features files of `envs`. */
async function pullRequest(root: string, envs: readonly string[], text: string, at: Date): Promise<void> {
  gitAt(root, ['switch', '-q', '-c', 'pr', 'main'], at);
  await commitFeatures(root, envs, text, at);
}

interface Violation {
  env: string;
  rule: string;
  overridable: boolean;
  message: string;
  objects: string[];
}

function releaseOrder(
  root: string,
  at: Date,
): { code: number; blocked: boolean; violations: Violation[]; envs: string[]; stderr: string } {
  const run = runCli(root, [
    'release-order',
    '--base',
    'main',
    '--head',
    'pr',
    '--format',
    'json',
    '--at',
    at.toISOString(),
  ]);
  const doc = JSON.parse(run.stdout) as {
    blocked: boolean;
    guard: { violations: Violation[] };
    environments: { env: string }[];
  };
  return {
    stderr: run.stderr,
    code: run.code,
    blocked: doc.blocked,
    violations: doc.guard.violations,
    envs: doc.environments.map((e) => e.env),
  };
}

describe('release order of a platform flag change (judgeFeatures)', () => {
  it('GIVEN a pull request turning tmp-512 on in dev WHEN judged THEN only dev changes, and the entry takes the flag', async () => {
    const root = await committedRepo(APPS, hours(0));
    await pullRequest(root, ['dev'], ON, hours(1));
    const order = releaseOrder(root, hours(1));
    expect(order).toMatchObject({ stderr: '', code: 0, blocked: false, violations: [], envs: ['dev'] });
    const detail = await buildReleaseOrder(root, 'main', 'pr', { now: hours(1) });
    expect(
      new Set(detail.changes.flatMap((c) => c.fields.map((f) => `${c.env} ${f.path} ${f.before} -> ${f.after}`))),
    ).toEqual(new Set(['dev spec.template.spec.volumes[tmp].emptyDir.sizeLimit 256Mi -> 512Mi']));
  });

  it('fails a pull request that turns tmp-512 on in sit while it is off in dev: exit 1, naming the env, flag and rule', async () => {
    const root = await committedRepo(APPS, hours(0));
    await pullRequest(root, ['sit'], ON, hours(1));
    const order = releaseOrder(root, hours(1));
    expect(order.code).toBe(1);
    expect(order.blocked).toBe(true);
    expect(order.stderr).toContain(
      'sit [upstream, cannot be overridden]: feature:tmp-512: flag tmp-512 is not on in dev',
    );
    expect(order.violations).toEqual([
      {
        env: 'sit',
        rule: 'upstream',
        overridable: false,
        message:
          'feature:tmp-512: flag tmp-512 is not on in dev on the base revision. Remedy: turn it on in dev first and merge that, then: npm run -s promote -- --feature tmp-512 --to sit',
        objects: ['environments/sit/features.json'],
      },
    ]);
  });

  it('passes the step from dev to sit once dev has had the flag for the soak time, and refuses it before (overridable)', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFeatures(root, ['dev'], ON, hours(1));
    await pullRequest(root, ['sit'], ON, hours(1.5));
    const early = releaseOrder(root, hours(1.5));
    expect(early.code).toBe(1);
    expect(early.violations).toMatchObject([
      {
        env: 'sit',
        rule: 'soak',
        overridable: true,
        message: expect.stringContaining('feature:tmp-512: flag tmp-512 has been on in dev for 0.5 h; sit needs 1 h'),
      },
    ]);
    const later = releaseOrder(root, hours(2.5));
    expect(later).toMatchObject({ stderr: '', code: 0, blocked: false, violations: [], envs: ['sit'] });
  });

  it('refuses turning a flag on in a frozen environment', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFeatures(root, ['dev', 'sit', 'uat'], ON, hours(1));
    await pullRequest(root, ['staging'], ON, hours(2));
    const order = releaseOrder(root, new Date('2026-12-26T10:00:00Z'));
    expect(order.code).toBe(1);
    expect(order.violations.map((v) => [v.env, v.rule])).toEqual([['staging', 'freeze']]);
  });

  it('allows turning a flag off (a rollback), in a freeze too', async () => {
    const root = await committedRepo(APPS, hours(0));
    await commitFeatures(root, ['dev', 'sit', 'uat', 'staging'], ON, hours(1));
    await pullRequest(root, ['staging'], '{}\n', hours(2));
    const order = releaseOrder(root, new Date('2026-12-26T10:00:00Z'));
    expect(order).toMatchObject({ stderr: '', code: 0, violations: [], envs: ['staging'] });
  });

  it('fails a features file naming an unknown flag, or that is not JSON', async () => {
    const root = await committedRepo(APPS, hours(0));
    gitAt(root, ['switch', '-q', '-c', 'pr', 'main'], hours(1));
    // Written by hand, without a render: the gate reads the file as data whatever the manifests say.
    writeFileSync(join(root, 'environments', 'dev', 'features.json'), '{ "tmp512": true }\n');
    writeFileSync(join(root, 'environments', 'sit', 'features.json'), '{ "tmp-512": true');
    gitAt(root, ['add', '-A'], hours(1));
    gitAt(root, ['commit', '-q', '-m', 'bad flags'], hours(1));
    const order = releaseOrder(root, hours(1));
    expect(order.code).toBe(1);
    expect(order.violations.map((v) => [v.env, v.rule, v.overridable])).toEqual([
      ['dev', 'features-file', false],
      ['sit', 'features-file', false],
    ]);
    expect(order.violations[0]!.message).toMatch(
      /^feature:\*: at [0-9a-f]{12}, environments\/dev\/features\.json: 'tmp512' \(true\): unknown platform flag\. Fix: did you mean 'tmp-512'\? Rename it\. Remedy: fix environments\/dev\/features\.json on the branch/,
    );
    expect(order.violations[0]!.message).toContain(
      'a new flag is merged into lib/spec/features.ts, on nowhere, before an environment names it',
    );
    expect(order.violations[1]!.message).toContain('is not valid JSON');
  });
});
