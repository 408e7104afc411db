/**
 * The approval check: does a pull request carry the approvals its release
 * order demands? A pure function of the release order, the pull request's
 * reviews and the approver teams' members; `github.ts` fetches those.
 *
 * Rules, per environment the release order touches:
 * - a reviewer counts once, with their latest review (a comment changes
 *   nothing; a dismissal withdraws an approval);
 * - an approval counts only from a member of one of the environment's
 *   approver teams, only on the commit being checked (a later push makes it
 *   stale), and never from the pull request's author;
 * - a change request from an approver of the environment blocks it until it
 *   is dismissed or replaced by an approval;
 * - the environment passes with at least `approvalsRequired` approvals.
 */
import { cmp } from '../util/compare.ts';
import type { EnvironmentOrder, ReleaseOrder, Risk } from './release-order.ts';

/** A review state as GitHub reports it. */
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

/** One review of the pull request. */
export interface Review {
  /** GitHub login of the reviewer. */
  readonly user: string;
  readonly state: ReviewState;
  /** Commit the review was given on. */
  readonly commitId: string;
  /** ISO 8601 time it was submitted. */
  readonly submittedAt: string;
}

/** Everything the check decides from. */
export interface ApprovalInput {
  readonly order: ReleaseOrder;
  readonly reviews: readonly Review[];
  /** Members (logins) of each approver team, by handle (`@insure/sre`). */
  readonly teams: ReadonlyMap<string, readonly string[]>;
  /** Login of the pull request's author. */
  readonly author: string;
  /** The commit being checked (the pull request's head). */
  readonly headSha: string;
}

/** An approval that counts, with the teams that make it count. */
export interface CountedApproval {
  readonly user: string;
  readonly teams: readonly string[];
}

/** The verdict for one environment. */
export interface EnvironmentVerdict {
  readonly env: string;
  readonly risk: Risk;
  readonly required: number;
  readonly approvers: readonly string[];
  readonly approvedBy: readonly CountedApproval[];
  /** Approvers who requested changes and have not approved since. */
  readonly blockedBy: readonly string[];
  readonly ok: boolean;
  /** Why it passes or fails, in one sentence. */
  readonly reason: string;
}

/** The verdict for the pull request. */
export interface ApprovalVerdict {
  readonly ok: boolean;
  readonly environments: readonly EnvironmentVerdict[];
  /** Approvals not counted anywhere, with why (stale, author, not an approver). */
  readonly ignored: readonly string[];
}

const lower = (s: string): string => s.toLowerCase();

/** Each reviewer's latest review that sets a state, by lowercase login. */
export function latestReviews(reviews: readonly Review[]): Map<string, Review> {
  const ordered = [...reviews].sort((a, b) => cmp(a.submittedAt, b.submittedAt));
  const latest = new Map<string, Review>();
  for (const r of ordered) {
    if (r.state === 'COMMENTED' || r.state === 'PENDING') continue;
    latest.set(lower(r.user), r);
  }
  return latest;
}

function teamsOf(user: string, approvers: readonly string[], teams: ReadonlyMap<string, readonly string[]>): string[] {
  return approvers.filter((t) => (teams.get(t) ?? []).some((m) => lower(m) === user));
}

function judge(env: EnvironmentOrder, latest: Map<string, Review>, input: ApprovalInput): EnvironmentVerdict {
  const author = lower(input.author);
  const approvedBy: CountedApproval[] = [];
  const blockedBy: string[] = [];
  for (const [user, review] of [...latest].sort((a, b) => cmp(a[0], b[0]))) {
    const teams = teamsOf(user, env.approvers, input.teams);
    if (teams.length === 0 || user === author) continue;
    if (review.state === 'CHANGES_REQUESTED') blockedBy.push(review.user);
    if (review.state === 'APPROVED' && review.commitId === input.headSha) approvedBy.push({ user: review.user, teams });
  }
  const required = env.approvalsRequired;
  const missing = Math.max(0, required - approvedBy.length);
  const who = env.approvers.join(' or ') || 'nobody (no approver teams)';
  let reason: string;
  if (blockedBy.length > 0) reason = `changes requested by ${blockedBy.join(', ')}`;
  else if (missing > 0) reason = `${approvedBy.length} of ${required} approvals; needs ${missing} more from ${who}`;
  else reason = required === 0 ? 'no approval required' : `${approvedBy.length} of ${required} approvals`;
  return { env: env.env, risk: env.risk, required, approvers: env.approvers, approvedBy, blockedBy, ok: blockedBy.length === 0 && missing === 0, reason };
}

/** Decides whether the pull request carries the approvals its release order demands. */
export function evaluateApprovals(input: ApprovalInput): ApprovalVerdict {
  const latest = latestReviews(input.reviews);
  const environments = input.order.environments.map((env) => judge(env, latest, input));
  const allApprovers = [...new Set(input.order.environments.flatMap((e) => e.approvers))];
  const ignored: string[] = [];
  for (const [user, review] of [...latest].sort((a, b) => cmp(a[0], b[0]))) {
    if (review.state !== 'APPROVED') continue;
    if (user === lower(input.author)) ignored.push(`${review.user}: authored the pull request`);
    else if (review.commitId !== input.headSha) ignored.push(`${review.user}: approved ${review.commitId.slice(0, 7)}, not the head ${input.headSha.slice(0, 7)} (approve again)`);
    else if (teamsOf(user, allApprovers, input.teams).length === 0) ignored.push(`${review.user}: in none of ${allApprovers.join(', ') || 'the approver teams'}`);
  }
  return { ok: environments.every((e) => e.ok), environments, ignored };
}

/** The verdict as Markdown, for the job summary and the terminal. */
export function formatVerdict(verdict: ApprovalVerdict): string {
  const lines: string[] = [];
  if (verdict.environments.length === 0) {
    lines.push('### Release-order approvals: passed', '', 'The pull request changes no environment; code owners review it as usual.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`### Release-order approvals: ${verdict.ok ? 'passed' : 'missing'}`, '', '| environment | risk | approvals | approved by | verdict |', '|---|---|---|---|---|');
  for (const e of verdict.environments) {
    const by = e.approvedBy.map((a) => `${a.user} (${a.teams.join(', ')})`).join(', ') || '—';
    lines.push(`| ${e.env} | ${e.risk} | ${e.approvedBy.length}/${e.required} | ${by} | ${e.ok ? 'ok' : 'FAIL'}: ${e.reason} |`);
  }
  if (verdict.ignored.length > 0) lines.push('', 'Not counted:', ...verdict.ignored.map((i) => `- ${i}`));
  return `${lines.join('\n')}\n`;
}
