/**
 * The fleet page's data: what `collectSite` gathers from the repository and
 * its git history, embedded as JSON in the page and read by its script.
 * One schema shared by the writer (`collect.ts`, `render.ts`) and the reader (`client.ts`).
 */

/** State of one app in one environment. */
export type CellState = 'current' | 'promotable' | 'soaking' | 'frozen' | 'drift' | 'not-deployed';

/** Every cell state, in the order the page lists them. */
export const CELL_STATES: readonly CellState[] = [
  'promotable',
  'soaking',
  'frozen',
  'drift',
  'current',
  'not-deployed',
];

/** How each state is shown: a symbol and a word, so that no state is told by colour alone. */
export const STATE_LABELS: Readonly<Record<CellState, { readonly symbol: string; readonly label: string }>> = {
  current: { symbol: '✓', label: 'up to date' },
  promotable: { symbol: '↑', label: 'promotable' },
  soaking: { symbol: '◷', label: 'soaking' },
  frozen: { symbol: '❄', label: 'frozen' },
  drift: { symbol: '⚠', label: 'differs from its wave' },
  'not-deployed': { symbol: '–', label: 'not deployed' },
};

/** One app in one environment. */
export interface SiteCell {
  readonly state: CellState;
  /** Pinned tag; absent when not deployed. */
  readonly version?: string;
  /** Pinned digest (`sha256:…`), when pinned by digest. */
  readonly digest?: string;
  /** When the current pin landed on the branch (ISO 8601); absent when not committed yet. */
  readonly since?: string;
  /** The upstream environment's version, when it differs from this one. */
  readonly upstreamVersion?: string;
  /** Hours of soak still needed upstream before the promotion may go ahead. */
  readonly soakLeftHours?: number;
  /** The freeze window that holds now and when the environment opens again (ISO 8601). */
  readonly freeze?: { readonly window: string; readonly reason: string; readonly opensAt: string };
  /** For `drift`: the environment this one is released with, and its version there. */
  readonly wave?: { readonly env: string; readonly version?: string };
  /** The command that moves this cell on, when there is one. */
  readonly command?: string;
  /** One line on the state, for the cell's detail. */
  readonly note: string;
  /** This app's latest releases here, newest first. */
  readonly releases: readonly CellRelease[];
}

/** One row of the matrix. */
export interface SiteApp {
  readonly name: string;
  readonly team: string;
  /** Environment name → cell; every environment has one. */
  readonly cells: Readonly<Record<string, SiteCell>>;
}

/** A freeze window's span within the calendar. */
export interface FreezeSpan {
  readonly window: string;
  readonly reason: string;
  /** ISO 8601, clipped to the calendar. */
  readonly start: string;
  readonly end: string;
}

/** One environment, in chain order. */
export interface SiteEnvironment {
  readonly name: string;
  readonly description: string;
  /** Environment it takes versions from. */
  readonly upstream?: string;
  /** Environment it is released together with (a second wave). */
  readonly releasedWith?: string;
  readonly minSoakHours: number;
  /** The window holding now, if any. */
  readonly frozen?: { readonly window: string; readonly reason: string; readonly opensAt: string };
  /** Freeze spans over the calendar's days, by start. */
  readonly calendar: readonly FreezeSpan[];
  /** The environment's latest releases, newest first (written into the page, not into its data). */
  readonly timeline: readonly SiteRelease[];
}

/** One release commit on the branch: who, when, and what its trailers recorded. */
export interface SiteCommit {
  readonly sha: string;
  readonly subject: string;
  readonly author: string;
  /** When it landed on the branch (ISO 8601). */
  readonly date: string;
  readonly pullRequest: number | null;
  /** Approvals that counted, from the release record (`refs/notes/releases`); empty without one. */
  readonly approvers: readonly string[];
  /** Where the gates proved the versions came from, from the release record. */
  readonly promotedFrom: string | null;
  /** `Rollback: true` as `promote` writes it (a commit trailer: a claim, enough for the metrics). */
  readonly rollback: boolean;
  /** `Reason:` as a forced promotion writes it (a commit trailer). */
  readonly reason: string | null;
  /** An override granted by an approver, from the release record. */
  readonly override: string | null;
}

/** One release of one app in one environment (an audit record, trimmed to what the page shows). */
export interface SiteRelease {
  readonly env: string;
  readonly app: string;
  readonly change: 'added' | 'changed' | 'removed';
  readonly version: string | null;
  readonly previousVersion: string | null;
  /** Index into `SiteData.commits`. */
  readonly commit: number;
}

/** A release of a cell's app in the cell's environment. */
export type CellRelease = Omit<SiteRelease, 'env' | 'app'>;

/** One DORA metric's 12 weekly values (null where the week has nothing to measure). */
export interface DoraSeries {
  readonly values: readonly (number | null)[];
  /** The value over the whole period. */
  readonly overall: number | null;
}

/** The four metrics of one scope (an environment, all teams or one). */
export interface DoraScope {
  readonly env: string;
  /** `''` for all teams. */
  readonly team: string;
  readonly deploymentFrequency: DoraSeries;
  readonly leadTimeHours: DoraSeries;
  readonly changeFailureRate: DoraSeries;
  readonly timeToRestoreHours: DoraSeries;
}

/** The DORA report: weekly buckets and every scope. */
export interface DoraReport {
  /** Start of each week (ISO 8601), oldest first; the last ends at `SiteData.now`. */
  readonly weeks: readonly string[];
  readonly scopes: readonly DoraScope[];
}

/** Everything the page shows. */
export interface SiteData {
  /** The time the states, ages, soak and freezes are computed for (ISO 8601). */
  readonly now: string;
  /** Revision the history was read from, and its commit. */
  readonly ref: string;
  readonly commit: string;
  readonly environments: readonly SiteEnvironment[];
  readonly teams: readonly string[];
  /** Apps sorted by name. */
  readonly apps: readonly SiteApp[];
  /** The commits of the releases the page shows. */
  readonly commits: readonly SiteCommit[];
  readonly dora: DoraReport;
  /** Days the freeze calendar covers. */
  readonly calendarDays: number;
}
