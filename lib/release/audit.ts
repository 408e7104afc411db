/**
 * Audit: who released what, where and when, from git history alone. Walks
 * the first-parent history of a branch (`main`): each commit there is one
 * release (a merge, a squash merge or a direct commit). Every app file it
 * changed under `manifests/<env>/apps/` becomes a record (unless only its
 * text changed, not its objects: re-formatting releases nothing) with the versions
 * before and after, the author, the date, the pull request named in the
 * commit subject.
 *
 * Evidence, not claims: who approved, where the artifact was promoted from
 * and which overrides were granted come from the release record that the
 * release workflow attaches to the merge commit (`refs/notes/releases`),
 * written from the pull request's reviews and the gates' verdict. Commit
 * trailers (`Approved-by:`, `Promoted-From:`, `Reason:`, `Release-Override:`)
 * are written by the author and are shown as claims only. A `Chain-Override:`
 * trailer is different: it is what let the pull request skip steps of the
 * promotion chain, so every release of that commit is flagged with it
 * (`chainOverride`). A shallow clone is refused: its first commit would look
 * like the release of everything.
 */
import { git, readBlobs, requireFullHistory, revParse } from '../git/git.ts';
import { closest } from '../spec/problems.ts';
import { cmp } from '../util/compare.ts';
import { CHAIN_OVERRIDE_TRAILER } from './chain.ts';
import { diffObjects } from './diff.ts';
import { OVERRIDE_TRAILER } from './guard.ts';
import { MANIFESTS, parseManifest } from './manifests.ts';
import { environmentsAt } from './revision.ts';
import { RELEASE_NOTES_REF } from './record.ts';

/** One app changed in one environment by one release commit. */
export interface ReleaseRecord {
  readonly env: string;
  readonly app: string;
  /** `added`, `changed` or `removed` in this environment. */
  readonly change: 'added' | 'changed' | 'removed';
  /** Version after the commit (`app.kubernetes.io/version`); null when removed. */
  readonly version: string | null;
  /** Version before the commit; null when added. */
  readonly previousVersion: string | null;
  /** Image digest after the commit, when pinned. */
  readonly digest: string | null;
  /** The first-parent commit that released it (the merge commit for a merged pull request). */
  readonly commit: string;
  /** True when the commit is a merge commit. */
  readonly merge: boolean;
  /** Pull request number named by the commit subject (GitHub merge or squash subject). */
  readonly pullRequest: number | null;
  readonly subject: string;
  /** Author of the release commit (for a merge commit: who merged). */
  readonly author: string;
  readonly authorEmail: string;
  /** When the commit landed on the branch (committer date, ISO 8601). */
  readonly date: string;
  /** Whether a release record (`refs/notes/releases`) is attached to the commit. */
  readonly recorded: boolean;
  /** Approvers whose approval counted, from the release record (`alice (@insure/sre)`). */
  readonly approvers: readonly string[];
  /** Where the gates proved the artifact came from, from the release record (`staging`, `build`, `rollback`). */
  readonly promotedFrom: string | null;
  /** Overrides granted in this environment, from the release record (`carol: <reason>`). */
  readonly overrides: readonly string[];
  /** What the commit messages say, unproven: trailers of the commit and, for a merge, of the commits it merged. */
  readonly claims: ReleaseClaims;
  /**
   * The reason of a `Chain-Override:` trailer of the commit (or of a commit it merged): the release skipped
   * steps of the promotion chain; null when none.
   */
  readonly chainOverride: string | null;
}

/** Trailers written by the author of a commit: shown, never taken as evidence. */
export interface ReleaseClaims {
  /** `Approved-by:` trailers. */
  readonly approvers: readonly string[];
  /** `Promoted-From:` trailer. */
  readonly promotedFrom: string | null;
  /** `Rollback: true` trailer. */
  readonly rollback: boolean;
  /** `Reason:` trailer (a forced promotion). */
  readonly reason: string | null;
  /** `Release-Override:` trailer (a request for an override). */
  readonly override: string | null;
}

