import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseOrderDocument } from '../../lib/release/document.ts';
import type { Risk } from '../../lib/spec/environment.ts';
import { makeRepo, REPO_ROOT, service } from '../fixture.ts';
import { runCli } from './run-cli.ts';

const HEAD = 'd'.repeat(40);
type OrderEnvironment = ReleaseOrderDocument['environments'][number];
type OrderDocumentChange = ReleaseOrderDocument['changes'][number];
let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** A throwaway repository with the real pipeline declaration and one app. */
function repo(): string {
  const r = makeRepo({ apps: { 'claims-api': service('claims-api') } });
  cleanups.push(r.cleanup);
  cpSync(join(REPO_ROOT, 'pipelines'), join(r.root, 'pipelines'), { recursive: true });
  return r.root;
}

/** An environment's part of a release order with no app detail. */
function environment(env: string, step: number, risk: Risk, approvalsRequired: number): OrderEnvironment {
  const approvers = ['@insure/sre', '@insure/release-managers'];
  return { env, step, wave: 1, releasedWith: null, risk, approvalsRequired, approvers, apps: [] };
}

/** A change of an image, as the release order lists it. */
function imageChange(env: string, app: string, namespace: string, risk: Risk): OrderDocumentChange {
  const object = `apps/v1/Deployment/${namespace}/${app}`;
  return { env, app, kind: 'image', object, risk, triggers: ['image'], fields: [] };
}

/**
 * A release order as `release-order --format json` prints it (the command itself is not run here). It changes
 * staging and prod at once, which only a `Chain-Override` trailer lets through.
 */
const ORDER: ReleaseOrderDocument = {
  base: 'e'.repeat(40),
  head: HEAD,
  verified: 'unchecked',
  blocked: false,
  guard: { violations: [], requests: [] },
  chain: {
    ok: true,
    violations: [{ env: 'prod', upstream: 'staging', apps: ['claims-api', 'quote-api'] }],
    override: { reason: 'incident 4711: the same fix in staging and prod', commit: HEAD, author: 'Alice Ops' },
  },
  pins: [],
  environments: [environment('staging', 4, 'medium', 2), environment('prod', 5, 'high', 4)],
  summary: [],
  changes: [
    imageChange('staging', 'claims-api', 'claims', 'medium'),
    imageChange('prod', 'quote-api', 'pricing', 'high'),
  ],
};

describe('delivery commands', () => {
  it('approvals (offline inputs): exits 1 with the verdict while prod lacks approvals, 0 once they are there', () => {
    const root = repo();
    writeFileSync(join(root, 'order.json'), JSON.stringify(ORDER));
    writeFileSync(
      join(root, 'teams.json'),
      JSON.stringify({ '@insure/sre': ['gus', 'hal', 'ivy'], '@insure/release-managers': ['jo'] }),
    );
    const review = (user: string) => ({ user, state: 'APPROVED', commitId: HEAD, submittedAt: '2026-05-04T10:00:00Z' });
    const args = [
      'delivery',
      'approvals',
      '--pr',
      '12',
      '--release-order',
      'order.json',
      '--teams',
      'teams.json',
      '--reviews',
      'reviews.json',
      '--author',
      'ann',
      '--head',
      HEAD,
    ];

    writeFileSync(join(root, 'reviews.json'), JSON.stringify(['gus', 'hal'].map(review)));
    const missing = runCli(root, args);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('### Release-order approvals: missing');
    expect(missing.stdout).toContain('| staging | medium | 2/2 |');
    expect(missing.stdout).toContain(
      'FAIL: 2 of 4 approvals; needs 2 more from @insure/sre or @insure/release-managers',
    );

    writeFileSync(join(root, 'reviews.json'), JSON.stringify(['gus', 'hal', 'ivy', 'jo'].map(review)));
    const passed = runCli(root, args);
    expect(passed.stderr).toBe('');
    expect(passed.code).toBe(0);
    expect(passed.stdout).toContain('### Release-order approvals: passed');
  });

  it('approvals fails on a release order that is not one, naming the file and field', () => {
    const root = repo();
    const { risk: _risk, ...prod } = environment('prod', 5, 'high', 4);
    writeFileSync(join(root, 'order.json'), JSON.stringify({ ...ORDER, environments: [prod] }));
    const result = runCli(root, ['delivery', 'approvals', '--pr', '12', '--release-order', 'order.json'], {
      GITHUB_TOKEN: '',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "order.json is not a release order (release-order --format json):\n  - order.json: 'environments[0].risk'",
    );
  });

  it('next-promotions prints the next step of the chain for each new image; record-release writes the git note', () => {
    const root = repo();
    writeFileSync(join(root, 'order.json'), JSON.stringify(ORDER));
    const next = runCli(root, ['delivery', 'next-promotions', '--release-order', 'order.json']);
    expect(next.stderr).toBe('');
    expect(next.stdout).toBe('claims-api prod\n');

    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@insure.example',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@insure.example',
        },
      });
    git('init', '-q', '-b', 'main');
    git('add', 'order.json');
    git('commit', '-q', '-m', 'Merge pull request #12 from insure/release');
    const recorded = runCli(
      root,
      ['delivery', 'record-release', '--commit', 'HEAD', '--release-order', 'order.json', '--pr', '12'],
      { GITHUB_TOKEN: '' },
    );
    expect(recorded.stderr).toBe('');
    const note = git('notes', '--ref=refs/notes/releases', 'show', 'HEAD');
    expect(note.replace(/^Recorded-at: \d{4}-\d{2}-\d{2}T[\d:.]+Z\n/m, '')).toBe(
      `Release-Order: ${'e'.repeat(40)}..${HEAD}\nPull-Request: #12\nEnvironment: staging (risk medium, 2 approval(s) required)\nEnvironment: prod (risk high, 4 approval(s) required)\nVerification: unchecked\n`,
    );
    expect(note).toMatch(/\nRecorded-at: \d{4}-\d{2}-\d{2}T[\d:.]+Z\n$/);
  });

  it('pipelines writes the workflows, --check passes, and a changed approver team makes --check fail naming CODEOWNERS', () => {
    const root = repo();
    expect(runCli(root, ['pipelines']).stdout).toBe('wrote 9 file(s): 9 added, 0 changed, 0 removed\n');
    expect(runCli(root, ['pipelines', '--check']).code).toBe(0);
    const envFile = join(root, 'environments', 'uat', 'environment.ts');
    writeFileSync(
      envFile,
      readFileSync(envFile, 'utf8').replace("'@insure/product-owners'", "'@insure/claims-owners'"),
    );
    const check = runCli(root, ['pipelines', '--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toBe(
      '1 generated file(s) are stale; run `npm run pipelines` and commit the result:\n  changed  .github/CODEOWNERS\n',
    );
  });
});
