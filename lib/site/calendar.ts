/**
 * The freeze calendar: every span of an environment's freeze windows that
 * overlaps the next days, recurring (cron + duration, in the window's time
 * zone) and one-off (start and end) alike.
 */
import { CronExpressionParser } from 'cron-parser';
import { durationMs } from '../promote/freeze.ts';
import type { FreezeWindow } from '../spec/environment.ts';
import type { FreezeSpan } from './model.ts';

const DAY_MS = 86_400_000;

/** The spans of `windows` overlapping [`now`, `now` + `days`), clipped to it, by start then window name. */
export function freezeCalendar(windows: readonly FreezeWindow[], now: Date, days: number): FreezeSpan[] {
  const from = now.getTime();
  const to = from + days * DAY_MS;
  const spans: { window: FreezeWindow; start: number; end: number }[] = [];
  for (const window of windows) {
    if (window.start !== undefined && window.end !== undefined) {
      spans.push({ window, start: Date.parse(window.start), end: Date.parse(window.end) });
      continue;
    }
    if (window.schedule === undefined || window.duration === undefined) continue;
    const length = durationMs(window.duration);
    // Openings from one window length before the calendar: a window opened then may still hold at its start.
    const cursor = CronExpressionParser.parse(window.schedule, {
      currentDate: new Date(from - length),
      endDate: new Date(to),
      tz: window.timeZone ?? 'UTC',
    });
    while (cursor.hasNext()) {
      const opened = cursor.next().getTime();
      spans.push({ window, start: opened, end: opened + length });
    }
  }
  return spans
    .filter((s) => s.end > from && s.start < to)
    .map((s) => ({ window: s.window, start: Math.max(s.start, from), end: Math.min(s.end, to) }))
    .sort((a, b) => a.start - b.start || (a.window.name < b.window.name ? -1 : a.window.name > b.window.name ? 1 : 0))
    .map((s) => ({
      window: s.window.name,
      reason: s.window.reason,
      start: new Date(s.start).toISOString(),
      end: new Date(s.end).toISOString(),
    }));
}
