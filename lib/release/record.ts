/**
 * The release record: after a merge to main, the release workflow attaches a
 * git note (`refs/notes/releases`) to the merge commit in trailer form, so
 * `git log --notes=releases` and `audit` can tell, from git alone, which pull
 * request released what, who approved it, which overrides were granted and
 * where each pinned artifact was proven to come from. A note, because the
 * merge commit already exists when the workflow runs and must not be
 * rewritten; written by the workflow, never by the pull request's author.
 * One format, shared by its writer (`delivery`) and its readers (`audit`,
 * its exceptions and evidence): `formatReleaseNote` writes it and
 * `readRecord` parses it back into the same `ReleaseRecord`.
 *
 * Lines: `Release-Order`, `Pull-Request`, `Author` (who opened the pull
 * request), `Environment`, `Approved-by` (every counted approver, any
 * environment), `Approval` (one per environment and approver, with the
 * commit approved), `Not-counted` (approvals the check ignored, with why),
 * `Refusal` (each refusal of the release guards), `Override`, `Pin`,
 * `Verification` (the re-render check of the head) and `Recorded-at`.
 */
import { git } from '../git/git.ts';
import { RISKS, type Risk } from '../spec/environment.ts';

/** The notes ref release records are kept under. */
export const RELEASE_NOTES_REF = 'refs/notes/releases';

/** What a release record says. */
export interface ReleaseRecord {
  /** Revisions the release order compared. */
  readonly base: string;
  readonly head: string;
  /** Pull request the merge closed, when there was one. */
  readonly pullRequest?: number;
  /** Each touched environment with its risk and the approvals it required. */
  readonly environments: readonly { readonly env: string; readonly risk: Risk; readonly approvalsRequired: number }[];
  /** Approvers whose approval counted, with their teams (`alice (@insure/sre)`). */
  readonly approvedBy: readonly string[];
  /** Overrides granted by approvers' reviews: `prod by carol: <reason>`. */
  readonly overrides: readonly string[];
  /** Pins released, with where the gates proved them from: `prod claims-api 2.15.0@sha256:… from staging`. */
  readonly pins: readonly string[];
  /** GitHub login of the pull request's author, when known. */
  readonly author?: string;
  /** Each counted approval, per environment, with the commit it approved. */
  readonly approvals?: readonly RecordedApproval[];
  /** Approvals the check did not count, with why (`carol: authored the pull request`). */
  readonly notCounted?: readonly string[];
  /** Refusals of the release guards at merge time (an override or a forced gate lifted the overridable ones). */
  readonly refusals?: readonly RecordedRefusal[];
  /** Whether the head's manifests were re-rendered and matched (`fresh`), did not (`failed`), or were not checked. */
  readonly verification?: string;
  /** When the record was written (ISO 8601). */
  readonly recordedAt?: string;
}

/** One counted approval of one environment. */
export interface RecordedApproval {
  readonly env: string;
  readonly user: string;
  /** Approver teams that made it count (`@insure/sre`). */
  readonly teams: readonly string[];
  /** The commit the review approved (the pull request head). */
  readonly commit: string;
}

/** One refusal of a release guard, as the release order reported it. */
export interface RecordedRefusal {
  readonly env: string;
  readonly rule: string;
  readonly overridable: boolean;
  readonly message: string;
}

/** The note text: one trailer per line. */
export function formatReleaseNote(r: ReleaseRecord): string {
  const one = (text: string): string => text.replace(/\s+/g, ' ').trim();
  const lines = [`Release-Order: ${r.base}..${r.head}`];
  if (r.pullRequest !== undefined) lines.push(`Pull-Request: #${r.pullRequest}`);
  if (r.author !== undefined) lines.push(`Author: ${r.author}`);
  for (const e of r.environments)
    lines.push(`Environment: ${e.env} (risk ${e.risk}, ${e.approvalsRequired} approval(s) required)`);
  for (const a of r.approvedBy) lines.push(`Approved-by: ${a}`);
  for (const a of r.approvals ?? []) lines.push(`Approval: ${a.env} ${a.user} (${a.teams.join(', ')}) on ${a.commit}`);
  for (const n of r.notCounted ?? []) lines.push(`Not-counted: ${one(n)}`);
  for (const v of r.refusals ?? []) {
    lines.push(`Refusal: ${v.env} ${v.rule} (${v.overridable ? 'overridable' : 'final'}): ${one(v.message)}`);
  }
  for (const o of r.overrides) lines.push(`Override: ${o}`);
  for (const p of r.pins) lines.push(`Pin: ${p}`);
  if (r.verification !== undefined) lines.push(`Verification: ${r.verification}`);
  if (r.recordedAt !== undefined) lines.push(`Recorded-at: ${r.recordedAt}`);
  return `${lines.join('\n')}\n`;
}

