/**
 * `audit --exceptions`: every change on the branch's first-parent history to
 * the manifests of an audited environment that did not follow the process.
 * Audited by default: the environments that pin images by digest
 * (`images.requireDigest`; staging, prod and dr here), or the one `--env` names.
 *
 * Evidence only: the release record (`refs/notes/releases`, written by the
 * release workflow), git's own signature check and the environment's policy
 * as of the commit's first parent. Commit trailers are claims: they are shown
 * beside an exception, never used to clear one.
 *
 * Rules, per commit and environment:
 * - `no-release-record`: no release record is attached to the commit;
 * - `no-pull-request`: the record names no pull request (a direct push);
 * - `too-few-approvals`: fewer counted approvals by the environment's approvers
 *   (the pull request's author never counts) than the record says it required;
 * - `self-approved`: the only approval was the pull request author's own;
 * - `forced`: the commit, or a commit it merged, is a `promote --force`
 *   (its `Reason:` trailer), which skips soak time and verification;
 * - `overridden`: the release guards refused the change and it merged anyway
 *   (an approver's override, or past a refusal no override may lift);
 * - `chain-override`: the commit, or a commit it merged, carries a
 *   `Chain-Override:` trailer: the pull request changed several steps of the
 *   promotion chain at once (the trailer is what let it through, so here it
 *   is evidence of the exception, not a claim);
 * - `freeze`: it landed (committer date) inside a freeze window of the
 *   environment, unless the record proves every pin of it a rollback;
 * - `unsigned`: the environment sets `approvals.signedCommits` and git does
 *   not find a good signature by a key of `.github/allowed_signers` (as of the
 *   first parent: a commit cannot allow its own key).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, readBlobs, requireFullHistory, revParse } from '../git/git.ts';
import { activeFreeze } from '../promote/freeze.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { closest } from '../spec/problems.ts';
import { checkSince, parseTrailers, pullRequestOf } from './audit.ts';
import { CHAIN_OVERRIDE_TRAILER } from './chain.ts';
import { MANIFESTS } from './manifests.ts';
import { readRecord, RELEASE_NOTES_REF, type ReleaseRecord } from './record.ts';
import { environmentsAt } from './revision.ts';
import { ALLOWED_SIGNERS_FILE } from './signers.ts';

/** The rules an exception can break, in the order they are reported. */
export const EXCEPTION_RULES = [
  'no-release-record',
  'no-pull-request',
  'too-few-approvals',
  'self-approved',
  'forced',
  'overridden',
  'chain-override',
  'freeze',
  'unsigned',
] as const;

/** A rule of the release process. */
export type ExceptionRule = (typeof EXCEPTION_RULES)[number];

/** The people behind one exception. */
export interface ExceptionPeople {
  /** Author of the commit (`Name <email>`). */
  readonly author: string;
  /** Who committed it to the branch (for a merge: who merged). */
  readonly committer: string;
  /** The pull request's author, from the release record. */
  readonly pullRequestAuthor: string | null;
  /** Approvals counted for this environment, from the release record. */
  readonly approvers: readonly string[];
  /** Principal of a good signature, when the commit is signed. */
  readonly signer: string | null;
}

/** One change that did not follow the process. */
export interface AuditException {
  /** The first-parent commit that made the change. */
  readonly commit: string;
  /** Committer date (when it landed on the branch), ISO 8601. */
  readonly date: string;
  /** Its subject line. */
  readonly subject: string;
  /** The environment whose manifests it changed. */
  readonly env: string;
  /** Apps whose manifests the commit changed in `env`. */
  readonly apps: readonly string[];
  /** The rule of the process it broke. */
  readonly rule: ExceptionRule;
  /** What happened, in one sentence. */
  readonly message: string;
  /** Pull request from the release record, else as the subject claims it. */
  readonly pullRequest: number | null;
  readonly people: ExceptionPeople;
  /** What the commit messages claim (`Approved-by: …`): shown, never evidence. */
  readonly claims: readonly string[];
}

