import { describe, expect, it } from 'vitest';
import { activeFreeze, nextOpen, showTime } from '../../lib/promote/freeze.ts';
import type { FreezeWindow } from '../../lib/spec/environment.ts';

const weekend: FreezeWindow = {
  name: 'weekend',
  reason: 'no changes over the weekend',
  schedule: '0 18 * * 5',
  duration: '60h',
  timeZone: 'Asia/Shanghai',
};
const yearEnd: FreezeWindow = {
  name: 'year-end',
  reason: 'peak',
  start: '2026-12-24T00:00:00+08:00',
  end: '2027-01-04T06:00:00+08:00',
};

describe('freeze windows', () => {
  it('holds a recurring window from its opening for its duration, in its time zone', () => {
    // Friday 2026-11-27 18:00 in Shanghai is 10:00 UTC.
    expect(activeFreeze([weekend], new Date('2026-11-27T09:59:00Z'))).toBeUndefined();
    expect(activeFreeze([weekend], new Date('2026-11-27T10:00:00Z'))?.until.toISOString()).toBe(
      '2026-11-29T22:00:00.000Z',
    );
    expect(activeFreeze([weekend], new Date('2026-11-29T21:59:00Z'))?.window.name).toBe('weekend');
    expect(activeFreeze([weekend], new Date('2026-11-29T22:00:00Z'))).toBeUndefined();
  });

  it('holds a one-off window between start and end', () => {
    expect(activeFreeze([yearEnd], new Date('2026-12-23T15:59:59Z'))).toBeUndefined();
    expect(activeFreeze([yearEnd], new Date('2026-12-23T16:00:00Z'))?.until.toISOString()).toBe(
      '2027-01-03T22:00:00.000Z',
    );
  });

  it('finds the next open time across chained windows', () => {
    // The weekend of 2027-01-01 (a Friday) runs until Monday 2027-01-04 06:00 Shanghai, as does the year-end freeze.
    const sat = new Date('2027-01-02T04:00:00Z');
    expect(nextOpen([weekend, yearEnd], sat).toISOString()).toBe('2027-01-03T22:00:00.000Z');
    expect(nextOpen([weekend, yearEnd], new Date('2026-11-25T00:00:00Z')).toISOString()).toBe(
      '2026-11-25T00:00:00.000Z',
    );
  });
});

describe('freeze times', () => {
  it("shows a time in UTC and in the window's own zone", () => {
    expect(showTime(new Date('2026-11-29T22:00:00Z'), 'Asia/Shanghai')).toBe(
      '2026-11-29T22:00:00.000Z (2026-11-30 06:00 Asia/Shanghai)',
    );
    expect(showTime(new Date('2026-11-29T22:00:00Z'))).toBe('2026-11-29T22:00:00.000Z');
  });
});
