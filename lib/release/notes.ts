/**
 * Release notes of an app: what changed between two of its versions on the
 * branch's first-parent history. The first release of each version (in any
 * environment, from `auditReleases`) bounds the range; within it, the
 * commits that changed the app's spec (`apps/<app>.ts`) and those that moved
 * one of its pins, each with subject, author and pull request.
 */
import { git, revParse } from '../git/git.ts';
import { auditReleases, pullRequestOf } from './audit.ts';
import { readRecord, RELEASE_NOTES_REF } from './record.ts';

/** One commit of the release notes. */
export interface NoteCommit {
  readonly commit: string;
  /** `spec` (the app's spec changed), `pin` (a version moved), or `spec+pin`. */
  readonly kind: 'spec' | 'pin' | 'spec+pin';
  readonly subject: string;
  readonly author: string;
  readonly date: string;
  /** From the release record, else as the subject names it. */
  readonly pullRequest: number | null;
  /** For a pin: the environments and versions it released (`staging 1.2.0`). */
  readonly pins: readonly string[];
}

/** What changed in an app between two versions. */
export interface ReleaseNotes {
  readonly app: string;
  readonly from: string;
  readonly to: string;
  /** First commit that released `from`, and the first that released `to`. */
  readonly fromCommit: string | null;
  readonly toCommit: string | null;
  /** Oldest first. */
  readonly commits: readonly NoteCommit[];
}

/** Options of `releaseNotes`. */
export interface NotesOptions {
  readonly app: string;
  readonly from: string;
  readonly to: string;
  /** Branch or commit whose first-parent history is read. @default 'main' */
  readonly ref?: string;
}

/** The release notes of `app` from version `from` to version `to`. */
export async function releaseNotes(root: string, options: NotesOptions): Promise<ReleaseNotes> {
  const ref = options.ref ?? 'main';
  const tip = revParse(root, ref);
  const records = (await auditReleases(root, { ref: tip, app: options.app })).reverse();
  if (records.length === 0)
    throw new Error(`--notes '${options.app}': the app was never released on ${ref}; check its name (apps/<app>.ts)`);
  const firstOf = (version: string): string | null => records.find((r) => r.version === version)?.commit ?? null;
  const fromCommit = firstOf(options.from);
  const toCommit = firstOf(options.to);
  const known = [...new Set(records.map((r) => r.version).filter((v): v is string => v !== null))];
  for (const [flag, version, commit] of [
    ['--from', options.from, fromCommit],
    ['--to', options.to, toCommit],
  ] as const) {
    if (commit === null)
      throw new Error(
        `${flag} '${version}': ${options.app} was never released at that version on ${ref}; ` +
          `released versions: ${known.join(', ')}`,
      );
  }
  const pinsBy = new Map<string, string[]>();
  let inRange = false;
  for (const r of records) {
    if (r.commit === fromCommit) inRange = true;
    if (!inRange || r.commit === fromCommit) continue;
    if (r.version !== r.previousVersion)
      pinsBy.set(r.commit, [...(pinsBy.get(r.commit) ?? []), `${r.env} ${r.version ?? 'removed'}`]);
    if (r.commit === toCommit) break;
  }
  const range = `${fromCommit}..${toCommit}`;
  const specCommits = new Set(
    git(root, ['log', '--first-parent', '--format=%H', range, '--', `apps/${options.app}.ts`])
      .split('\n')
      .filter(Boolean),
  );
  const log = git(root, [
    'log',
    '--first-parent',
    '--reverse',
    `--notes=${RELEASE_NOTES_REF}`,
    '--format=%x1e%H%x00%an <%ae>%x00%cI%x00%s%x00%N',
    range,
  ]);
  const commits: NoteCommit[] = [];
  for (const entry of log.split('\x1e').slice(1)) {
    const [sha, author, date, subject, note] = entry.split('\0') as [string, string, string, string, string];
    const spec = specCommits.has(sha);
    const pins = pinsBy.get(sha) ?? [];
    if (!spec && pins.length === 0) continue;
    commits.push({
      commit: sha,
      kind: spec && pins.length > 0 ? 'spec+pin' : spec ? 'spec' : 'pin',
      subject,
      author,
      date,
      pullRequest: readRecord(note)?.pullRequest ?? pullRequestOf(subject),
      pins,
    });
  }
  return { app: options.app, from: options.from, to: options.to, fromCommit, toCommit, commits };
}

/** The notes as Markdown. */
export function notesMarkdown(n: ReleaseNotes): string {
  const title = `## ${n.app} ${n.from} → ${n.to}`;
  const bounds =
    `From \`${n.fromCommit?.slice(0, 7)}\` (first release of ${n.from}) ` +
    `to \`${n.toCommit?.slice(0, 7)}\` (first release of ${n.to}).`;
  if (n.commits.length === 0) return `${title}\n\n${bounds}\n\nNo spec or pin commit in between.\n`;
  const rows = n.commits.map((c) => {
    const pr = c.pullRequest === null ? '—' : `#${c.pullRequest}`;
    const cells = [c.date.slice(0, 10), `\`${c.commit.slice(0, 7)}\``, c.kind, cell(c.subject), cell(c.author), pr];
    return `| ${[...cells, cell(c.pins.join(', ') || '—')].join(' | ')} |`;
  });
  return [
    title,
    '',
    bounds,
    '',
    '| Date | Commit | Kind | Subject | Author | PR | Pins |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}