/** What `findExceptions` returns. */
export interface ExceptionReport {
  /** The branch audited. */
  readonly ref: string;
  /** Its tip commit (full SHA). */
  readonly tip: string;
  /** Environments audited, in promotion order. */
  readonly environments: readonly string[];
  /** Commits on the first-parent history that changed an audited environment's manifests. */
  readonly commits: number;
  /** Newest first; within a commit by environment and rule. */
  readonly exceptions: readonly AuditException[];
  /** Commits whose environments this platform could not load at their first parent: judged by the tip's policy. */
  readonly policyFromTip: { readonly commits: number; readonly reason: string | null };
}

/** Options of `findExceptions`. */
export interface ExceptionOptions {
  /** Branch whose first-parent history is audited. @default 'main' */
  readonly ref?: string;
  /** Only this environment. @default - every environment with `images.requireDigest` */
  readonly env?: string;
  /** Only commits that landed (committer date) on or after this date (`YYYY-MM-DD`, midnight UTC, or ISO 8601). */
  readonly since?: string;
}

interface Commit {
  readonly sha: string;
  readonly parents: readonly string[];
  readonly author: string;
  readonly committer: string;
  readonly date: string;
  readonly subject: string;
  readonly trailers: string;
  readonly note: string;
  readonly paths: readonly string[];
}

interface Signature {
  readonly status: string;
  readonly signer: string;
}

