/**
 * Freeze windows: is an environment frozen at a given time, and when does it open?
 */
import { CronExpressionParser } from 'cron-parser';
import type { FreezeWindow } from '../spec/environment.ts';

/** A freeze window that holds at a given time. */
export interface ActiveFreeze {
  readonly window: FreezeWindow;
  /** When this window closes. */
  readonly until: Date;
}

/**
 * `at` as an ISO time in UTC followed by the same moment in `timeZone` when that is another zone:
 * `2026-11-16T22:00:00.000Z (2026-11-17 06:00 Asia/Shanghai)`, so a window defined in its own zone
 * is read in that zone too.
 */
export function showTime(at: Date, timeZone = 'UTC'): string {
  if (timeZone === 'UTC') return at.toISOString();
  const format = {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  } as const;
  const local = new Intl.DateTimeFormat('sv-SE', format).format(at);
  return `${at.toISOString()} (${local} ${timeZone})`;
}

/** Length of a window duration (`'60h'`, `'90m'`) in milliseconds. */
export function durationMs(duration: string): number {
  const m = /^(\d+)([hm])$/.exec(duration);
  if (!m) throw new Error(`freeze window duration '${duration}' is not in hours or minutes ('60h', '90m')`);
  return Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 60_000);
}

/** The window (if any) of `windows` that holds at `now`. */
export function activeFreeze(windows: readonly FreezeWindow[], now: Date): ActiveFreeze | undefined {
  let found: ActiveFreeze | undefined;
  for (const window of windows) {
    const until = closesAt(window, now);
    if (until && (!found || until > found.until)) found = { window, until };
  }
  return found;
}

/**
 * When the environment next opens: the first time at or after `now` that no window holds (chained windows are
 * followed).
 */
export function nextOpen(windows: readonly FreezeWindow[], now: Date): Date {
  let t = now;
  for (let i = 0; i < 100; i++) {
    const active = activeFreeze(windows, t);
    if (!active) return t;
    t = active.until;
  }
  return t;
}

function closesAt(window: FreezeWindow, now: Date): Date | undefined {
  if (window.start !== undefined && window.end !== undefined) {
    const start = Date.parse(window.start);
    const end = Date.parse(window.end);
    return now.getTime() >= start && now.getTime() < end ? new Date(end) : undefined;
  }
  if (window.schedule === undefined || window.duration === undefined) return undefined;
  const length = durationMs(window.duration);
  // The latest opening at or before now; cron-parser's prev() is strictly before its current date.
  const cursor = CronExpressionParser.parse(window.schedule, {
    currentDate: new Date(now.getTime() + 1000),
    tz: window.timeZone ?? 'UTC',
  });
  const opened = cursor.prev().toDate();
  const closes = new Date(opened.getTime() + length);
  return now >= opened && now < closes ? closes : undefined;
}
