import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectEvidence,
  resolveRelease,
  verifyEvidence,
  writeEvidence,
  type Evidence,
} from '../../lib/release/evidence.ts';
import { releaseNotes } from '../../lib/release/notes.ts';
import { allowedSigners, EVIDENCE_NAMESPACE } from '../../lib/release/signers.ts';
import { runCli } from '../cli/run-cli.ts';
import { digestOf, service } from '../fixture.ts';
import { History } from '../release/history.ts';
import { Keys, mergePr, person, record, type SshKey } from './repo.ts';

const CAROL = person('carol');
const GUS = person('gus');
const PROD2 = { env: 'prod', risk: 'low', approvalsRequired: 2 } as const;

describe('evidence packs and release notes', () => {
  let h: History;
  const keys = new Keys();
  let gus: SshKey;
  let mallory: SshKey;
  let out: string;
  let signers: string;
  const c: Record<string, string> = {};

  async function pr(
    n: number,
    change: () => void,
    date: string,
    message: string,
  ): Promise<{ merge: string; head: string }> {
    h.checkout(`pr${n}`, true);
    change();
    await h.synth();
    const head = h.commit(message, CAROL);
    h.checkout('main');
    return { merge: mergePr(h, `pr${n}`, n, GUS, date, gus), head };
  }

  beforeAll(async () => {
    gus = keys.make('gus');
    mallory = keys.make('mallory');
    out = mkdtempSync(join(tmpdir(), 'audit-evidence-'));
    signers = join(out, 'allowed_signers');
    writeFileSync(signers, allowedSigners({ gus: [gus.publicKey] }, 'test signers'));
    h = await History.create({ 'claims-api': service('claims-api') });
    c.initial = h.sha('HEAD');
    // #30 changes the spec of claims-api (a config change) and #31 pins 1.1.0 into prod, approved and recorded.
    const p30 = await pr(
      30,
      () => h.setApp('claims-api', service('claims-api', { overrides: { prod: { replicas: 5 } } })),
      '2026-03-03T03:00:00Z',
      'Scale claims-api in prod',
    );
    c.pr30 = p30.merge;
    record(h, c.pr30, {
      base: c.initial,
      pullRequest: 30,
      author: 'carol',
      environments: [PROD2],
      approvals: [
        { env: 'prod', user: 'gus', teams: ['@insure/sre'], commit: p30.head },
        { env: 'prod', user: 'jo', teams: ['@insure/release-managers'], commit: p30.head },
      ],
      refusals: [],
      verification: 'fresh',
      recordedAt: '2026-03-03T03:01:00Z',
    });
    const p31 = await pr(
      31,
      () => h.pin('prod', 'claims-api', '1.1.0'),
      '2026-03-07T04:00:00Z',
      'Promote claims-api 1.1.0 to prod',
    );
    c.pr31 = p31.merge;
    c.head31 = p31.head;
    record(h, c.pr31, {
      base: c.pr30,
      pullRequest: 31,
      author: 'carol',
      environments: [PROD2],
      approvals: [
        { env: 'prod', user: 'carol', teams: ['@insure/sre'], commit: p31.head },
        { env: 'prod', user: 'gus', teams: ['@insure/sre'], commit: p31.head },
      ],
      refusals: [],
      pins: [`prod claims-api 1.1.0@${digestOf('claims-api:1.1.0')} from staging`],
      recordedAt: '2026-03-07T04:01:00Z',
    });
  }, 180_000);

  afterAll(() => {
    h?.cleanup();
    keys.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  it('finds the release of a pull request from its record', () => {
    expect(resolveRelease(h.root, '#31')).toBe(c.pr31);
    expect(resolveRelease(h.root, '30')).toBe(c.pr30);
    expect(() => resolveRelease(h.root, '#99')).toThrow(
      "--evidence '#99': no commit on main releases pull request #99",
    );
  });

  it('gathers approvals (team, commit), gates with their values, author vs approvers, timestamps', async () => {
    const e = await collectEvidence(h.root, c.pr31!);
    expect(e.pullRequest).toBe(31);
    expect(e.pullRequestAuthor).toBe('carol');
    expect(e.approvals).toContainEqual({ env: 'prod', user: 'gus', teams: ['@insure/sre'], commit: c.head31 });
    // The author's own approval is in the record: the pack says so, and the approvals gate does not count it.
    expect(e.authorIsNotApprover).toBe(false);
    const gate = (env: string, name: string) => e.gates.find((g) => g.env === env && g.gate === name)!;
    expect(gate('prod', 'approvals')).toMatchObject({
      verdict: 'refused',
      values: { required: 2, counted: 1, approvedBy: ['gus'] },
    });
    // Merged on a Saturday: prod's weekend freeze held at the commit's time.
    expect(gate('prod', 'freeze')).toMatchObject({
      verdict: 'refused',
      values: { frozen: true, window: 'weekend', at: '2026-03-07T04:00:00.000Z' },
    });
    expect(gate('prod', 'provenance').values).toMatchObject({
      app: 'claims-api',
      tag: '1.1.0',
      digest: digestOf('claims-api:1.1.0'),
    });
    expect(gate('*', 'verification').verdict).toBe('not-recorded');
    expect(e.timestamps).toEqual({
      authored: '2026-03-07T04:00:00+00:00',
      committed: '2026-03-07T04:00:00+00:00',
      recorded: '2026-03-07T04:01:00Z',
    });
    expect(e.exceptions.map((x) => x.rule).sort()).toEqual(['freeze', 'too-few-approvals']);
    // The release order between the first parent and the merge, and what changed in the app since 1.0.0.
    expect((e.releaseOrder as { head: string }).head).toBe(c.pr31);
    expect(e.notes).toHaveLength(1);
    expect(e.notes[0]!.commits.map((n) => [n.commit, n.kind, n.pullRequest])).toEqual([
      [c.pr30, 'spec', 30],
      [c.pr31, 'pin', 31],
    ]);
  });

  it('signs the pack with ssh-keygen and verifies it offline; a changed byte or a foreign key fails', async () => {
    const dir = join(out, 'pack');
    const run = runCli(h.root, ['audit', '--evidence', '#30', '--out', dir, '--key', gus.file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const e = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as Evidence;
    expect(e.commit).toBe(c.pr30);
    expect(e.gates.find((g) => g.gate === 'approvals')?.verdict).toBe('passed');
    expect(readFileSync(join(dir, 'evidence.md'), 'utf8')).toContain('| prod | gus | @insure/sre |');

    // The signature is an ordinary SSH signature in the stated namespace: ssh-keygen itself accepts it.
    execFileSync(
      'ssh-keygen',
      ['-Y', 'verify', '-f', signers, '-I', 'gus', '-n', EVIDENCE_NAMESPACE, '-s', join(dir, 'evidence.json.sig')],
      { input: readFileSync(join(dir, 'evidence.json')) },
    );
    expect(verifyEvidence(dir, signers).map((v) => [v.file, v.ok, v.signer])).toEqual([
      ['evidence.json', true, 'gus'],
      ['evidence.md', true, 'gus'],
    ]);
    const ok = runCli(h.root, ['audit', '--verify-evidence', dir, '--allowed-signers', signers]);
    expect(ok.code).toBe(0);

    // A tampered file fails, and the CLI exits 1.
    const json = join(dir, 'evidence.json');
    writeFileSync(
      json,
      readFileSync(json, 'utf8').replace('"authorIsNotApprover": true', '"authorIsNotApprover": false'),
    );
    const bad = runCli(h.root, ['audit', '--verify-evidence', dir, '--allowed-signers', signers]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL evidence\.json: the signature by gus does not match the file/);
    expect(bad.stdout).toContain('ok   evidence.md: good signature by gus');

    // A pack signed by a key that is not an allowed signer fails.
    const foreign = join(out, 'foreign');
    writeEvidence(foreign, e, mallory.file);
    expect(verifyEvidence(foreign, signers).every((v) => !v.ok && /no allowed signer/.test(v.message))).toBe(true);
  });

  it('writes the same bytes twice (deterministic pack)', async () => {
    const e1 = await collectEvidence(h.root, c.pr30!);
    const e2 = await collectEvidence(h.root, c.pr30!);
    expect(JSON.stringify(e1)).toBe(JSON.stringify(e2));
  });

  it('fails with what to pass when the options are incomplete', () => {
    expect(runCli(h.root, ['audit', '--evidence', '#30']).stderr).toContain('--evidence needs --out <dir>');
    expect(runCli(h.root, ['audit', '--verify-evidence', out]).stderr).toContain(
      '--verify-evidence needs --allowed-signers <file>',
    );
    expect(runCli(h.root, ['audit', '--notes', 'claims-api', '--from', '1.0.0']).stderr).toContain(
      '--notes needs --from <version> and --to <version>',
    );
  });

  it('prints release notes between two versions of an app', async () => {
    const notes = await releaseNotes(h.root, { app: 'claims-api', from: '1.0.0', to: '1.1.0' });
    expect(notes.fromCommit).toBe(c.initial);
    expect(notes.toCommit).toBe(c.pr31);
    expect(notes.commits.map((n) => ({ subject: n.subject, author: n.author, pins: n.pins }))).toEqual([
      { subject: 'Merge pull request #30 from insure/pr30', author: 'gus <gus@insure.example>', pins: [] },
      { subject: 'Merge pull request #31 from insure/pr31', author: 'gus <gus@insure.example>', pins: ['prod 1.1.0'] },
    ]);
    const run = runCli(h.root, ['audit', '--notes', 'claims-api', '--from', '1.0.0', '--to', '1.1.0']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('## claims-api 1.0.0 → 1.1.0');
    expect(run.stdout).toContain('| spec | Merge pull request #30 from insure/pr30 | gus <gus@insure.example> | #30 |');
    await expect(releaseNotes(h.root, { app: 'claims-api', from: '0.9.0', to: '1.1.0' })).rejects.toThrow(
      "--from '0.9.0': claims-api was never released at that version on main; released versions: 1.0.0, 1.1.0",
    );
  });
});