/** The exceptions of the branch's first-parent history. */
export async function findExceptions(root: string, options: ExceptionOptions = {}): Promise<ExceptionReport> {
  const ref = options.ref ?? 'main';
  requireFullHistory(root, 'audit --exceptions');
  const tip = revParse(root, ref);
  const atTip = (await environmentsAt(root, tip)).map((e) => e.spec);
  const names = atTip.map((e) => e.name as string);
  if (options.env !== undefined && !names.includes(options.env)) {
    const guess = closest(options.env, names);
    throw new Error(
      `--env '${options.env}': no such environment at ${ref}` +
        (guess ? `; did you mean '${guess}'?` : `; use one of: ${names.join(', ')}`),
    );
  }
  checkSince(options.since);
  const scope =
    options.env !== undefined
      ? [options.env]
      : atTip.filter((e) => e.images.requireDigest).map((e) => e.name as string);
  if (scope.length === 0) {
    return { ref, tip, environments: [], commits: 0, exceptions: [], policyFromTip: { commits: 0, reason: null } };
  }

  const commits = logCommits(root, tip, scope, options.since);
  const loaded = await policiesAt(root, commits, new Map(atTip.map((e) => [e.name as string, e])));
  const policies = loaded.byCommit;
  const signatures = checkSignatures(
    root,
    commits.filter((c) => touched(c, scope).some((env) => policies.get(c.sha)?.get(env)?.approvals.signedCommits)),
  );

  const merged = mergedTrailers(root, tip, commits);
  const exceptions: AuditException[] = [];
  for (const c of commits) {
    const record = c.note.trim() ? readRecord(c.note) : undefined;
    const trailers = [c.trailers, ...(merged.get(c.sha) ?? [])].join('\n');
    const claimed = parseTrailers(trailers);
    const claims = [...claimed].flatMap(([key, values]) =>
      CLAIM_KEYS.has(key) ? values.map((v) => `${key}: ${v}`) : [],
    );
    const signature = signatures.get(c.sha);
    for (const env of touched(c, scope)) {
      const policy = policies.get(c.sha)?.get(env);
      const apps = [...new Set(c.paths.flatMap((p) => appOf(p, env)))].sort();
      const approvals = countedApprovals(record, env, policy);
      const add = (rule: ExceptionRule, message: string): void => {
        exceptions.push({
          commit: c.sha,
          date: c.date,
          subject: c.subject,
          env,
          apps,
          rule,
          message,
          pullRequest: record?.pullRequest ?? pullRequestOf(c.subject),
          people: {
            author: c.author,
            committer: c.committer,
            pullRequestAuthor: record?.author ?? null,
            approvers: approvals.counted,
            signer: signature?.status === 'G' ? signature.signer : null,
          },
          claims,
        });
      };
      const claimedApprovals = claimed.get('approved-by') ?? [];
      const claimNote =
        claimedApprovals.length > 0
          ? ` (its trailers claim approval by ${claimedApprovals.join(', ')}: a claim, not evidence)`
          : '';
      if (record === undefined) {
        add('no-release-record', `no release record (${RELEASE_NOTES_REF}) is attached to the commit${claimNote}`);
      } else {
        if (record.pullRequest === undefined)
          add('no-pull-request', `the release record names no pull request: a direct push${claimNote}`);
        const required =
          record.environments.find((e) => e.env === env)?.approvalsRequired ?? policy?.approvals.required ?? 0;
        if (approvals.counted.length < required) {
          add(
            'too-few-approvals',
            `${approvals.counted.length} of ${required} required approval(s) by ` +
              (policy?.approvals.approvers.join(' or ') || 'its approvers'),
          );
        }
        if (approvals.counted.length === 0 && approvals.byAuthor) {
          add('self-approved', `approved only by its author ${record.author}`);
        }
        for (const v of (record.refusals ?? []).filter((r) => r.env === env || r.env === '*')) {
          const by = record.overrides.filter((o) => o.startsWith(`${env} by `)).map((o) => o.slice(env.length + 4));
          const how = v.overridable
            ? by.length > 0
              ? `override granted by ${by.join('; ')}`
              : 'no override recorded'
            : 'a refusal no override may lift';
          add('overridden', `merged although the release guards refused it [${v.rule}]: ${v.message} (${how})`);
        }
        if (record.refusals === undefined) {
          for (const o of record.overrides.filter((x) => x.startsWith(`${env} by `)))
            add('overridden', `override granted by ${o.slice(env.length + 4)}`);
        }
      }
      for (const why of claimed.get(CHAIN_OVERRIDE_TRAILER.toLowerCase()) ?? []) {
        add(
          'chain-override',
          `released with a chain override (${CHAIN_OVERRIDE_TRAILER}: ${why}): the pull request could change ` +
            'an environment together with the one it is promoted from',
        );
      }
      const reason = claimed.get('reason')?.[0];
      if (reason !== undefined)
        add('forced', `a forced promotion (promote --force): soak time and verification skipped; reason: ${reason}`);
      const freeze = activeFreeze(policy?.promotion?.freezeWindows ?? [], new Date(c.date));
      if (freeze && !rollbackOnly(record, env)) {
        add(
          'freeze',
          `landed at ${c.date} inside freeze window '${freeze.window.name}' (${freeze.window.reason}), ` +
            `open again at ${freeze.until.toISOString()}`,
        );
      }
      if (policy?.approvals.signedCommits) {
        const status = signature?.status ?? 'N';
        if (status !== 'G')
          add(
            'unsigned',
            `${env} requires signed commits; ${SIGNATURE_TEXT[status] ?? `signature status ${status}`} ` +
              `(keys of ${ALLOWED_SIGNERS_FILE})`,
          );
      }
    }
  }
  // Newest commit first (the log's order); within a commit by environment, then by rule.
  const position = new Map(commits.map((c, i) => [c.sha, i]));
  const rank = (e: AuditException): number[] => [
    position.get(e.commit)!,
    scope.indexOf(e.env),
    EXCEPTION_RULES.indexOf(e.rule),
  ];
  exceptions.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
  const policyFromTip = { commits: loaded.atTip.length, reason: loaded.reason };
  return { ref, tip, environments: scope, commits: commits.length, exceptions, policyFromTip };
}

