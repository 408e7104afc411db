/**
 * The approval check: does a pull request carry the approvals its release
 * order demands? A pure function of the release order, the pull request's
 * reviews and the approver teams' members; `client.ts` fetches those.
 *
 * Rules, per environment the release order touches:
 * - a reviewer counts once, with their latest review (a comment changes
 *   nothing; a dismissal withdraws an approval);
 * - an approval counts only from a member of one of the environment's
 *   approver teams, only on the commit being checked (a later push makes it
 *   stale), and never from the pull request's author;
 * - a change request from an approver of the environment blocks it until it
 *   is dismissed or replaced by an approval;
 * - the environment passes with at least `approvalsRequired` approvals;
 * - a refusal of the release guards that cannot be overridden fails it;
 * - an overridable refusal fails it unless an approver of the environment
 *   grants an override: an approving review of the head commit, not by the
 *   author, whose text has a line `Release-Override: <reason>`. A commit
 *   trailer of the same name is only a request and counts for nothing here;
 * - a refusal of the chain rule (`chain`) is lifted by no review: only a
 *   `Chain-Override:` commit trailer does, and under it (`order.chain.override`)
 *   every environment of the order needs at least one approval of its own
 *   approvers, also where its policy requires none.
 */
import { cmp } from '../util/compare.ts';
import type { EnvironmentOrder, OrderView, OrderViolation } from '../release/document.ts';
import type { Risk } from '../spec/environment.ts';

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
  /** The review's text; an approval whose text has `Release-Override: <reason>` grants an override. */
  readonly body?: string;
}

/** An override granted by an approver's review. */
export interface GrantedOverride {
  readonly user: string;
  readonly reason: string;
}

/** Everything the check decides from. */
export interface ApprovalInput {
  readonly order: OrderView;
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
  /** Refusals of the release guards in this environment. */
  readonly refusals: readonly OrderViolation[];
  /** Overrides granted by approvers of this environment (counted only when a refusal needs one). */
  readonly overrides: readonly GrantedOverride[];
  readonly ok: boolean;
  /** Why it passes or fails, in one sentence. */
  readonly reason: string;
}

