import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, REPO_ROOT, service } from '../fixture.ts';
import { runCli } from './run-cli.ts';

const HEAD = 'd'.repeat(40);
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

/** A release order as `release-order --format json` prints it (the command itself is not run here). */
const ORDER = {
  base: 'e'.repeat(40),
  head: HEAD,
  guard: { violations: [] },
  pins: [],
  changes: [
    { env: 'staging', app: 'claims-api', kind: 'image', object: 'apps/v1/Deployment/claims/claims-api', risk: 'medium' },
    { env: 'prod', app: 'quote-api', kind: 'image', object: 'apps/v1/Deployment/pricing/quote-api', risk: 'high' },
  ],
  environments: [
    { env: 'staging', risk: 'medium', approvalsRequired: 2, approvers: ['@insure/sre', '@insure/release-managers'] },
    { env: 'prod', risk: 'high', approvalsRequired: 4, approvers: ['@insure/sre', '@insure/release-managers'] },
  ],
};

describe('delivery commands', () => {
  it('approvals (offline inputs): exits 1 with the verdict while prod lacks approvals, 0 once they are there', () => {
    const root = repo();
    writeFileSync(join(root, 'order.json'), JSON.stringify(ORDER));
    writeFileSync(join(root, 'teams.json'), JSON.stringify({ '@insure/sre': ['gus', 'hal', 'ivy'], '@insure/release-managers': ['jo'] }));
    const review = (user: string) => ({ user, state: 'APPROVED', commitId: HEAD, submittedAt: '2026-05-04T10:00:00Z' });
    const args = ['delivery', 'approvals', '--pr', '12', '--release-order', 'order.json', '--teams', 'teams.json', '--reviews', 'reviews.json', '--author', 'ann', '--head', HEAD];

    writeFileSync(join(root, 'reviews.json'), JSON.stringify(['gus', 'hal'].map(review)));
    const missing = runCli(root, args);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('### Release-order approvals: missing');
    expect(missing.stdout).toContain('| staging | medium | 2/2 |');
    expect(missing.stdout).toContain('FAIL: 2 of 4 approvals; needs 2 more from @insure/sre or @insure/release-managers');

    writeFileSync(join(root, 'reviews.json'), JSON.stringify(['gus', 'hal', 'ivy', 'jo'].map(review)));
    const passed = runCli(root, args);
    expect(passed.stderr).toBe('');
    expect(passed.code).toBe(0);
    expect(passed.stdout).toContain('### Release-order approvals: passed');
  });

  it('approvals fails on a release order that is not one, naming the file and field', () => {
    const root = repo();
    writeFileSync(join(root, 'order.json'), JSON.stringify({ ...ORDER, environments: [{ env: 'prod' }] }));
    const result = runCli(root, ['delivery', 'approvals', '--pr', '12', '--release-order', 'order.json'], { GITHUB_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("order.json is not a release order (release-order --format json):\n  - order.json: 'environments[0].risk'");
  });

  it('next-promotions prints the next step of the chain for each new image; record-release writes the git note', () => {
    const root = repo();
    writeFileSync(join(root, 'order.json'), JSON.stringify(ORDER));
    const next = runCli(root, ['delivery', 'next-promotions', '--release-order', 'order.json']);
    expect(next.stderr).toBe('');
    expect(next.stdout).toBe('claims-api prod\n');

    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@insure.example', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@insure.example' } });
    git('init', '-q', '-b', 'main');
    git('add', 'order.json');
    git('commit', '-q', '-m', 'Merge pull request #12 from insure/release');
    const recorded = runCli(root, ['delivery', 'record-release', '--commit', 'HEAD', '--release-order', 'order.json', '--pr', '12'], { GITHUB_TOKEN: '' });
    expect(recorded.stderr).toBe('');
    const note = git('notes', '--ref=refs/notes/releases', 'show', 'HEAD');
    expect(note.replace(/^Recorded-at: \d{4}-\d{2}-\d{2}T[\d:.]+Z\n/m, '')).toBe(
      `Release-Order: ${'e'.repeat(40)}..${HEAD}\nPull-Request: #12\nEnvironment: staging (risk medium, 2 approval(s) required)\nEnvironment: prod (risk high, 4 approval(s) required)\n`,
    );
    expect(note).toMatch(/\nRecorded-at: \d{4}-\d{2}-\d{2}T[\d:.]+Z\n$/);
  });

  it('pipelines writes the workflows, --check passes, and a changed approver team makes --check fail naming CODEOWNERS', () => {
    const root = repo();
    expect(runCli(root, ['pipelines']).stdout).toBe('wrote 9 file(s): 9 added, 0 changed, 0 removed\n');
    expect(runCli(root, ['pipelines', '--check']).code).toBe(0);
    const envFile = join(root, 'environments', 'uat', 'environment.ts');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace("'@insure/product-owners'", "'@insure/claims-owners'"));
    const check = runCli(root, ['pipelines', '--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toBe('1 generated file(s) are stale; run `npm run pipelines` and commit the result:\n  changed  .github/CODEOWNERS\n');
  });
});