/** Options of `auditReleases`. */
export interface AuditOptions {
  /** Branch whose first-parent history is walked. @default 'main' */
  readonly ref?: string;
  /** Only this environment. */
  readonly env?: string;
  /** Only this app. */
  readonly app?: string;
  /** Only commits that landed on or after this date (`YYYY-MM-DD` or ISO 8601). */
  readonly since?: string;
}

/**
 * Release records of the branch's first-parent history, newest first; within a commit by environment (promotion order)
 * and app.
 */
export async function auditReleases(root: string, options: AuditOptions = {}): Promise<ReleaseRecord[]> {
  const ref = options.ref ?? 'main';
  requireFullHistory(root, 'audit');
  const tip = revParse(root, ref);
  const envOrder = (await environmentsAt(root, tip)).map((e) => e.spec.name as string);
  if (options.env !== undefined && !envOrder.includes(options.env)) {
    const guess = closest(options.env, envOrder);
    throw new Error(
      `--env '${options.env}': no such environment at ${ref}${guess ? `; did you mean '${guess}'?` : `; use one of: ${envOrder.join(', ')}`}`,
    );
  }
  checkSince(options.since);
  const pathspec = `${MANIFESTS}/${options.env ?? '*'}/apps/${options.app ? `${options.app}.yaml` : ''}`;
  const out = git(root, [
    'log',
    '--first-parent',
    '--diff-merges=first-parent',
    '--raw',
    '-z',
    '--no-abbrev',
    '--no-renames',
    `--notes=${RELEASE_NOTES_REF}`,
    '--format=%x1e%H%x00%P%x00%an%x00%ae%x00%cI%x00%s%x00%(trailers:only,unfold)%x00%N%x00',
    ...(options.since ? [`--since=${options.since}`] : []),
    tip,
    '--',
    `:(glob)${pathspec}${options.app ? '' : '**'}`,
  ]);
  const commits = parseLog(out);
  const blobs = readBlobs(
    root,
    commits.flatMap((c) => c.files.flatMap((f) => [f.before, f.after])).filter((s) => !/^0+$/.test(s)),
  );
  const rank = (env: string): number => (envOrder.includes(env) ? envOrder.indexOf(env) : envOrder.length);

  const records: ReleaseRecord[] = [];
  for (const c of commits) {
    const trailers = c.parents.length > 1 ? [c.trailers, ...mergedTrailers(root, c.parents)].join('\n') : c.trailers;
    const t = parseTrailers(trailers);
    const note = c.note.trim() ? parseTrailers(c.note) : undefined;
    const files = c.files
      .map((f) => ({ ...f, where: /^manifests\/([^/]+)\/apps\/([^/]+)\.ya?ml$/.exec(f.path) }))
      .filter((f) => f.where !== null)
      .sort(
        (a, b) =>
          rank(a.where![1]!) - rank(b.where![1]!) || cmp(a.where![1]!, b.where![1]!) || cmp(a.where![2]!, b.where![2]!),
      );
    for (const f of files) {
      const [, env, app] = f.where as unknown as [string, string, string];
      const before = /^0+$/.test(f.before) ? undefined : blobs.get(f.before);
      const after = /^0+$/.test(f.after) ? undefined : blobs.get(f.after);
      // A new version or digest is a release for sure; only otherwise are both sides parsed, to tell a re-formatting.
      const obvious =
        before === undefined ||
        after === undefined ||
        versionIn(before) !== versionIn(after) ||
        digestIn(before) !== digestIn(after);
      if (!obvious && sameObjects(f.path, before, after)) continue;
      const pinned = trailerPin(trailers, app);
      records.push({
        env,
        app,
        change: before === undefined ? 'added' : after === undefined ? 'removed' : 'changed',
        version: after === undefined ? null : (versionIn(after) ?? pinned.version),
        previousVersion: before === undefined ? null : versionIn(before),
        digest: after === undefined ? null : (digestIn(after) ?? pinned.digest),
        commit: c.sha,
        merge: c.parents.length > 1,
        pullRequest: pullRequestOf(c.subject),
        subject: c.subject,
        author: c.author,
        authorEmail: c.email,
        date: c.date,
        recorded: note !== undefined,
        approvers: [...new Set(note?.get('approved-by') ?? [])],
        promotedFrom: recordedSource(note, env, app),
        overrides: (note?.get('override') ?? [])
          .filter((o) => o.startsWith(`${env} by `))
          .map((o) => o.slice(env.length + 4)),
        claims: {
          approvers: [...new Set(t.get('approved-by') ?? [])],
          promotedFrom: first(t, 'promoted-from'),
          rollback: first(t, 'rollback') === 'true',
          reason: first(t, 'reason'),
          override: first(t, OVERRIDE_TRAILER.toLowerCase()),
        },
        chainOverride: first(t, CHAIN_OVERRIDE_TRAILER.toLowerCase()),
      });
    }
  }
  return records;
}

