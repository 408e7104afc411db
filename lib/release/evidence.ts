/**
 * `audit --evidence <commit|#PR> --out DIR`: the evidence pack of one release,
 * `evidence.json` and `evidence.md`, from git alone: the release order
 * between the commit's first parent and the commit (rebuilt with the gates
 * judged at the commit's time), the release record's approvals (team, commit
 * approved), each gate with its values, whether the author approved, and the
 * timestamps. With `--key`, each file is signed with `ssh-keygen -Y sign`
 * in the namespace `EVIDENCE_NAMESPACE` (`<file>.sig`); `--verify-evidence`
 * checks both signatures offline with `ssh-keygen -Y verify` against an
 * allowed signers file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, requireFullHistory, revParse } from '../git/git.ts';
import { activeFreeze } from '../promote/freeze.ts';
import { pullRequestOf } from './audit.ts';
import { findExceptions, type AuditException } from './exceptions.ts';
import { releaseOrderJson } from './json.ts';
import { releaseNotes, type ReleaseNotes } from './notes.ts';
import { buildReleaseOrder } from './order.ts';
import { readRecord, readReleaseNote, RELEASE_NOTES_REF } from './record.ts';
import { environmentsAt } from './revision.ts';
import { EVIDENCE_NAMESPACE } from './signers.ts';

/** The files of an evidence pack, in the order they are signed and verified. */
export const EVIDENCE_FILES = ['evidence.json', 'evidence.md'] as const;

