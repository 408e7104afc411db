/**
 * What the fleet page shows, gathered from the checkout and its git history:
 * the specs and pins (`loadProject`), how long each pin has held (the history
 * of each `versions.json`), the releases (`auditReleases`), the freeze
 * windows, and the DORA metrics computed from those releases.
 */
import semver from 'semver';
import { git, readBlobs, revParse } from '../git/git.ts';
import { activeFreeze, nextOpen } from '../promote/freeze.ts';
import { sameImage, versionsPath, type Pins } from '../promote/versions.ts';
import { auditReleases } from '../release/audit.ts';
import { KeyedCache, codeHash } from '../util/cache.ts';
import { releaseRecordBlobs } from '../release/record.ts';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { loadProject, runsIn } from '../spec/project.ts';
import { cmp } from '../util/compare.ts';
import { freezeCalendar } from './calendar.ts';
import { doraReport, type DoraRelease } from './dora.ts';
import type { CellRelease, SiteApp, SiteCell, SiteCommit, SiteData, SiteEnvironment, SiteRelease } from './model.ts';

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

/** Options of `collectSite`. */
export interface CollectOptions {
  /**
   * The time states, ages, soak and freezes are computed for.
   * @default - the clock
   */
  readonly now?: Date;
  /**
   * Revision whose first-parent history is the release history.
   * @default 'HEAD'
   */
  readonly ref?: string;
  /**
   * Weeks of DORA metrics.
   * @default 12
   */
  readonly weeks?: number;
  /**
   * Days of the freeze calendar.
   * @default 30
   */
  readonly calendarDays?: number;
  /**
   * Reuse and update the cache of each commit's releases in `.render-cache/`.
   * @default true
   */
  readonly cache?: boolean;
  /**
   * Latest releases kept per app and environment (the cell's detail).
   * @default 5
   */
  readonly releasesPerCell?: number;
  /**
   * Latest releases kept per environment (the timeline).
   * @default 100
   */
  readonly releasesPerEnvironment?: number;
}

/** The exact command that promotes `app` into `env`. */
export function promoteCommand(app: string, env: string): string {
  return `npm run -s promote -- ${app} --to ${env}`;
}

/** Gathers the page's data from the repository at `root`. */
export async function collectSite(root: string, options: CollectOptions = {}): Promise<SiteData> {
  const now = options.now ?? new Date();
  const ref = options.ref ?? 'HEAD';
  const weeks = options.weeks ?? 12;
  const calendarDays = options.calendarDays ?? 30;
  const commit = revParse(root, ref);
  const project = await loadProject(root);
  const envSpecs = project.environments.map((e) => e.spec);
  const pins = new Map(project.environments.map((e) => [e.spec.name, e.versions as Pins]));
  const since = new Map(envSpecs.map((e) => [e.name, pinSince(root, commit, e.name)]));

  // Releases of the metrics' weeks and as many before, so that lead times and failures near the start are whole.
  const history = await releaseHistory(
    root,
    commit,
    new Date(now.getTime() - 2 * weeks * WEEK_MS),
    options.cache ?? true,
  );
  const past = history.filter((h) => Date.parse(h.commit.date) <= now.getTime());
  const { commits, cellReleases, timelines } = keepReleases(
    past,
    options.releasesPerCell ?? 5,
    options.releasesPerEnvironment ?? 100,
  );

  const environments: SiteEnvironment[] = envSpecs.map((e) => {
    const windows = e.promotion.freezeWindows ?? [];
    const active = activeFreeze(windows, now);
    return {
      name: e.name,
      description: e.description,
      ...(e.promotion.from ? { upstream: e.promotion.from } : {}),
      ...(e.promotion.releasedWith ? { releasedWith: e.promotion.releasedWith } : {}),
      minSoakHours: e.promotion.minSoakHours ?? 0,
      ...(active
        ? {
            frozen: {
              window: active.window.name,
              reason: active.window.reason,
              opensAt: nextOpen(windows, now).toISOString(),
            },
          }
        : {}),
      calendar: freezeCalendar(windows, now, calendarDays),
      timeline: timelines.get(e.name) ?? [],
    };
  });

  const apps: SiteApp[] = project.apps.map(({ spec }) => {
    const cells: Record<string, SiteCell> = {};
    for (const env of envSpecs) {
      const context: CellContext = { app: spec.name, env, pins, since, environments, now };
      const cell = runsIn(spec, env.name)
        ? cellOf(context)
        : notDeployed(context, `${spec.name} does not run in ${env.name}`);
      cells[env.name] = { ...cell, releases: cellReleases.get(`${env.name}/${spec.name}`) ?? [] };
    }
    return { name: spec.name, team: spec.team, cells };
  });

  const teams = new Map(project.apps.map((a) => [a.spec.name, a.spec.team]));
  const allReleases: DoraRelease[] = past.flatMap((h) =>
    h.releases.map((r) => ({ ...r, ...h.commit, commit: h.commit.sha })),
  );
  return {
    now: now.toISOString(),
    ref,
    commit,
    environments,
    teams: [...new Set(teams.values())].sort(cmp),
    apps,
    commits,
    dora: doraReport({ releases: allReleases, teams, environments, now, weeks }),
    calendarDays,
  };
}

