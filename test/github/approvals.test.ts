import { describe, expect, it } from 'vitest';
import { evaluateApprovals, formatVerdict, type Review } from '../../lib/github/approvals.ts';
import { parseReleaseOrder, type OrderView } from '../../lib/release/document.ts';
import { RISKS, type Risk } from '../../lib/spec/environment.ts';
import { loadEnvironmentsOnly } from '../../lib/spec/project.ts';
import type { EnvironmentSpec } from '../../lib/spec/environment.ts';
import { FIXTURE_ROOT } from '../fixture.ts';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

/** Members of every approver team, named after it. */
const TEAMS = new Map<string, string[]>([
  ['@insure/developers', ['dev-ann', 'dev-bob', 'dev-cal']],
  ['@insure/qa', ['qa-cat', 'qa-dan', 'qa-eli']],
  ['@insure/product-owners', ['po-eve', 'po-fay']],
  ['@insure/sre', ['sre-gus', 'sre-hal', 'sre-ivy']],
  ['@insure/release-managers', ['rm-jo', 'rm-kim']],
]);

/**
 * The release order of one environment at one risk, as release-order computes it: the policy's approvals plus one per
 * risk level above low.
 */
function orderFor(env: EnvironmentSpec, risk: Risk): OrderView {
  const required = env.approvals.required + RISKS.indexOf(risk);
  return {
    base: OLD,
    head: HEAD,
    guard: { violations: [] },
    pins: [],
    changes: [{ env: env.name, app: 'claims-api', kind: 'image', risk }],
    environments: [{ env: env.name, risk, approvalsRequired: required, approvers: env.approvals.approvers }],
  };
}

function approve(user: string, at = '2026-05-04T10:00:00Z', commitId = HEAD): Review {
  return { user, state: 'APPROVED', commitId, submittedAt: at };
}

/** `n` distinct members of the environment's approver teams. */
function approversOf(env: EnvironmentSpec, n: number): string[] {
  const members = [...new Set(env.approvals.approvers.flatMap((t) => TEAMS.get(t) ?? []))];
  expect(members.length).toBeGreaterThanOrEqual(n);
  return members.slice(0, n);
}

const environments = (await loadEnvironmentsOnly(FIXTURE_ROOT)).map((e) => e.spec);