/** One gate of one environment, with its values at the commit's time. */
export interface EvidenceGate {
  readonly env: string;
  /** `approvals`, `freeze`, `soak`, `provenance`, `verification`, or a guard rule. */
  readonly gate: string;
  /** `passed`, `refused`, `overridden` or `not-recorded`. */
  readonly verdict: string;
  /** The values it was judged on. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The evidence of one release. */
export interface Evidence {
  /** Format of this document. */
  readonly schema: 'release-evidence/v1';
  /** The release commit (full SHA). */
  readonly commit: string;
  /** Its parents; the first is the release order's base. */
  readonly parents: readonly string[];
  readonly subject: string;
  /** From the release record, else as the subject names it. */
  readonly pullRequest: number | null;
  /** Author and committer of the commit (`Name <email>`). */
  readonly author: string;
  readonly committer: string;
  /** GitHub login of the pull request's author, from the release record. */
  readonly pullRequestAuthor: string | null;
  /** ISO 8601: authored and committed (git), recorded (the release record). */
  readonly timestamps: { readonly authored: string; readonly committed: string; readonly recorded: string | null };
  /** The release record as written by the release workflow, or `null` (an exception). */
  readonly record: { readonly ref: string; readonly text: string } | null;
  /** Counted approvals from the release record: environment, approver, teams, commit approved. */
  readonly approvals: readonly {
    readonly env: string;
    readonly user: string;
    readonly teams: readonly string[];
    readonly commit: string;
  }[];
  /** No approval of the release is by its author. */
  readonly authorIsNotApprover: boolean;
  readonly gates: readonly EvidenceGate[];
  /** What changed, per app released: spec and pin commits between the two versions. */
  readonly notes: readonly ReleaseNotes[];
  /** Exceptions `audit --exceptions` reports for this commit. */
  readonly exceptions: readonly AuditException[];
  /** The release order between the first parent and the commit (`release-order --format json`). */
  readonly releaseOrder: unknown;
}

/**
 * Resolves `<sha|ref>`, or `#12` / `12` (a pull request named by a release record or a merge subject),
 * to a commit on `ref`.
 */
export function resolveRelease(root: string, target: string, ref = 'main'): string {
  const pr = /^#?(\d{1,7})$/.exec(target);
  if (!pr) return revParse(root, target);
  const out = git(root, ['log', '--first-parent', `--notes=${RELEASE_NOTES_REF}`, '--format=%x1e%H%x00%s%x00%N', ref]);
  for (const entry of out.split('\x1e').slice(1)) {
    const [sha, subject, note] = entry.split('\0') as [string, string, string];
    const recorded = readRecord(note)?.pullRequest;
    if (recorded === Number(pr[1]) || (recorded === undefined && pullRequestOf(subject) === Number(pr[1]))) return sha;
  }
  throw new Error(
    `--evidence '${target}': no commit on ${ref} releases pull request #${pr[1]}; pass the merge commit's SHA`,
  );
}

/** Gathers the evidence of the release `commit` (on `ref`'s first-parent history). */
export async function collectEvidence(root: string, commit: string, ref = 'main'): Promise<Evidence> {
  requireFullHistory(root, 'audit --evidence');
  const sha = revParse(root, commit);
  const [parentsLine, author, committer, authored, committed, subject] = git(root, [
    'show',
    '-s',
    '--format=%P%x00%an <%ae>%x00%cn <%ce>%x00%aI%x00%cI%x00%s',
    sha,
  ])
    .trim()
    .split('\0') as [string, string, string, string, string, string];
  const parents = parentsLine.split(' ').filter(Boolean);
  if (parents.length === 0)
    throw new Error(`--evidence ${sha.slice(0, 12)}: the root commit has no release order (no first parent)`);
  const at = new Date(committed);
  const order = await buildReleaseOrder(root, parents[0]!, sha, { now: at });
  const orderDoc = JSON.parse(releaseOrderJson(order)) as Record<string, unknown>;
  const note = readReleaseNote(root, sha);
  const record = note === undefined ? undefined : readRecord(note);
  // The policy as of the first parent; the branch tip's when this platform cannot load that revision's.
  const policyAt = await environmentsAt(root, parents[0]!).catch(() => environmentsAt(root, ref));
  const policies = new Map(policyAt.map((e) => [e.spec.name as string, e.spec]));
  const approvals = (record?.approvals ?? []).map((a) => ({
    env: a.env,
    user: a.user,
    teams: a.teams,
    commit: a.commit,
  }));
  const prAuthor = record?.author ?? null;

  const gates: EvidenceGate[] = [];
  for (const e of order.environments) {
    const counted = approvals.filter((a) => a.env === e.env && a.user.toLowerCase() !== prAuthor?.toLowerCase());
    const required = record?.environments.find((x) => x.env === e.env)?.approvalsRequired ?? e.approvalsRequired;
    gates.push({
      env: e.env,
      gate: 'approvals',
      verdict: record?.approvals === undefined ? 'not-recorded' : counted.length >= required ? 'passed' : 'refused',
      values: { required, counted: counted.length, approvers: e.approvers, approvedBy: counted.map((a) => a.user) },
    });
    const windows = policies.get(e.env)?.promotion?.freezeWindows ?? [];
    const freeze = activeFreeze(windows, at);
    gates.push({
      env: e.env,
      gate: 'freeze',
      verdict: freeze ? 'refused' : 'passed',
      values: {
        at: at.toISOString(),
        frozen: freeze !== undefined,
        window: freeze?.window.name ?? null,
        until: freeze?.until.toISOString() ?? null,
        windows: windows.map((w) => w.name),
      },
    });
  }
  for (const p of order.pins.filter((x) => x.after !== undefined)) {
    const refusals = order.guard.violations.filter((v) => v.env === p.env && v.message.includes(p.app));
    const soak = refusals.find((v) => v.rule === 'soak');
    const overridden = (record?.overrides ?? []).some((o) => o.startsWith(`${p.env} by `));
    gates.push({
      env: p.env,
      gate: 'soak',
      verdict: soak ? (overridden ? 'overridden' : 'refused') : 'passed',
      values: {
        app: p.app,
        minSoakHours: policies.get(p.env)?.promotion?.minSoakHours ?? 0,
        source: p.source ?? null,
        message: soak?.message ?? null,
      },
    });
    gates.push({
      env: p.env,
      gate: 'provenance',
      verdict: p.source ? 'passed' : 'refused',
      values: {
        app: p.app,
        tag: p.after!.tag,
        digest: p.after!.digest ?? null,
        before: p.before ?? null,
        source: p.source ?? null,
      },
    });
  }
  for (const v of order.guard.violations.filter((x) => x.rule !== 'soak')) {
    const overridden = (record?.overrides ?? []).some((o) => o.startsWith(`${v.env} by `));
    gates.push({
      env: v.env,
      gate: v.rule,
      verdict: v.overridable && overridden ? 'overridden' : 'refused',
      values: { message: v.message, overridable: v.overridable },
    });
  }
  gates.push({
    env: '*',
    gate: 'verification',
    verdict:
      record?.verification === undefined
        ? 'not-recorded'
        : record.verification === 'fresh'
          ? 'passed'
          : record.verification,
    values: { rerender: record?.verification ?? null },
  });

  const notes = order.pins
    .filter((p) => p.before !== undefined && p.after !== undefined && p.before.tag !== p.after.tag)
    .map((p) => ({ app: p.app, from: p.before!.tag, to: p.after!.tag }))
    .filter((p, i, all) => all.findIndex((q) => q.app === p.app && q.from === p.from && q.to === p.to) === i);
  const since = committed.slice(0, 10);
  const report = await findExceptions(root, { ref, since });
  return {
    schema: 'release-evidence/v1',
    commit: sha,
    parents,
    subject,
    pullRequest: record?.pullRequest ?? pullRequestOf(subject),
    author,
    committer,
    pullRequestAuthor: prAuthor,
    timestamps: { authored, committed, recorded: record?.recordedAt ?? null },
    record: note === undefined ? null : { ref: RELEASE_NOTES_REF, text: note },
    approvals,
    authorIsNotApprover:
      prAuthor === null
        ? approvals.length === 0
        : !approvals.some((a) => a.user.toLowerCase() === prAuthor.toLowerCase()),
    gates,
    notes: await notesOf(root, notes, sha),
    exceptions: report.exceptions.filter((e) => e.commit === sha),
    releaseOrder: orderDoc,
  };
}

/** Release notes of each version change; a version never released before (hand-made history) has none. */
async function notesOf(
  root: string,
  changes: readonly { app: string; from: string; to: string }[],
  ref: string,
): Promise<ReleaseNotes[]> {
  const out: ReleaseNotes[] = [];
  for (const c of changes) {
    try {
      out.push(await releaseNotes(root, { ...c, ref }));
    } catch {
      out.push({ ...c, fromCommit: null, toCommit: null, commits: [] });
    }
  }
  return out;
}

/** The evidence as Markdown. */
export function evidenceMarkdown(e: Evidence): string {
  const lines = [
    `# Release evidence: \`${e.commit.slice(0, 12)}\`${e.pullRequest === null ? '' : ` (#${e.pullRequest})`}`,
    '',
    `- Subject: ${e.subject}`,
    `- Author: ${e.author}; committed by ${e.committer}; pull request author: ${e.pullRequestAuthor ?? 'not recorded'}`,
    `- Authored ${e.timestamps.authored}; committed ${e.timestamps.committed}; ` +
      `recorded ${e.timestamps.recorded ?? 'not recorded'}`,
    `- Release record (${RELEASE_NOTES_REF}): ${e.record === null ? '**none**' : 'present'}`,
    `- Author is not an approver: ${e.record === null ? 'not recorded' : e.authorIsNotApprover ? 'yes' : '**no**'}`,
    '',
    '## Approvals',
    '',
    ...(e.approvals.length === 0
      ? ['None recorded.']
      : [
          '| Env | Approver | Teams | Commit approved |',
          '|---|---|---|---|',
          ...e.approvals.map((a) => `| ${a.env} | ${a.user} | ${a.teams.join(', ')} | \`${a.commit.slice(0, 12)}\` |`),
        ]),
    '',
    '## Gates',
    '',
    '| Env | Gate | Verdict | Values |',
    '|---|---|---|---|',
    ...e.gates.map((g) => `| ${g.env} | ${g.gate} | ${g.verdict} | ${cell(JSON.stringify(g.values))} |`),
    '',
    '## Exceptions',
    '',
    ...(e.exceptions.length === 0 ? ['None.'] : e.exceptions.map((x) => `- ${x.env} **${x.rule}**: ${x.message}`)),
    '',
    '## What changed',
    '',
    ...(e.notes.length === 0
      ? ['No version of an app changed.']
      : e.notes.flatMap((n) => [`### ${n.app} ${n.from} → ${n.to}`, '', ...notesLines(n), ''])),
    '',
  ];
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function notesLines(n: ReleaseNotes): string[] {
  if (n.commits.length === 0) return ['No spec or pin commit found between the two versions.'];
  return n.commits.map(
    (c) =>
      `- \`${c.commit.slice(0, 7)}\` ${c.kind}: ${c.subject} ` +
      `(${c.author}${c.pullRequest === null ? '' : `, #${c.pullRequest}`})`,
  );
}

/** Writes `evidence.json` and `evidence.md` into `dir`; with `key`, also their `.sig` signatures; all or nothing. */
export function writeEvidence(dir: string, e: Evidence, key?: string): string[] {
  if (key !== undefined && !existsSync(key))
    throw new Error(`--key '${key}': no such file; pass the SSH private key to sign with (ssh-keygen -t ed25519)`);
  const tmp = join(dir, '.evidence-tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, 'evidence.json'), `${JSON.stringify(e, null, 2)}\n`);
    writeFileSync(join(tmp, 'evidence.md'), evidenceMarkdown(e));
    const files: string[] = [...EVIDENCE_FILES];
    if (key !== undefined) {
      for (const f of EVIDENCE_FILES) {
        sshKeygen(['-Y', 'sign', '-q', '-f', key, '-n', EVIDENCE_NAMESPACE, join(tmp, f)]);
        files.push(`${f}.sig`);
      }
    }
    for (const f of [...EVIDENCE_FILES, ...EVIDENCE_FILES.map((x) => `${x}.sig`)])
      rmSync(join(dir, f), { force: true });
    for (const f of files) renameSync(join(tmp, f), join(dir, f));
    return files;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The verdict on one signed file of a pack. */
export interface SignatureCheck {
  readonly file: string;
  readonly ok: boolean;
  /** The allowed signer whose key made a good signature. */
  readonly signer: string | null;
  readonly message: string;
}

/** Checks each file of the pack in `dir` against its `.sig` with `ssh-keygen -Y verify`, offline. */
export function verifyEvidence(dir: string, allowedSigners: string): SignatureCheck[] {
  if (!existsSync(allowedSigners))
    throw new Error(
      `--allowed-signers '${allowedSigners}': no such file; ` +
        'pass an allowed signers file such as .github/allowed_signers',
    );
  return EVIDENCE_FILES.map((file) => {
    const path = join(dir, file);
    const sig = `${path}.sig`;
    if (!existsSync(path)) return { file, ok: false, signer: null, message: `${file} is missing` };
    if (!existsSync(sig))
      return {
        file,
        ok: false,
        signer: null,
        message: `${file}.sig is missing: the pack is not signed (audit --evidence … --key FILE)`,
      };
    let principals: string[];
    try {
      principals = sshKeygen(['-Y', 'find-principals', '-s', sig, '-f', allowedSigners])
        .split('\n')
        .map((p) => p.trim())
        .filter(Boolean);
    } catch (error) {
      return {
        file,
        ok: false,
        signer: null,
        message: `signed by no allowed signer of ${allowedSigners} (${firstLine(error)})`,
      };
    }
    for (const principal of principals) {
      try {
        sshKeygen(
          ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', EVIDENCE_NAMESPACE, '-s', sig],
          readFileSync(path),
        );
        return { file, ok: true, signer: principal, message: `good signature by ${principal}` };
      } catch (error) {
        return {
          file,
          ok: false,
          signer: null,
          message:
            `the signature by ${principal} does not match the file: ` +
            `it was changed after signing (${firstLine(error)})`,
        };
      }
    }
    return { file, ok: false, signer: null, message: 'no principal found for the signature' };
  });
}

function sshKeygen(args: readonly string[], input?: Buffer): string {
  try {
    return execFileSync('ssh-keygen', [...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; code?: string; message: string };
    if (e.code === 'ENOENT')
      throw new Error('ssh-keygen is not installed; install openssh-client (apt-get install openssh-client)');
    throw new Error(`ssh-keygen ${args[1]} failed: ${(e.stderr || e.message).trim()}`);
  }
}

function firstLine(error: unknown): string {
  return (error as Error).message.split('\n').find((l) => l.trim()) ?? '';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}
