/**
 * The release record: after a merge to main, the release workflow attaches a
 * git note (`refs/notes/releases`) to the merge commit in trailer form, so
 * `git log --notes=releases` and `audit` can tell, from git alone, which pull
 * request released what, who approved it, which overrides were granted and
 * where each pinned artifact was proven to come from. A note, because the
 * merge commit already exists when the workflow runs and must not be
 * rewritten; written by the workflow, never by the pull request's author.
 * One format, shared by its writer (`delivery`) and its reader (`audit`).
 */
import { git } from '../git/git.ts';

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
  readonly environments: readonly { readonly env: string; readonly risk: string; readonly approvalsRequired: number }[];
  /** Approvers whose approval counted, with their teams (`alice (@insure/sre)`). */
  readonly approvedBy: readonly string[];
  /** Overrides granted by approvers' reviews: `prod by carol: <reason>`. */
  readonly overrides: readonly string[];
  /** Pins released, with where the gates proved them from: `prod claims-api 2.15.0@sha256:… from staging`. */
  readonly pins: readonly string[];
}

/** The note text: one trailer per line. */
export function formatReleaseNote(r: ReleaseRecord): string {
  const lines = [`Release-Order: ${r.base}..${r.head}`];
  if (r.pullRequest !== undefined) lines.push(`Pull-Request: #${r.pullRequest}`);
  for (const e of r.environments) lines.push(`Environment: ${e.env} (risk ${e.risk}, ${e.approvalsRequired} approval(s) required)`);
  for (const a of r.approvedBy) lines.push(`Approved-by: ${a}`);
  for (const o of r.overrides) lines.push(`Override: ${o}`);
  for (const p of r.pins) lines.push(`Pin: ${p}`);
  return `${lines.join('\n')}\n`;
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
