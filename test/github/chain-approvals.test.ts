import { describe, expect, it } from 'vitest';
import { evaluateApprovals, formatVerdict, type Review } from '../../lib/github/approvals.ts';
import type { OrderView } from '../../lib/release/document.ts';

const HEAD = 'c'.repeat(40);
const BASE = 'd'.repeat(40);

const TEAMS = new Map<string, string[]>([
  ['@insure/developers', ['dev-ann', 'dev-bob']],
  ['@insure/qa', ['qa-cat', 'qa-dan']],
]);

const OVERRIDE = { reason: 'incident 4711: the same fix in dev and sit', commit: HEAD, author: 'Alice Ops' };

/**
 * A release order that changes dev and sit at once. dev's policy here asks for no approval at this risk, so only the
 * chain override makes its approvers needed.
 */
function order(chain: OrderView['chain']): OrderView {
  const violations = chain?.override
    ? []
    : [{ env: 'sit', rule: 'chain', overridable: false, message: 'sit and its upstream dev both change' }];
  return {
    base: BASE,
    head: HEAD,
    guard: { violations },
    pins: [],
    changes: [
      { env: 'dev', app: 'claims-api', kind: 'config', risk: 'low' },
      { env: 'sit', app: 'claims-api', kind: 'config', risk: 'low' },
    ],
    environments: [
      { env: 'dev', risk: 'low', approvalsRequired: 0, approvers: ['@insure/developers'] },
      { env: 'sit', risk: 'low', approvalsRequired: 1, approvers: ['@insure/qa'] },
    ],
    ...(chain ? { chain } : {}),
  };
}

const CHAIN = {
  ok: true,
  violations: [{ env: 'sit', upstream: 'dev', apps: ['claims-api'] }],
  override: OVERRIDE,
};

function approve(user: string): Review {
  return { user, state: 'APPROVED', commitId: HEAD, submittedAt: '2026-05-04T10:00:00Z' };
}

function check(view: OrderView, users: readonly string[]) {
  return evaluateApprovals({ order: view, reviews: users.map(approve), teams: TEAMS, author: 'alice', headSha: HEAD });
}

describe('approvals under the chain rule', () => {
  it('GIVEN a chain override WHEN only sit approves THEN dev fails: every environment it touches needs its own approvers', () => {
    const verdict = check(order(CHAIN), ['qa-cat']);
    expect(verdict.ok).toBe(false);
    expect(verdict.environments.map((e) => [e.env, e.ok, e.required])).toEqual([
      ['dev', false, 1],
      ['sit', true, 1],
    ]);
    expect(verdict.environments[0]!.reason).toBe(
      '0 of 1 approvals; needs 1 more from @insure/developers; chain override in force: this environment must approve',
    );
    expect(verdict.chainOverride).toEqual(OVERRIDE);
  });

  it('GIVEN a chain override WHEN dev and sit each approve THEN it passes and the verdict says the override is in force', () => {
    const verdict = check(order(CHAIN), ['qa-cat', 'dev-bob']);
    expect(verdict.ok).toBe(true);
    const text = formatVerdict(verdict);
    expect(text).toContain('### Release-order approvals: passed');
    expect(text).toContain(
      `Chain override in force (\`Chain-Override\` in commit ${HEAD.slice(0, 7)} by Alice Ops): incident 4711: the same fix in dev and sit.`,
    );
    expect(text).toContain('every environment above needs the approvals of its own approvers');
  });

  it('GIVEN no chain override WHEN dev asks for no approval THEN dev passes without one (the rule applies only under an override)', () => {
    const view = { ...order({ ok: true, violations: [] }), guard: { violations: [] } };
    const verdict = check(view, ['qa-cat']);
    expect(verdict.ok).toBe(true);
    expect(verdict.environments[0]).toMatchObject({ env: 'dev', ok: true, required: 0 });
    expect(verdict.chainOverride).toBeUndefined();
    expect(formatVerdict(verdict)).not.toContain('Chain override');
  });

  it("fails a chain refusal whatever the reviews say, even an approver's Release-Override, and names the trailer", () => {
    const refused = order({ ok: false, violations: CHAIN.violations });
    const reviews = [approve('dev-bob'), { ...approve('qa-cat'), body: 'Release-Override: ship it' }];
    const verdict = evaluateApprovals({ order: refused, reviews, teams: TEAMS, author: 'alice', headSha: HEAD });
    expect(verdict.ok).toBe(false);
    const sit = verdict.environments.find((e) => e.env === 'sit')!;
    expect(sit.ok).toBe(false);
    expect(sit.overrides).toEqual([]);
    expect(sit.reason).toBe(
      'refused (chain); this cannot be overridden, fix the pull request (the chain rule: split it into one step of ' +
        'the chain; only a `Chain-Override: <reason>` commit trailer lets it through)',
    );
  });
});