/**
 * Pull request number named by a GitHub merge subject (`Merge pull request #12 from …`) or squash subject (`… (#12)`).
 */
export function pullRequestOf(subject: string): number | null {
  const m = /^Merge pull request #(\d+) from /.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject);
  return m ? Number(m[1]) : null;
}

/** `{ "releases": [...] }` with a trailing newline. */
export function auditJson(records: readonly ReleaseRecord[]): string {
  return `${JSON.stringify({ releases: records }, null, 2)}\n`;
}

/** The records as a Markdown table, newest first. */
export function auditMarkdown(records: readonly ReleaseRecord[], options: AuditOptions = {}): string {
  const scope = [
    options.env ? `env ${options.env}` : '',
    options.app ? `app ${options.app}` : '',
    options.since ? `since ${options.since}` : '',
  ].filter(Boolean);
  const title = `## Releases on \`${options.ref ?? 'main'}\`${scope.length > 0 ? ` (${scope.join(', ')})` : ''}`;
  if (records.length === 0) return `${title}\n\nNo release found.\n`;
  const rows = records.map((r) => {
    const version =
      r.change === 'added'
        ? `${r.version} (added)`
        : r.change === 'removed'
          ? `${r.previousVersion} (removed)`
          : r.previousVersion === r.version
            ? `${r.version} (same version)`
            : `${r.previousVersion} → ${r.version}`;
    const claimed = [
      r.claims.approvers.length > 0 ? `approved-by ${r.claims.approvers.join(', ')}` : '',
      r.claims.promotedFrom ? `promoted-from ${r.claims.promotedFrom}` : '',
      r.claims.rollback ? 'rollback' : '',
      r.claims.reason ? `reason: ${r.claims.reason}` : '',
      r.claims.override ? `override requested: ${r.claims.override}` : '',
    ].filter(Boolean);
    const notes = [
      r.chainOverride ? `**chain override: ${r.chainOverride}**` : '',
      r.recorded ? '' : 'no release record',
      r.promotedFrom ? `promoted from ${r.promotedFrom}` : '',
      ...r.overrides.map((o) => `**override granted by ${o}**`),
      claimed.length > 0 ? `claimed in commit (unverified): ${claimed.join('; ')}` : '',
    ].filter(Boolean);
    return `| ${landed(r.date)} | ${r.env} | ${r.app} | ${cell(version)} | \`${r.commit.slice(0, 7)}\`${r.merge ? ' (merge)' : ''} | ${r.pullRequest === null ? '—' : `#${r.pullRequest}`} | ${cell(r.author)} | ${cell(r.approvers.join(', ') || '—')} | ${cell(notes.join('; ') || '—')} |`;
  });
  return [
    title,
    '',
    '| Date | Env | App | Version | Commit | PR | Author | Approved by | Notes |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** The source of `app`'s pin in `env` in a release record (`Pin: prod claims-api 2.15.0@sha256:… from staging`). */
function recordedSource(note: Map<string, string[]> | undefined, env: string, app: string): string | null {
  for (const line of note?.get('pin') ?? []) {
    const m = /^(\S+) (\S+) \S+ from (\S+)$/.exec(line);
    if (m && m[1] === env && m[2] === app && m[3] !== 'unproven') return m[3]!;
  }
  return null;
}

interface LoggedCommit {
  readonly sha: string;
  readonly parents: readonly string[];
  readonly author: string;
  readonly email: string;
  readonly date: string;
  readonly subject: string;
  readonly trailers: string;
  /** The release record attached to the commit (`refs/notes/releases`), or `''`. */
  readonly note: string;
  readonly files: readonly { before: string; after: string; path: string }[];
}

/** Parses `git log --raw -z` output in the format `auditReleases` asks for. */
function parseLog(out: string): LoggedCommit[] {
  const commits: LoggedCommit[] = [];
  for (const record of out.split('\x1e').slice(1)) {
    const fields = record.split('\0');
    const [sha, parents, author, email, date, subject, trailers, note] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const files: { before: string; after: string; path: string }[] = [];
    for (let i = 8; i < fields.length; i++) {
      const meta = fields[i]!.replace(/^\n/, '');
      if (!meta.startsWith(':')) continue;
      const [, , before, after] = meta.slice(1).split(' ') as [string, string, string, string];
      files.push({ before, after, path: fields[++i]! });
    }
    commits.push({
      sha,
      parents: parents.split(' ').filter(Boolean),
      author,
      email,
      date,
      subject,
      trailers,
      note,
      files,
    });
  }
  return commits;
}

/** Trailers of the commits a merge brought in: reachable from its other parents, not from its first. */
function mergedTrailers(root: string, parents: readonly string[]): string[] {
  const [firstParent, ...others] = parents;
  return git(root, ['log', '--format=%(trailers:only,unfold)%x1e', `^${firstParent}`, ...others])
    .split('\x1e')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** `Key: value` lines → lower-cased key → values in order. */
export function parseTrailers(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9-]+):\s*(.+)$/.exec(line.trim());
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), m[2]!.trim()]);
  }
  return out;
}