/** The verdict for the pull request. */
export interface ApprovalVerdict {
  readonly ok: boolean;
  /** The `Chain-Override` trailer in force, under which every environment needs its own approvals. */
  readonly chainOverride?: { readonly reason: string; readonly commit: string; readonly author: string };
  /** Refusals that belong to no environment of the order (the whole head, or an environment without approvers). */
  readonly unowned: readonly OrderViolation[];
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

/** The reason of an override in a review's text: the first `Release-Override: <reason>` line. */
export function overrideReason(body: string | undefined): string | undefined {
  const m = /^[ \t>]*Release-Override:[ \t]*(\S.*)$/im.exec(body ?? '');
  return m?.[1]?.trim();
}

function judge(env: EnvironmentOrder, latest: Map<string, Review>, input: ApprovalInput): EnvironmentVerdict {
  const author = lower(input.author);
  const approvedBy: CountedApproval[] = [];
  const blockedBy: string[] = [];
  const granted: GrantedOverride[] = [];
  for (const [user, review] of [...latest].sort((a, b) => cmp(a[0], b[0]))) {
    const teams = teamsOf(user, env.approvers, input.teams);
    if (teams.length === 0 || user === author) continue;
    if (review.state === 'CHANGES_REQUESTED') blockedBy.push(review.user);
    if (review.state === 'APPROVED' && review.commitId === input.headSha) {
      approvedBy.push({ user: review.user, teams });
      const reason = overrideReason(review.body);
      if (reason) granted.push({ user: review.user, reason });
    }
  }
  const refusals = input.order.guard.violations.filter((v) => v.env === env.env);
  const fixed = refusals.filter((v) => !v.overridable);
  const needsOverride = refusals.some((v) => v.overridable);
  const overrides = needsOverride ? granted : [];
  // A chain override skips steps of the chain: no environment it touches passes without its own approvers.
  const chainOverride = input.order.chain?.override !== undefined;
  const required = chainOverride ? Math.max(1, env.approvalsRequired) : env.approvalsRequired;
  const missing = Math.max(0, required - approvedBy.length);
  const who = env.approvers.join(' or ') || 'nobody (no approver teams)';
  let reason: string;
  if (fixed.length > 0) {
    const rules = [...new Set(fixed.map((v) => v.rule))];
    const chain = rules.includes('chain')
      ? ` (the chain rule: split it into one step of the chain; only a \`Chain-Override: <reason>\` commit trailer lets it through)`
      : '';
    reason = `refused (${rules.join(', ')}); this cannot be overridden, fix the pull request${chain}`;
  } else if (needsOverride && overrides.length === 0) {
    const rules = [...new Set(refusals.map((v) => v.rule))].join(', ');
    reason = `refused (${rules}); needs an override: an approval from ${who} with a line \`Release-Override: <reason>\``;
  } else if (blockedBy.length > 0) reason = `changes requested by ${blockedBy.join(', ')}`;
  else if (missing > 0) reason = `${approvedBy.length} of ${required} approvals; needs ${missing} more from ${who}`;
  else reason = required === 0 ? 'no approval required' : `${approvedBy.length} of ${required} approvals`;
  if (chainOverride && fixed.length === 0) reason += '; chain override in force: this environment must approve';
  if (overrides.length > 0 && fixed.length === 0)
    reason += `; override granted by ${overrides.map((o) => o.user).join(', ')}`;
  const ok = fixed.length === 0 && (!needsOverride || overrides.length > 0) && blockedBy.length === 0 && missing === 0;
  return {
    env: env.env,
    risk: env.risk,
    required,
    approvers: env.approvers,
    approvedBy,
    blockedBy,
    refusals,
    overrides,
    ok,
    reason,
  };
}

/** Decides whether the pull request carries the approvals its release order demands. */
export function evaluateApprovals(input: ApprovalInput): ApprovalVerdict {
  const latest = latestReviews(input.reviews);
  const environments = input.order.environments.map((env) => judge(env, latest, input));
  const unowned = input.order.guard.violations.filter((v) => !input.order.environments.some((e) => e.env === v.env));
  const allApprovers = [...new Set(input.order.environments.flatMap((e) => e.approvers))];
  const ignored: string[] = [];
  for (const [user, review] of [...latest].sort((a, b) => cmp(a[0], b[0]))) {
    if (review.state !== 'APPROVED') continue;
    if (user === lower(input.author)) ignored.push(`${review.user}: authored the pull request`);
    else if (review.commitId !== input.headSha)
      ignored.push(
        `${review.user}: approved ${review.commitId.slice(0, 7)}, not the head ${input.headSha.slice(0, 7)} (approve again)`,
      );
    else if (teamsOf(user, allApprovers, input.teams).length === 0)
      ignored.push(`${review.user}: in none of ${allApprovers.join(', ') || 'the approver teams'}`);
  }
  const override = input.order.chain?.override;
  return {
    ok: unowned.length === 0 && environments.every((e) => e.ok),
    ...(override
      ? { chainOverride: { reason: override.reason, commit: override.commit, author: override.author } }
      : {}),
    unowned,
    environments,
    ignored,
  };
}

/** The verdict as Markdown, for the job summary and the terminal. */
export function formatVerdict(verdict: ApprovalVerdict): string {
  const lines: string[] = [];
  if (verdict.environments.length === 0 && verdict.unowned.length === 0) {
    lines.push(
      '### Release-order approvals: passed',
      '',
      'The pull request changes no environment; code owners review it as usual.',
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `### Release-order approvals: ${verdict.ok ? 'passed' : 'missing'}`,
    '',
    '| environment | risk | approvals | approved by | verdict |',
    '|---|---|---|---|---|',
  );
  for (const e of verdict.environments) {
    const by = e.approvedBy.map((a) => `${a.user} (${a.teams.join(', ')})`).join(', ') || '—';
    lines.push(
      `| ${e.env} | ${e.risk} | ${e.approvedBy.length}/${e.required} | ${by} | ${e.ok ? 'ok' : 'FAIL'}: ${e.reason} |`,
    );
  }
  if (verdict.chainOverride) {
    const o = verdict.chainOverride;
    lines.push(
      '',
      `Chain override in force (\`Chain-Override\` in commit ${o.commit.slice(0, 7)} by ${inert(o.author)}): ${inert(o.reason)}. ` +
        'It skips steps of the promotion chain, so every environment above needs the approvals of its own approvers.',
    );
  }
  const overrides = verdict.environments.flatMap((e) =>
    e.overrides.map((o) => `- ${e.env}: granted by ${o.user}: ${inert(o.reason)}`),
  );
  if (overrides.length > 0) lines.push('', 'Overrides:', ...overrides);
  if (verdict.unowned.length > 0) {
    lines.push(
      '',
      'Refused, and no approver can override it:',
      ...verdict.unowned.map((v) => `- ${v.env === '*' ? 'all environments' : v.env} [${v.rule}]: ${inert(v.message)}`),
    );
  }
  if (verdict.ignored.length > 0) lines.push('', 'Not counted:', ...verdict.ignored.map((i) => `- ${i}`));
  return `${lines.join('\n')}\n`;
}

/** Text written by people in the pull request, made inert for Markdown: no HTML, and `@` never notifies. */
function inert(text: string): string {
  return text
    .replace(/[<>&|]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/@/g, '@\u200b')
    .replace(/\s+/g, ' ');
}