/** An `Environment:` line of a record; a risk the platform does not know leaves the line unread. */
const ENVIRONMENT_LINE = new RegExp(String.raw`^(\S+) \(risk (${RISKS.join('|')}), (\d+) approval\(s\) required\)$`);

/**
 * A note parsed back into a record; `undefined` when it is not one (no
 * `Release-Order` line). Lines it does not know are skipped, so older and
 * newer writers stay readable; fields an older writer left out stay unset.
 */
export function readRecord(text: string): ReleaseRecord | undefined {
  const t = parseReleaseNote(text);
  const order = /^(\S+)\.\.(\S+)$/.exec(t.get('Release-Order')?.[0] ?? '');
  if (!order) return undefined;
  const pr = /^#(\d+)$/.exec(t.get('Pull-Request')?.[0] ?? '');
  const has = (key: string): boolean => t.has(key);
  const environments = (t.get('Environment') ?? []).flatMap((line) => {
    const m = ENVIRONMENT_LINE.exec(line);
    return m ? [{ env: m[1]!, risk: m[2]! as Risk, approvalsRequired: Number(m[3]) }] : [];
  });
  const approvals = (t.get('Approval') ?? []).flatMap((line) => {
    const m = /^(\S+) (\S+) \(([^)]*)\) on ([0-9a-f]+)$/.exec(line);
    return m ? [{ env: m[1]!, user: m[2]!, teams: m[3]!.split(', ').filter(Boolean), commit: m[4]! }] : [];
  });
  const refusals = (t.get('Refusal') ?? []).flatMap((line) => {
    const m = /^(\S+) (\S+) \((overridable|final)\): (.*)$/.exec(line);
    return m ? [{ env: m[1]!, rule: m[2]!, overridable: m[3] === 'overridable', message: m[4]! }] : [];
  });
  return {
    base: order[1]!,
    head: order[2]!,
    ...(pr ? { pullRequest: Number(pr[1]) } : {}),
    ...(has('Author') ? { author: t.get('Author')![0]! } : {}),
    environments,
    approvedBy: t.get('Approved-by') ?? [],
    ...(has('Approval') ? { approvals } : {}),
    ...(has('Not-counted') ? { notCounted: t.get('Not-counted')! } : {}),
    ...(has('Refusal') ? { refusals } : {}),
    overrides: t.get('Override') ?? [],
    pins: t.get('Pin') ?? [],
    ...(has('Verification') ? { verification: t.get('Verification')![0]! } : {}),
    ...(has('Recorded-at') ? { recordedAt: t.get('Recorded-at')![0]! } : {}),
  };
}

/** Parses a note back into trailers: key → values, in order. */
export function parseReleaseNote(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z][A-Za-z-]*):\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

/** Attaches (or replaces) the release note of `commit` in the repository at `root`. */
export function recordRelease(root: string, commit: string, note: string): void {
  git(root, ['notes', `--ref=${RELEASE_NOTES_REF}`, 'add', '--force', '--file=-', commit], { input: note });
}

/** The release note of `commit`, or `undefined`. */
export function readReleaseNote(root: string, commit: string): string | undefined {
  try {
    return git(root, ['notes', `--ref=${RELEASE_NOTES_REF}`, 'show', commit]);
  } catch {
    return undefined;
  }
}

/** Commit → blob of its release record (`git notes list`), for the commits that have one. */
export function releaseRecordBlobs(root: string): Map<string, string> {
  const out = new Map<string, string>();
  let listing = '';
  try {
    listing = git(root, ['notes', `--ref=${RELEASE_NOTES_REF}`, 'list']);
  } catch {
    // No notes ref: no commit has a record.
  }
  for (const line of listing.split('\n')) {
    const [blob, commit] = line.split(' ');
    if (blob && commit) out.set(commit, blob);
  }
  return out;
}
