/**
 * A scripted repository for the fleet page tests: three apps, a release
 * history with a promotion, a rollback and two waves that differ.
 * The clock of `History` puts commit k at 2026-03-02 09:00 + 10k minutes (a Monday).
 */
import { recordRelease } from '../../lib/release/record.ts';
import { service } from '../fixture.ts';
import { History } from '../release/history.ts';

/** The commits of the scenario by name. */
export interface Scenario {
  readonly h: History;
  readonly c: Readonly<Record<'initial' | 'bump' | 'quote' | 'staging' | 'rollback' | 'legacy', string>>;
}

/** A Monday noon, two hours after the last commit. */
export const MONDAY_NOON = new Date('2026-03-02T12:00:00Z');
/** A Saturday, inside prod's weekend freeze (Friday 18:00 to Monday 06:00, Shanghai time). */
export const SATURDAY = new Date('2026-03-07T00:00:00Z');

/** Builds the scenario's repository. */
export async function scenario(): Promise<Scenario> {
  const h = await History.create({
    'claims-api': service('claims-api'),
    'quote-api': service('quote-api', { team: 'pricing' }),
    'legacy-api': service('legacy-api', { environments: ['dev', 'sit'] }),
  });
  const initial = h.sha('HEAD');
  h.pin('dev', 'claims-api', '1.1.0');
  await h.synth();
  const bump = h.commit('Release claims-api 1.1.0 to dev (#21)\n\nApproved-by: Dan Lead <dan@insure.example>');
  // The release workflow's record of the merge: the approval that counted (the trailer above is only a claim).
  recordRelease(
    h.root,
    bump,
    `Release-Order: ${initial}..${bump}\nPull-Request: #21\nApproved-by: Dan Lead <dan@insure.example>\n`,
  );
  h.pin('dev', 'quote-api', '1.1.0');
  h.pin('sit', 'quote-api', '1.1.0');
  await h.synth();
  const quote = h.commit('Release quote-api 1.1.0 to dev and sit (#22)');
  h.pin('staging', 'claims-api', '1.2.0');
  h.pin('prod', 'quote-api', '1.1.0');
  await h.synth();
  const staging = h.commit(
    'Pin claims-api 1.2.0 in staging and quote-api 1.1.0 in prod only (#23)\n\nPromoted-From: staging',
  );
  h.pin('dev', 'claims-api', '1.0.0');
  await h.synth();
  const rollback = h.commit('Roll back claims-api in dev (#24)\n\nRollback: true');
  h.pin('dev', 'legacy-api', '2.0.0');
  await h.synth();
  const legacy = h.commit('Release legacy-api 2.0.0 to dev (#25)');
  return { h, c: { initial, bump, quote, staging, rollback, legacy } };
}
