/**
 * The release record of a merge, from its release order and the approval
 * verdict at merge time (the note's format is `release/record.ts`).
 */
import type { RecordedApproval, ReleaseRecord } from '../release/record.ts';
import type { ApprovalVerdict } from './approvals.ts';
import type { OrderView } from '../release/document.ts';

/** Who opened the pull request, and when the record is written. */
export interface RecordContext {
  /** GitHub login of the pull request's author. */
  readonly author?: string;
  /** The commit the approvals were given on (the pull request's head). @default - the release order's head */
  readonly approvedCommit?: string;
  /** When the record is written. @default - now */
  readonly now?: Date;
}

/** The record of a release from its order and, when known, the approval verdict at merge time. */
export function releaseRecord(
  order: OrderView,
  pullRequest: number | undefined,
  verdict: ApprovalVerdict | undefined,
  context: RecordContext = {},
): ReleaseRecord {
  const approvers = new Map<string, Set<string>>();
  const approvals: RecordedApproval[] = [];
  for (const env of verdict?.environments ?? []) {
    for (const a of env.approvedBy) {
      const teams = approvers.get(a.user) ?? new Set<string>();
      for (const t of a.teams) teams.add(t);
      approvers.set(a.user, teams);
      approvals.push({
        env: env.env,
        user: a.user,
        teams: [...a.teams].sort(),
        commit: context.approvedCommit ?? order.head,
      });
    }
  }
  return {
    base: order.base,
    head: order.head,
    pullRequest,
    ...(context.author !== undefined ? { author: context.author } : {}),
    environments: order.environments.map((e) => ({ env: e.env, risk: e.risk, approvalsRequired: e.approvalsRequired })),
    approvedBy: [...approvers].map(([user, teams]) => `${user} (${[...teams].sort().join(', ')})`).sort(),
    ...(verdict ? { approvals, notCounted: verdict.ignored } : {}),
    refusals: order.guard.violations.map((v) => ({
      env: v.env,
      rule: v.rule,
      overridable: v.overridable,
      message: v.message,
    })),
    overrides: (verdict?.environments ?? []).flatMap((e) =>
      e.overrides.map((o) => `${e.env} by ${o.user}: ${o.reason.replace(/\s+/g, ' ')}`),
    ),
    pins: order.pins
      .filter((p) => p.after !== null)
      .map(
        (p) =>
          `${p.env} ${p.app} ${p.after!.tag}${p.after!.digest ? `@${p.after!.digest}` : ''} ` +
          `from ${p.source ?? 'unproven'}`,
      ),
    ...(order.verified !== undefined ? { verification: order.verified } : {}),
    recordedAt: (context.now ?? new Date()).toISOString(),
  };
}