interface CellContext {
  readonly app: string;
  readonly env: EnvironmentSpec;
  readonly pins: ReadonlyMap<string, Pins>;
  readonly since: ReadonlyMap<string, ReadonlyMap<string, PinSince>>;
  readonly environments: readonly SiteEnvironment[];
  readonly now: Date;
}

type CellFacts = Omit<SiteCell, 'releases'>;

function notDeployed({ app, env, pins }: CellContext, note: string): CellFacts {
  const upstream = env.promotion.from;
  const upstreamPin = upstream ? pins.get(upstream)?.[app] : undefined;
  return {
    state: 'not-deployed',
    note,
    ...(upstream && upstreamPin && !env.promotion.releasedWith
      ? { upstreamVersion: upstreamPin.tag, command: promoteCommand(app, env.name) }
      : {}),
  };
}

function cellOf(context: CellContext): CellFacts {
  const { app, env, pins, since, environments, now } = context;
  const pin = pins.get(env.name)?.[app];
  if (!pin) return notDeployed(context, `${app} is not pinned in ${env.name}`);
  const held = since.get(env.name)?.get(app);
  const base = {
    version: pin.tag,
    ...(pin.digest ? { digest: pin.digest } : {}),
    ...(held && sameImage(held.pin, pin) ? { since: new Date(held.time).toISOString() } : {}),
  };
  const wave = env.promotion.releasedWith;
  if (wave) {
    const partner = pins.get(wave)?.[app];
    if (sameImage(partner, pin))
      return { ...base, state: 'current', note: `released with ${wave}, which runs the same artifact` };
    return {
      ...base,
      state: 'drift',
      wave: { env: wave, ...(partner ? { version: partner.tag } : {}) },
      command: promoteCommand(app, wave),
      note:
        `${env.name} runs ${pin.tag} but ${wave} runs ${partner?.tag ?? 'nothing'}: the two waves differ; ` +
        `the next promotion into ${wave} releases both`,
    };
  }
  const upstream = env.promotion.from;
  const upstreamPin = upstream ? pins.get(upstream)?.[app] : undefined;
  if (!upstream)
    return {
      ...base,
      state: 'current',
      note: `${env.name} takes new builds: promote -- ${app} --to ${env.name} --version TAG --digest sha256:…`,
    };
  if (!upstreamPin) return { ...base, state: 'current', note: `${upstream} has no pin of ${app}` };
  if (sameImage(upstreamPin, pin)) return { ...base, state: 'current', note: `runs what ${upstream} runs` };
  if (semver.valid(pin.tag) && semver.valid(upstreamPin.tag) && semver.gt(pin.tag, upstreamPin.tag)) {
    return { ...base, state: 'current', note: `runs ${pin.tag}, newer than ${upstream}'s ${upstreamPin.tag}` };
  }
  const pending = { ...base, upstreamVersion: upstreamPin.tag, command: promoteCommand(app, env.name) };
  const site = environments.find((e) => e.name === env.name)!;
  if (site.frozen) {
    return {
      ...pending,
      state: 'frozen',
      freeze: site.frozen,
      note:
        `${upstreamPin.tag} waits in ${upstream}; ` +
        `${env.name} is frozen (${site.frozen.window}) until ${site.frozen.opensAt}`,
    };
  }
  const upstreamHeld = since.get(upstream)?.get(app);
  const ranHours =
    upstreamHeld && sameImage(upstreamHeld.pin, upstreamPin) ? (now.getTime() - upstreamHeld.time) / HOUR_MS : 0;
  const left = Math.max(0, site.minSoakHours - ranHours);
  if (left > 0) {
    const leftHours = Math.ceil(left * 10) / 10;
    return {
      ...pending,
      state: 'soaking',
      soakLeftHours: leftHours,
      note: `${upstreamPin.tag} soaks in ${upstream} for ${leftHours} h more`,
    };
  }
  return {
    ...pending,
    state: 'promotable',
    note: `${upstreamPin.tag} in ${upstream} may be promoted into ${env.name}`,
  };
}

/** An app's pin and when (epoch ms) it took that value, along the first-parent history. */
interface PinSince {
  readonly pin: Pins[string];
  readonly time: number;
}

/** For each app pinned in `env` at `commit`: its pin and when that pin landed, from the versions file's history. */
function pinSince(root: string, commit: string, env: string): Map<string, PinSince> {
  const path = versionsPath(env);
  const out = git(root, [
    'log',
    '--first-parent',
    '--raw',
    '--no-abbrev',
    '--no-renames',
    '--format=%x1e%ct',
    commit,
    '--',
    path,
  ]);
  const states: { time: number; blob: string | null }[] = [];
  for (const chunk of out.split('\x1e').slice(1)) {
    const lines = chunk.trim().split('\n');
    const raw = lines.find((l) => l.startsWith(':'));
    if (!raw) continue;
    const blob = raw.split(/\s+/)[3]!;
    states.push({ time: Number(lines[0]) * 1000, blob: /^0+$/.test(blob) ? null : blob });
  }
  states.reverse();
  const blobs = readBlobs(
    root,
    states.flatMap((s) => (s.blob ? [s.blob] : [])),
  );
  const held = new Map<string, PinSince>();
  for (const state of states) {
    let pins: Pins = {};
    try {
      pins = state.blob ? (JSON.parse(blobs.get(state.blob)!) as Pins) : {};
    } catch {
      // A version of the file that was not JSON pinned nothing; the checks of its time said so.
    }
    for (const app of held.keys()) if (!(app in pins)) held.delete(app);
    for (const [app, pin] of Object.entries(pins)) {
      if (!sameImage(held.get(app)?.pin, pin)) held.set(app, { pin, time: state.time });
    }
  }
  return held;
}