describe('approval check', () => {
  for (const env of environments) {
    for (const risk of RISKS) {
      const required = env.approvals.required + RISKS.indexOf(risk);
      it(`${env.name}, ${risk} risk: passes with ${required} approvals from ${env.approvals.approvers.join(' or ')} and fails with one fewer`, () => {
        // GIVEN the release order of one environment at this risk
        const order = orderFor(env, risk);
        const users = approversOf(env, required);
        // WHEN one approval is missing THEN the check fails and says how many more and from whom
        const short = evaluateApprovals({
          order,
          reviews: users.slice(0, -1).map((u) => approve(u)),
          teams: TEAMS,
          author: 'someone-else',
          headSha: HEAD,
        });
        expect(short.ok).toBe(false);
        expect(short.environments[0]!.reason).toBe(
          `${required - 1} of ${required} approvals; needs 1 more from ${env.approvals.approvers.join(' or ')}`,
        );
        // WHEN all are there THEN it passes
        const full = evaluateApprovals({
          order,
          reviews: users.map((u) => approve(u)),
          teams: TEAMS,
          author: 'someone-else',
          headSha: HEAD,
        });
        expect(full.ok).toBe(true);
        expect(full.environments[0]!.approvedBy.map((a) => a.user)).toEqual([...users].sort());
      });
    }
  }

  const prod = environments.find((e) => e.name === 'prod')!;
  const dev = environments.find((e) => e.name === 'dev')!;

  it('fails when approvals come from outside the environment approver teams, naming who was not counted', () => {
    const order = orderFor(prod, 'low');
    const verdict = evaluateApprovals({
      order,
      reviews: [approve('dev-ann'), approve('qa-cat')],
      teams: TEAMS,
      author: 'x',
      headSha: HEAD,
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.ignored).toEqual([
      'dev-ann: in none of @insure/sre, @insure/release-managers',
      'qa-cat: in none of @insure/sre, @insure/release-managers',
    ]);
  });

  it('fails on approvals of an earlier commit (a push after review makes them stale)', () => {
    const verdict = evaluateApprovals({
      order: orderFor(prod, 'low'),
      reviews: [approve('sre-gus', undefined, OLD), approve('rm-jo')],
      teams: TEAMS,
      author: 'x',
      headSha: HEAD,
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.ignored[0]).toBe(`sre-gus: approved bbbbbbb, not the head aaaaaaa (approve again)`);
  });

  it("fails when the author's own approval is the one that would count", () => {
    const verdict = evaluateApprovals({
      order: orderFor(dev, 'low'),
      reviews: [approve('dev-ann')],
      teams: TEAMS,
      author: 'Dev-Ann',
      headSha: HEAD,
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.ignored).toEqual(['dev-ann: authored the pull request']);
  });

  it('fails while an approver has requested changes, even with enough approvals', () => {
    const reviews: Review[] = [
      approve('sre-gus'),
      approve('sre-hal'),
      { user: 'rm-jo', state: 'CHANGES_REQUESTED', commitId: HEAD, submittedAt: '2026-05-04T11:00:00Z' },
    ];
    const verdict = evaluateApprovals({
      order: orderFor(prod, 'low'),
      reviews,
      teams: TEAMS,
      author: 'x',
      headSha: HEAD,
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.environments[0]!.reason).toBe('changes requested by rm-jo');
  });

  it('counts the latest review of each reviewer: a comment keeps an approval, a dismissal withdraws it, a later approval lifts a change request', () => {
    const reviews: Review[] = [
      { user: 'sre-gus', state: 'CHANGES_REQUESTED', commitId: HEAD, submittedAt: '2026-05-04T09:00:00Z' },
      approve('sre-gus', '2026-05-04T10:00:00Z'),
      { user: 'sre-gus', state: 'COMMENTED', commitId: HEAD, submittedAt: '2026-05-04T11:00:00Z' },
      approve('rm-jo', '2026-05-04T10:00:00Z'),
      { user: 'rm-jo', state: 'DISMISSED', commitId: HEAD, submittedAt: '2026-05-04T12:00:00Z' },
    ];
    const verdict = evaluateApprovals({
      order: orderFor(prod, 'low'),
      reviews,
      teams: TEAMS,
      author: 'x',
      headSha: HEAD,
    });
    expect(verdict.environments[0]!.approvedBy.map((a) => a.user)).toEqual(['sre-gus']);
    expect(verdict.ok).toBe(false);
  });

  it('judges each environment of a release order on its own (prod and dr in one order)', () => {
    const dr = environments.find((e) => e.name === 'dr')!;
    const order: OrderView = {
      ...orderFor(prod, 'high'),
      environments: [...orderFor(prod, 'high').environments, ...orderFor(dr, 'low').environments],
    };
    const verdict = evaluateApprovals({
      order,
      reviews: ['sre-gus', 'sre-hal'].map((u) => approve(u)),
      teams: TEAMS,
      author: 'x',
      headSha: HEAD,
    });
    expect(verdict.environments.map((e) => [e.env, e.ok])).toEqual([
      ['prod', false],
      ['dr', true],
    ]);
    expect(formatVerdict(verdict)).toContain(
      '| prod | high | 2/4 | sre-gus (@insure/sre), sre-hal (@insure/sre) | FAIL: 2 of 4 approvals; needs 2 more from @insure/sre or @insure/release-managers |',
    );
  });

  it('passes an order that touches no environment', () => {
    const verdict = evaluateApprovals({
      order: { base: OLD, head: HEAD, guard: { violations: [] }, pins: [], changes: [], environments: [] },
      reviews: [],
      teams: TEAMS,
      author: 'x',
      headSha: HEAD,
    });
    expect(verdict.ok).toBe(true);
    expect(formatVerdict(verdict)).toContain('changes no environment');
  });

  it('fails to read a release order with a bad risk, naming the field', () => {
    const text = JSON.stringify({
      ...orderFor(prod, 'low'),
      environments: [{ env: 'prod', risk: 'extreme', approvalsRequired: 2, approvers: [] }],
    });
    expect(() => parseReleaseOrder(text, 'order.json')).toThrow("order.json: 'environments[0].risk'");
  });
});
