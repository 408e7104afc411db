/**
 * The four DORA metrics per environment and team, from the release records
 * (git history alone), in weekly buckets. Each metric is defined in
 * `DORA_DEFINITIONS`, which the page and docs/fleet-page.md show.
 */
import type { DoraReport, DoraScope, DoraSeries } from './model.ts';

/** What the metrics read of one release: an audit record's facts. */
export interface DoraRelease {
  readonly env: string;
  readonly app: string;
  readonly change: 'added' | 'changed' | 'removed';
  readonly version: string | null;
  /** SHA of the release commit. */
  readonly commit: string;
  /** When it landed (ISO 8601). */
  readonly date: string;
  readonly promotedFrom: string | null;
  readonly rollback: boolean;
  readonly reason: string | null;
}

const WEEK_MS = 7 * 86_400_000;
const HOUR_MS = 3_600_000;

/** What each metric counts, word for word as the page shows it. */
export const DORA_DEFINITIONS = {
  deploymentFrequency:
    'Deployment frequency: release commits on the branch that changed at least one app of the scope ' +
    'in the environment, per week.',
  leadTimeHours:
    'Lead time for changes: from the first commit that brought an app version into the repository ' +
    '(its first release in any environment) to the release of that version in this environment; ' +
    'the median of the week, in hours.',
  changeFailureRate:
    "Change failure rate: the share of the week's releases whose next release of the same app " +
    'in the same environment was a rollback (Rollback: true) or a forced fix (a Reason: trailer, ' +
    'as promote --force writes, or a hotfix promoted from outside the chain); in percent.',
  timeToRestoreHours:
    'Time to restore: from a failed release to the rollback or fix that followed it in the same ' +
    'environment; the median of the fixes landed in the week, in hours.',
} as const;

/** Inputs of `doraReport`. */
export interface DoraInput {
  /** Release records, in any order; older ones than the weeks count too (for lead times and failures). */
  readonly releases: readonly DoraRelease[];
  /** App → team. Apps without a team (removed since) count only toward "all teams". */
  readonly teams: ReadonlyMap<string, string>;
  /** Environments in chain order, with their upstream. */
  readonly environments: readonly { readonly name: string; readonly upstream?: string }[];
  /** End of the last week. */
  readonly now: Date;
  /** Number of weeks. @default 12 */
  readonly weeks?: number;
}

/** Per-release facts the metrics share. */
interface Fact {
  readonly release: DoraRelease;
  readonly time: number;
  /** Hours from the version's first release to this one. */
  readonly leadHours: number | null;
  /** The release that followed a failed one: its time. */
  readonly restoredAt: number | null;
}

/** The DORA metrics of every environment, for all teams and for each team. */
export function doraReport(input: DoraInput): DoraReport {
  const weeks = input.weeks ?? 12;
  const end = input.now.getTime();
  const start = end - weeks * WEEK_MS;
  const facts = factsOf(input);
  const teamNames = [...new Set(input.teams.values())].sort();
  const scopes: DoraScope[] = [];
  for (const env of input.environments) {
    const inEnv = facts.filter((f) => f.release.env === env.name);
    for (const team of ['', ...teamNames]) {
      const own = team === '' ? inEnv : inEnv.filter((f) => input.teams.get(f.release.app) === team);
      scopes.push({ env: env.name, team, ...metrics(own, start, weeks) });
    }
  }
  const starts = Array.from({ length: weeks }, (_, i) => new Date(start + i * WEEK_MS).toISOString());
  return { weeks: starts, scopes };
}

function factsOf(input: DoraInput): Fact[] {
  const upstream = new Map(input.environments.map((e) => [e.name, e.upstream]));
  const deployments = input.releases.filter((r) => r.change !== 'removed');
  const firstSeen = new Map<string, number>();
  for (const r of deployments) {
    const key = `${r.app}@${r.version}`;
    const t = Date.parse(r.date);
    if (!(t >= (firstSeen.get(key) ?? Infinity))) firstSeen.set(key, t);
  }
  // Releases of one app in one environment, oldest first, to find the release that followed each.
  const byCell = new Map<string, DoraRelease[]>();
  for (const r of input.releases) {
    const key = `${r.env}/${r.app}`;
    const list = byCell.get(key) ?? [];
    list.push(r);
    byCell.set(key, list);
  }
  const next = new Map<DoraRelease, DoraRelease>();
  for (const list of byCell.values()) {
    list.sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    for (let i = 0; i + 1 < list.length; i++) next.set(list[i]!, list[i + 1]!);
  }
  const isFix = (r: DoraRelease): boolean =>
    r.rollback || r.reason !== null || (r.promotedFrom !== null && r.promotedFrom !== upstream.get(r.env));
  return deployments.map((r) => {
    const time = Date.parse(r.date);
    const first = firstSeen.get(`${r.app}@${r.version}`);
    const following = next.get(r);
    return {
      release: r,
      time,
      leadHours: first === undefined ? null : (time - first) / HOUR_MS,
      restoredAt: following && isFix(following) ? Date.parse(following.date) : null,
    };
  });
}

function metrics(facts: readonly Fact[], start: number, weeks: number): Omit<DoraScope, 'env' | 'team'> {
  const week = (t: number): number => Math.floor((t - start) / WEEK_MS);
  const buckets = <T>(pick: (f: Fact) => { at: number; value: T } | null): T[][] => {
    const out: T[][] = Array.from({ length: weeks }, () => []);
    for (const f of facts) {
      const p = pick(f);
      if (!p) continue;
      const w = week(p.at);
      if (w >= 0 && w < weeks) out[w]!.push(p.value);
    }
    return out;
  };
  const commits = buckets((f) => ({ at: f.time, value: f.release.commit })).map((c) => new Set(c).size);
  const leads = buckets((f) => (f.leadHours === null ? null : { at: f.time, value: f.leadHours }));
  const failed = buckets((f) => ({ at: f.time, value: f.restoredAt !== null }));
  const restores = buckets((f) =>
    f.restoredAt === null ? null : { at: f.restoredAt, value: (f.restoredAt - f.time) / HOUR_MS },
  );
  const rate = (xs: readonly boolean[]): number | null =>
    xs.length === 0 ? null : (100 * xs.filter(Boolean).length) / xs.length;
  return {
    deploymentFrequency: series(commits, commits.reduce((a, b) => a + b, 0) / weeks),
    leadTimeHours: series(leads.map(median), median(leads.flat())),
    changeFailureRate: series(failed.map(rate), rate(failed.flat())),
    timeToRestoreHours: series(restores.map(median), median(restores.flat())),
  };
}

function series(values: readonly (number | null)[], overall: number | null): DoraSeries {
  return { values: values.map(round), overall: round(overall) };
}

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x * 10) / 10;
}

/** Median of `xs`, or null when empty. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
