import { describe, expect, it } from 'vitest';
import { chainRefusals, chainVerdict, checkChain, type ChainApp } from '../../lib/release/chain.ts';
import type { PinChangeAt } from '../../lib/release/pins.ts';
import { loadEnvironmentsOnly } from '../../lib/spec/project.ts';
import { FIXTURE_ROOT } from '../fixture.ts';

/** The fixture chain: dev → sit → uat → staging → prod, dr released with prod; prod's hotfix path is uat. */
const policies = (await loadEnvironmentsOnly(FIXTURE_ROOT)).map((e) => e.spec);

/** Changed apps per environment: `{ dev: ['a', '+b'] }`, where `+` marks an app's first entry there. */
function apps(changed: Record<string, string[]>): Map<string, ChainApp[]> {
  return new Map(
    Object.entries(changed).map(([env, list]) => [
      env,
      list.map((a) => ({ app: a.replace(/^\+/, ''), added: a.startsWith('+') })),
    ]),
  );
}

function pin(env: string, app: string, source: string): PinChangeAt {
  return { env, app, after: { tag: '2.0.0' }, source };
}

function check(changed: Record<string, string[]>, pins: PinChangeAt[] = []): string[] {
  return checkChain({ policies, apps: apps(changed), pins }).map((v) => `${v.env}<${v.upstream} ${v.apps.join(',')}`);
}

describe('checkChain', () => {
  it('GIVEN three consecutive environments WHEN checked THEN each with its upstream is a violation, with the apps of both', () => {
    expect(check({ dev: ['a'], sit: ['b'], uat: ['a'] })).toEqual(['sit<dev a,b', 'uat<sit a,b']);
  });

  it('GIVEN environments two steps apart WHEN checked THEN nothing is violated', () => {
    expect(check({ dev: ['a'], uat: ['a'], prod: ['a'], dr: ['a'] })).toEqual([]);
  });

  it("GIVEN dr alone beside staging WHEN checked THEN dr's upstream is prod's upstream", () => {
    expect(check({ staging: ['a'], dr: ['b'] })).toEqual(['dr<staging a,b']);
  });

  it('GIVEN a first entry into dev WHEN checked THEN it does not count; a first entry into sit does', () => {
    expect(check({ dev: ['+new'], sit: ['a'] })).toEqual([]);
    expect(check({ dev: ['+new', 'a'], sit: ['+b'] })).toEqual(['sit<dev a,b']);
  });

  it("GIVEN prod's pin from its hotfix source WHEN checked THEN it is exempt, and so is dr following it", () => {
    const hotfix = [pin('prod', 'a', 'uat'), pin('dr', 'a', 'prod')];
    expect(check({ staging: ['b'], prod: ['a'], dr: ['a'] }, hotfix)).toEqual([]);
    // prod's pin from staging is the normal step: both prod and dr skip it beside a staging change.
    const normal = [pin('prod', 'a', 'staging'), pin('dr', 'a', 'prod')];
    expect(check({ staging: ['b'], prod: ['a'], dr: ['a'] }, normal)).toEqual(['prod<staging a,b', 'dr<staging a,b']);
    // A hotfix source exempts only the app it pins: another change of prod still counts.
    expect(check({ staging: ['b'], prod: ['a', 'c'] }, hotfix)).toEqual(['prod<staging b,c']);
  });
});

describe('chain verdict and refusals', () => {
  const violations = [{ env: 'sit', upstream: 'dev', apps: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }] as const;
  const override = { reason: 'incident', commit: 'f'.repeat(40), author: 'Alice Ops' };

  it('is ok with no violation, or with violations under an override, which stay listed', () => {
    expect(chainVerdict([])).toEqual({ ok: true, violations: [] });
    expect(chainVerdict(violations)).toEqual({ ok: false, violations });
    expect(chainVerdict(violations, override)).toEqual({ ok: true, violations, override });
  });

  it('refuses each violation with rule chain, not overridable by approvers, naming at most six apps; nothing under an override', () => {
    expect(chainRefusals(chainVerdict(violations))).toEqual([
      {
        env: 'sit',
        rule: 'chain',
        message:
          'sit and its upstream dev both change in this pull request (a, b, c, d, e +3 more); one pull request, one step of the chain',
        objects: ['manifests/dev/', 'manifests/sit/'],
        overridable: false,
      },
    ]);
    expect(chainRefusals(chainVerdict(violations, override))).toEqual([]);
  });
});