/** One release commit and the releases it made, as cached. */
interface CommitReleases {
  readonly commit: SiteCommit;
  readonly releases: readonly Omit<SiteRelease, 'commit'>[];
}

/**
 * The release commits of the first-parent history of `tip` since `since`, newest first, with their releases
 * (`auditReleases`). A commit's releases never change, so they are cached by commit: only the commits not
 * seen before are audited.
 */
async function releaseHistory(root: string, tip: string, since: Date, useCache: boolean): Promise<CommitReleases[]> {
  const log = git(root, [
    'log',
    '--first-parent',
    '--format=%H %cI',
    `--since=${since.toISOString()}`,
    tip,
    '--',
    ':(glob)manifests/*/apps/**',
  ]);
  const listed = log
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [sha, date] = l.split(' ') as [string, string];
      return { sha, date };
    });
  const cache = KeyedCache.open<CommitReleases>(root, 'site-releases', codeHash(root), useCache);
  // A commit's releases change when the release workflow attaches its record later: the record is part of the key.
  const notes = releaseRecordBlobs(root);
  const keyOf = (sha: string): string => `${sha}:${notes.get(sha) ?? ''}`;
  const missing = listed.filter((c) => cache.get(keyOf(c.sha)) === undefined);
  if (missing.length > 0) {
    const oldest = missing.reduce((a, b) => (Date.parse(b.date) < Date.parse(a.date) ? b : a));
    const records = await auditReleases(root, { ref: missing[0]!.sha, since: oldest.date });
    const found = new Map<string, CommitReleases>();
    for (const r of records) {
      const entry = found.get(r.commit) ?? {
        commit: {
          sha: r.commit,
          subject: r.subject,
          author: r.author,
          date: r.date,
          pullRequest: r.pullRequest,
          approvers: r.approvers,
          promotedFrom: r.promotedFrom,
          rollback: r.claims.rollback,
          reason: r.claims.reason,
          override: r.overrides[0] ?? null,
        },
        releases: [],
      };
      (entry.releases as Omit<SiteRelease, 'commit'>[]).push({
        env: r.env,
        app: r.app,
        change: r.change,
        version: r.version,
        previousVersion: r.previousVersion,
      });
      found.set(r.commit, entry);
    }
    for (const c of missing) {
      // A commit that only re-formatted manifests released nothing: it is cached as such.
      cache.set(
        keyOf(c.sha),
        found.get(c.sha) ?? {
          commit: {
            sha: c.sha,
            subject: '',
            author: '',
            date: c.date,
            pullRequest: null,
            approvers: [],
            promotedFrom: null,
            rollback: false,
            reason: null,
            override: null,
          },
          releases: [],
        },
      );
    }
  }
  cache.save();
  return listed.map((c) => cache.get(keyOf(c.sha))!).filter((h) => h.releases.length > 0);
}

/** The releases the page shows (each cell's latest, each environment's latest), newest first, with their commits. */
function keepReleases(
  history: readonly CommitReleases[],
  perCell: number,
  perEnv: number,
): { commits: SiteCommit[]; cellReleases: Map<string, CellRelease[]>; timelines: Map<string, SiteRelease[]> } {
  const byCell = new Map<string, number>();
  const byEnv = new Map<string, number>();
  const commits: SiteCommit[] = [];
  const cellReleases = new Map<string, CellRelease[]>();
  const timelines = new Map<string, SiteRelease[]>();
  // History comes newest first: the first releases of each cell and environment are the latest.
  for (const h of history) {
    let index = -1;
    for (const r of h.releases) {
      const cell = `${r.env}/${r.app}`;
      const inCell = byCell.get(cell) ?? 0;
      const inEnv = byEnv.get(r.env) ?? 0;
      byCell.set(cell, inCell + 1);
      byEnv.set(r.env, inEnv + 1);
      if (inCell >= perCell && inEnv >= perEnv) continue;
      if (index < 0) index = commits.push(h.commit) - 1;
      const release = { ...r, commit: index };
      if (inCell < perCell)
        cellReleases.set(cell, [
          ...(cellReleases.get(cell) ?? []),
          { change: r.change, version: r.version, previousVersion: r.previousVersion, commit: index },
        ]);
      if (inEnv < perEnv) timelines.set(r.env, [...(timelines.get(r.env) ?? []), release]);
    }
  }
  return { commits, cellReleases, timelines };
}
