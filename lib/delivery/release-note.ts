/**
 * The release record of a merge, from its release order and the approval
 * verdict at merge time (the note's format is `release/record.ts`).
 */
import type { ReleaseRecord } from '../release/record.ts';
import type { ApprovalVerdict } from './approvals.ts';
import type { ReleaseOrder } from './release-order.ts';

/** The record of a release from its order and, when known, the approval verdict at merge time. */
export function releaseRecord(order: ReleaseOrder, pullRequest: number | undefined, verdict: ApprovalVerdict | undefined): ReleaseRecord {
  const approvers = new Map<string, Set<string>>();
  for (const env of verdict?.environments ?? []) {
    for (const a of env.approvedBy) {
      const teams = approvers.get(a.user) ?? new Set<string>();
      for (const t of a.teams) teams.add(t);
      approvers.set(a.user, teams);
    }
  }
  return {
    base: order.base,
    head: order.head,
    pullRequest,
    environments: order.environments.map((e) => ({ env: e.env, risk: e.risk, approvalsRequired: e.approvalsRequired })),
    approvedBy: [...approvers].map(([user, teams]) => `${user} (${[...teams].sort().join(', ')})`).sort(),
    overrides: (verdict?.environments ?? []).flatMap((e) => e.overrides.map((o) => `${e.env} by ${o.user}: ${o.reason.replace(/\s+/g, ' ')}`)),
    pins: order.pins
      .filter((p) => p.after !== null)
      .map((p) => `${p.env} ${p.app} ${p.after!.tag}${p.after!.digest ? `@${p.after!.digest}` : ''} from ${p.source ?? 'unproven'}`),
  };
}