/** `Version:` and `Digest:` trailers that follow `App: <app>` (as `promote` writes them, one group per app). */
function trailerPin(text: string, app: string): { version: string | null; digest: string | null } {
  let current: string | undefined;
  const pin: { version: string | null; digest: string | null } = { version: null, digest: null };
  for (const line of text.split('\n')) {
    const m = /^(App|Version|Digest):\s*(\S+)/i.exec(line.trim());
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'app') current = m[2];
    else if (current === app) pin[key as 'version' | 'digest'] = m[2]!;
  }
  return pin;
}

/** Whether two versions of a manifest file hold the same objects (a re-formatting, not a release). */
function sameObjects(path: string, before: string, after: string): boolean {
  const file = path.slice(MANIFESTS.length + 1);
  try {
    return diffObjects(parseManifest(file, before), parseManifest(file, after)).length === 0;
  } catch {
    // A file that does not parse cannot be shown to be unchanged; it stays in the record.
    return false;
  }
}

function first(t: Map<string, string[]>, key: string): string | null {
  return t.get(key)?.[0] ?? null;
}

function versionIn(text: string): string | null {
  return /^\s*app\.kubernetes\.io\/version:\s*['"]?([^'"\s]+)/m.exec(text)?.[1] ?? null;
}

function digestIn(text: string): string | null {
  return /^\s*(?:-\s+)?image:\s*\S*@(sha256:[a-f0-9]{64})/m.exec(text)?.[1] ?? null;
}

/** When a commit landed, to the minute, with the zone it was written in (`2026-11-24 00:04 +08:00`). */
function landed(iso: string): string {
  const zone = iso.slice(19).replace(/^\.\d+/, '');
  return `${iso.slice(0, 16).replace('T', ' ')} ${zone === 'Z' || zone === '' ? '+00:00' : zone}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

/** Refuses a `--since` that is not a date (`YYYY-MM-DD`, or ISO 8601 with time and offset). */
export function checkSince(since: string | undefined): void {
  if (since === undefined) return;
  const iso = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
  if (!iso.test(since) || Number.isNaN(Date.parse(since))) {
    throw new Error(`--since '${since}': not a date; write it as YYYY-MM-DD (or ISO 8601 with time and offset)`);
  }
}