const CLAIM_KEYS = new Set(['approved-by', 'reviewed-by', 'promoted-from', 'reason', 'release-override', 'rollback']);

/** What git's `%G?` letters mean, for an SSH signature checked against the allowed signers. */
const SIGNATURE_TEXT: Readonly<Record<string, string>> = {
  N: 'the commit is not signed',
  B: 'the signature does not match the commit (bad signature)',
  U: 'signed by a key that is not an allowed signer',
  E: 'the signature cannot be checked (its key is not an allowed signer)',
  X: 'the signature has expired',
  Y: 'signed by an expired key',
  R: 'signed by a revoked key',
};

/** `git log` of the first-parent commits that touched the audited environments' manifests. */
function logCommits(root: string, tip: string, scope: readonly string[], since: string | undefined): Commit[] {
  const out = git(root, [
    'log',
    '--first-parent',
    '--diff-merges=first-parent',
    '--name-only',
    '-z',
    '--no-renames',
    `--notes=${RELEASE_NOTES_REF}`,
    '--format=%x1e%H%x00%P%x00%an <%ae>%x00%cn <%ce>%x00%cI%x00%s%x00%(trailers:only,unfold)%x00%N%x00',
    tip,
    '--',
    ...scope.map((env) => `${MANIFESTS}/${env}/`),
  ]);
  // Filtered here, not with git's --since: git stops its walk at the first old commit it meets, and a merge's
  // branch commits are often older than the merge.
  const from =
    since === undefined ? undefined : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00Z` : since);
  return out
    .split('\x1e')
    .slice(1)
    .map((record) => {
      const f = record.split('\0');
      const paths = f
        .slice(8)
        .map((p) => p.replace(/^\n/, ''))
        .filter(Boolean);
      return {
        sha: f[0]!,
        parents: f[1]!.split(' ').filter(Boolean),
        author: f[2]!,
        committer: f[3]!,
        date: f[4]!,
        subject: f[5]!,
        trailers: f[6]!,
        note: f[7]!,
        paths,
      };
    })
    .filter((c) => from === undefined || Date.parse(c.date) >= from);
}

/**
 * The trailers of the commits each merge among `commits` brought in (reachable from its other parents, not from
 * its first), from one walk of the whole history instead of one `git log` per merge. Walking the first-parent
 * chain oldest first, everything reachable from the previous chain commit is already seen; a merge brought in
 * what its other parents reach that is not.
 */
function mergedTrailers(root: string, tip: string, commits: readonly Commit[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const merges = new Set(commits.filter((c) => c.parents.length > 1).map((c) => c.sha));
  if (merges.size === 0) return out;
  const graph = new Map<string, { parents: string[]; trailers: string }>();
  for (const entry of git(root, ['log', '--format=%x1e%H%x00%P%x00%(trailers:only,unfold)', tip])
    .split('\x1e')
    .slice(1)) {
    const [sha, parents, trailers] = entry.split('\0') as [string, string, string];
    graph.set(sha, { parents: parents.split(' ').filter(Boolean), trailers: trailers.trim() });
  }
  const seen = new Set<string>();
  for (const sha of git(root, ['rev-list', '--first-parent', '--reverse', tip]).split('\n').filter(Boolean)) {
    const stack = graph.get(sha)!.parents.slice(1);
    const brought: string[] = [];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      const node = graph.get(next)!;
      if (node.trailers) brought.push(node.trailers);
      stack.push(...node.parents);
    }
    seen.add(sha);
    if (merges.has(sha)) out.set(sha, brought);
  }
  return out;
}

/** Audited environments whose manifests `c` changed, in the order of `scope`. */
function touched(c: Commit, scope: readonly string[]): string[] {
  return scope.filter((env) => c.paths.some((p) => p.startsWith(`${MANIFESTS}/${env}/`)));
}

function appOf(path: string, env: string): string[] {
  const m = /^manifests\/([^/]+)\/apps\/([^/]+)\.ya?ml$/.exec(path);
  return m && m[1] === env ? [m[2]!] : [];
}

/** Each commit's environments' policy, and the commits judged by the tip's policy instead, with why. */
interface Policies {
  readonly byCommit: Map<string, Map<string, EnvironmentSpec>>;
  readonly atTip: string[];
  readonly reason: string | null;
}

/**
 * Each commit's environments' policy as of its first parent (its own for a root commit), loaded once per
 * `environments/` tree. A revision whose environments this platform cannot load (older fields, or none) is
 * judged by the tip's policy, and the report says so.
 */
async function policiesAt(
  root: string,
  commits: readonly Commit[],
  tip: ReadonlyMap<string, EnvironmentSpec>,
): Promise<Policies> {
  const byCommit = new Map<string, Map<string, EnvironmentSpec>>();
  const atTip: string[] = [];
  let reason: string | null = null;
  if (commits.length === 0) return { byCommit, atTip, reason };
  const bases = commits.map((c) => c.parents[0] ?? c.sha);
  // One cat-file for all: the tree of environments/ at each base; equal trees share one load.
  const input = `${bases.map((b) => `${b}:environments`).join('\n')}\n`;
  const trees = git(root, ['cat-file', '--batch-check=%(objectname)'], { input }).split('\n');
  const byTree = new Map<string, Map<string, EnvironmentSpec> | null>();
  for (const [i, c] of commits.entries()) {
    const tree = /^[0-9a-f]{40,64}$/.test(trees[i] ?? '') ? trees[i]! : '';
    if (!byTree.has(tree)) {
      try {
        if (!tree) throw new Error(`no environments/ at ${bases[i]!.slice(0, 12)}`);
        const list = await environmentsAt(root, bases[i]!);
        byTree.set(tree, new Map(list.map((e) => [e.spec.name as string, e.spec])));
      } catch (error) {
        byTree.set(tree, null);
        reason ??= (error as Error).message
          .split('\n')
          .slice(0, 2)
          .map((l) => l.trim())
          .join(' ');
      }
    }
    const loaded = byTree.get(tree);
    if (loaded) byCommit.set(c.sha, loaded);
    else {
      byCommit.set(c.sha, new Map(tip));
      atTip.push(c.sha);
    }
  }
  return { byCommit, atTip, reason };
}

/** Approvals of `env` counted from the record, never the author's; and whether the author approved. */
function countedApprovals(
  record: ReleaseRecord | undefined,
  env: string,
  policy: EnvironmentSpec | undefined,
): { counted: string[]; byAuthor: boolean } {
  if (record === undefined) return { counted: [], byAuthor: false };
  const author = record.author?.toLowerCase();
  let users: string[];
  if (record.approvals !== undefined) {
    users = record.approvals.filter((a) => a.env === env).map((a) => a.user);
  } else {
    // An older record: approvers of any environment, counted where one of their teams approves this one.
    const teams = new Set(policy?.approvals.approvers ?? []);
    users = record.approvedBy.flatMap((line) => {
      const m = /^(\S+) \(([^)]*)\)$/.exec(line);
      return m && m[2]!.split(', ').some((t) => teams.has(t)) ? [m[1]!] : [];
    });
  }
  const counted = [...new Set(users.filter((u) => u.toLowerCase() !== author))].sort();
  const byAuthor =
    author !== undefined &&
    (users.some((u) => u.toLowerCase() === author) ||
      (record.notCounted ?? []).some((n) => n.toLowerCase().startsWith(`${author}: authored`)));
  return { counted, byAuthor };
}

/** Whether the record proves every pin it released in `env` a rollback (allowed inside a freeze). */
function rollbackOnly(record: ReleaseRecord | undefined, env: string): boolean {
  const pins = (record?.pins ?? []).filter((p) => p.startsWith(`${env} `));
  return pins.length > 0 && pins.every((p) => p.endsWith(' from rollback'));
}

/**
 * Git's verdict on each commit's signature (`%G?`, `%GS`), against the allowed signers file as of the commit's
 * first parent, one `git log --no-walk` per version of that file.
 */
function checkSignatures(root: string, commits: readonly Commit[]): Map<string, Signature> {
  const out = new Map<string, Signature>();
  if (commits.length === 0) return out;
  // One `cat-file --batch-check` for all: the allowed signers blob at each first parent (`missing` when absent).
  const bases = commits.map((c) => `${c.parents[0] ?? c.sha}:${ALLOWED_SIGNERS_FILE}`);
  const found = git(root, ['cat-file', '--batch-check=%(objectname)'], { input: `${bases.join('\n')}\n` }).split('\n');
  const byFile = new Map<string, string[]>();
  commits.forEach((c, i) => {
    // No allowed signers at the base: no key is allowed, every commit fails the rule.
    const blob = /^[0-9a-f]{40,64}$/.test(found[i] ?? '') ? found[i]! : '';
    byFile.set(blob, [...(byFile.get(blob) ?? []), c.sha]);
  });
  const dir = mkdtempSync(join(tmpdir(), 'audit-signers-'));
  try {
    const blobs = readBlobs(root, [...byFile.keys()].filter(Boolean));
    for (const [blob, shas] of byFile) {
      const file = join(dir, `${blob || 'none'}.allowed_signers`);
      writeFileSync(file, blob ? blobs.get(blob)! : '');
      const log = git(root, [
        '-c',
        'gpg.format=ssh',
        '-c',
        `gpg.ssh.allowedSignersFile=${file}`,
        'log',
        '--no-walk=unsorted',
        '--format=%H%x00%G?%x00%GS%x1e',
        ...shas,
      ]);
      for (const line of log.split('\x1e')) {
        const [sha, status, signer] = line.trim().split('\0');
        if (sha) out.set(sha, { status: status ?? 'N', signer: signer ?? '' });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** `{ ref, tip, environments, commits, exceptions: [...] }` with a trailing newline. */
export function exceptionsJson(report: ExceptionReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The report as Markdown: one row per exception. */
export function exceptionsMarkdown(report: ExceptionReport): string {
  const audited = report.environments.join(', ') || 'no audited environment';
  const title = `## Process exceptions on \`${report.ref}\` (${audited})`;
  const found = `${report.exceptions.length} exception(s)`;
  const fallback = report.policyFromTip.commits;
  const scanned =
    `${report.commits} commit(s) changed these environments' manifests; ${found}.` +
    (fallback > 0 ? ` ${fallback} of them judged by the policy at the tip (${report.policyFromTip.reason}).` : '');
  if (report.exceptions.length === 0) return `${title}\n\n${scanned}\n`;
  const rows = report.exceptions.map((e) => {
    const people = [
      `author ${e.people.author}`,
      e.people.committer !== e.people.author ? `committer ${e.people.committer}` : '',
      e.people.pullRequestAuthor ? `PR author ${e.people.pullRequestAuthor}` : '',
      e.people.approvers.length > 0 ? `approved by ${e.people.approvers.join(', ')}` : '',
      e.people.signer ? `signed by ${e.people.signer}` : '',
    ].filter(Boolean);
    const claims = e.claims.length > 0 ? `<br>claimed in commit (unverified): ${e.claims.join('; ')}` : '';
    const cells = [
      e.date.slice(0, 16).replace('T', ' '),
      `\`${e.commit.slice(0, 7)}\``,
      e.pullRequest === null ? '—' : `#${e.pullRequest}`,
      e.env,
      cell(e.apps.join(', ') || '—'),
      `**${e.rule}**`,
      cell(`${e.message}${claims}`),
      cell(people.join('; ')),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    title,
    '',
    scanned,
    '',
    '| Date | Commit | PR | Env | Apps | Rule | What happened | People |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}
