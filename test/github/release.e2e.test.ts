import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateApprovals } from '../../lib/github/approvals.ts';
import { nextPromotions } from '../../lib/release/promotions.ts';
import { releaseRecord } from '../../lib/github/release-note.ts';
import {
  formatReleaseNote,
  parseReleaseNote,
  readReleaseNote,
  recordRelease,
  RELEASE_NOTES_REF,
} from '../../lib/release/record.ts';
import type { OrderView } from '../../lib/release/document.ts';
import { loadEnvironmentsOnly } from '../../lib/spec/project.ts';
import { FIXTURE_ROOT } from '../fixture.ts';

const environments = (await loadEnvironmentsOnly(FIXTURE_ROOT)).map((e) => e.spec);
const HEAD = 'c'.repeat(40);

function order(changes: OrderView['changes'], envs: OrderView['environments'] = []): OrderView {
  return { base: 'b'.repeat(40), head: HEAD, guard: { violations: [] }, pins: [], changes, environments: envs };
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

describe('next promotions', () => {
  it('proposes each new image for the next environment of the chain, and prod for staging with dr riding along', () => {
    const planned = nextPromotions(
      order([
        { env: 'dev', app: 'quote-api', kind: 'image', risk: 'low' },
        { env: 'dev', app: 'claims-api', kind: 'added', risk: 'medium' },
        { env: 'dev', app: 'claims-api', kind: 'config', risk: 'low' },
        { env: 'staging', app: 'payments-gateway', kind: 'image', risk: 'medium' },
        { env: 'prod', app: 'payments-gateway', kind: 'image', risk: 'high' },
        { env: 'dr', app: 'payments-gateway', kind: 'image', risk: 'high' },
        { env: 'uat', app: 'policy-admin', kind: 'scale', risk: 'low' },
      ]),
      environments,
    );
    expect(planned).toEqual([
      { app: 'claims-api', from: 'dev', to: 'sit' },
      { app: 'quote-api', from: 'dev', to: 'sit' },
      { app: 'payments-gateway', from: 'staging', to: 'prod' },
    ]);
  });

  it("proposes an app's configuration too: a spec edit in the chain's entry, and a spec pin moved anywhere", () => {
    const planned = nextPromotions(
      {
        ...order([
          // A spec edit merged into dev.
          { env: 'dev', app: 'underwriting-engine', kind: 'config', risk: 'low' },
          // Not apps: an environment's policy and a platform file.
          { env: 'dev', app: 'policy', kind: 'other', risk: 'high' },
          { env: 'dev', app: 'platform/namespaces', kind: 'other', risk: 'low' },
          // Removed from dev: nothing to carry on.
          { env: 'dev', app: 'claims-legacy', kind: 'removed', risk: 'medium' },
          // A spec promoted into uat, whose pin moved.
          { env: 'uat', app: 'policy-admin', kind: 'scale', risk: 'low' },
          // A change in uat without a pin moving (its policy's capacity, say) releases nothing.
          { env: 'uat', app: 'customer-accounts', kind: 'scale', risk: 'low' },
        ]),
        pins: [{ env: 'uat', app: 'policy-admin', after: { tag: '7.4.0', spec: 'a'.repeat(40) }, source: 'sit' }],
      },
      environments,
    );
    expect(planned).toEqual([
      { app: 'underwriting-engine', from: 'dev', to: 'sit' },
      { app: 'policy-admin', from: 'uat', to: 'staging' },
    ]);
  });
});

describe('release record', () => {
  it('is written as a git note on the merge commit and reads back as trailers', () => {
    // GIVEN a real repository with a merge commit
    const root = mkdtempSync(join(tmpdir(), 'platform-release-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
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
    writeFileSync(join(root, 'a.txt'), 'a\n');
    git('add', '.');
    git('commit', '-q', '-m', 'Release claims-api 2.15.0 to prod (#42)');
    const commit = git('rev-parse', 'HEAD').trim();

    // AND the approvals given at merge time
    const o = order(
      [{ env: 'prod', app: 'claims-api', kind: 'image', risk: 'medium' }],
      [
        { env: 'prod', risk: 'medium', approvalsRequired: 2, approvers: ['@insure/sre', '@insure/release-managers'] },
        { env: 'dr', risk: 'medium', approvalsRequired: 2, approvers: ['@insure/sre'] },
      ],
    );
    const verdict = evaluateApprovals({
      order: o,
      reviews: [
        { user: 'sre-gus', state: 'APPROVED', commitId: HEAD, submittedAt: '2026-05-04T10:00:00Z' },
        { user: 'rm-jo', state: 'APPROVED', commitId: HEAD, submittedAt: '2026-05-04T10:05:00Z' },
      ],
      teams: new Map([
        ['@insure/sre', ['sre-gus']],
        ['@insure/release-managers', ['rm-jo']],
      ]),
      author: 'dev-ann',
      headSha: HEAD,
    });

    // WHEN the release is recorded
    recordRelease(root, commit, formatReleaseNote(releaseRecord(o, 42, verdict)));

    // THEN git shows the note under refs/notes/releases, and its trailers read back
    const note = readReleaseNote(root, commit)!;
    expect(git('log', '-1', `--notes=${RELEASE_NOTES_REF}`, '--format=%N')).toContain('Pull-Request: #42');
    const trailers = parseReleaseNote(note);
    expect(trailers.get('Release-Order')).toEqual([`${'b'.repeat(40)}..${HEAD}`]);
    expect(trailers.get('Environment')).toEqual([
      'prod (risk medium, 2 approval(s) required)',
      'dr (risk medium, 2 approval(s) required)',
    ]);
    expect(trailers.get('Approved-by')).toEqual(['rm-jo (@insure/release-managers)', 'sre-gus (@insure/sre)']);

    // AND recording again replaces the note instead of failing
    recordRelease(root, commit, formatReleaseNote(releaseRecord(o, 42, undefined)));
    expect(parseReleaseNote(readReleaseNote(root, commit)!).get('Approved-by')).toBeUndefined();
  });
});
