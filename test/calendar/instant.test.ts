import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  endOfLocalDay,
  formatInstant,
  isCalendarError,
  parseDuration,
  parseInstant,
  startOfLocalDay,
  toLocalDate,
  weekdayOf,
} from '../../engine/calendar/index.ts';

const DAY = 86_400_000;
const YEARS_1991_TO_2100 = { min: Date.UTC(1991, 0, 1), max: Date.UTC(2100, 0, 1) };

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return isCalendarError(error) ? error.code : `not a CalendarError: ${String(error)}`;
  }
  return undefined;
}

describe('instants in +08:00', () => {
  it('formats with milliseconds and a fixed +08:00 offset', () => {
    expect(formatInstant(Date.UTC(2026, 9, 30, 15, 59, 59, 999))).toBe('2026-10-30T23:59:59.999+08:00');
    expect(formatInstant(Date.UTC(2026, 9, 30, 16))).toBe('2026-10-31T00:00:00.000+08:00');
    expect(endOfLocalDay('2026-10-30')).toBe(Date.UTC(2026, 9, 30, 15, 59, 59, 999));
    expect(startOfLocalDay('2026-10-31')).toBe(Date.UTC(2026, 9, 30, 16));
    expect(toLocalDate(Date.UTC(2026, 9, 30, 15, 59, 59, 999))).toBe('2026-10-30');
    expect(toLocalDate(Date.UTC(2026, 9, 30, 16))).toBe('2026-10-31');
  });

  it('parses a bare date as 00:00 Beijing time and date-times in any offset', () => {
    expect(parseInstant('2026-09-28')).toBe(Date.UTC(2026, 8, 27, 16));
    expect(parseInstant('2026-09-28T09:30:00+08:00')).toBe(Date.UTC(2026, 8, 28, 1, 30));
    expect(parseInstant('2026-09-28T09:30+0800')).toBe(Date.UTC(2026, 8, 28, 1, 30));
    expect(parseInstant('2026-09-28T01:30:00.5Z')).toBe(Date.UTC(2026, 8, 28, 1, 30, 0, 500));
    expect(parseInstant('2026-09-27T21:30:00-04:00')).toBe(Date.UTC(2026, 8, 28, 1, 30));
    expect(parseInstant(' 2026-09-28 09:30:00+08 ')).toBe(Date.UTC(2026, 8, 28, 1, 30));
  });

  it.each(['2026-09-28T10:00', '2026-02-29', '2026-02-29T10:00:00+08:00', '2026-09-28T24:00:00+08:00', 'tomorrow', '', '2026-9-8'])(
    'refuses %j with calendar.invalid-instant and the accepted forms',
    (text) => {
      expect(codeOf(() => parseInstant(text))).toBe('calendar.invalid-instant');
      expect(() => parseInstant(text)).toThrow(/expected YYYY-MM-DD .* or an ISO 8601 date-time with offset/);
    },
  );

  it('formatInstant agrees with Date#toISOString shifted by eight hours, and parseInstant inverts it', () => {
    fc.assert(
      fc.property(fc.integer(YEARS_1991_TO_2100), (ms) => {
        const text = formatInstant(ms);
        expect(text).toBe(new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00'));
        expect(parseInstant(text)).toBe(ms);
        expect(toLocalDate(ms)).toBe(text.slice(0, 10));
        expect(startOfLocalDay(toLocalDate(ms)) <= ms && ms <= endOfLocalDay(toLocalDate(ms))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('parseInstant reads any offset the way Date.parse does', () => {
    fc.assert(
      fc.property(fc.integer(YEARS_1991_TO_2100), fc.integer({ min: -48, max: 56 }), (ms, quarters) => {
        const offset = quarters * 15;
        const sign = offset < 0 ? '-' : '+';
        const hhmm = `${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
        const text = `${new Date(ms + offset * 60_000).toISOString().slice(0, 23)}${sign}${hhmm}`;
        expect(parseInstant(text)).toBe(Date.parse(text));
        expect(parseInstant(text)).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('date arithmetic agrees with the proleptic Gregorian calendar of Date.UTC', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1) / DAY, max: Date.UTC(2200, 0, 1) / DAY }), fc.integer({ min: -800, max: 800 }), (day, delta) => {
        const date = new Date(day * DAY).toISOString().slice(0, 10);
        expect(addDays(date, delta)).toBe(new Date((day + delta) * DAY).toISOString().slice(0, 10));
        expect(weekdayOf(date)).toBe(new Date(day * DAY).getUTCDay());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['20wd', { amount: 20, unit: 'wd' }],
    ['5d', { amount: 5, unit: 'd' }],
    ['36h', { amount: 36, unit: 'h' }],
    ['5min', { amount: 5, unit: 'min' }],
    [' 10 WD ', { amount: 10, unit: 'wd' }],
  ])('%j', (text, expected) => {
    expect(parseDuration(text)).toEqual(expected);
  });

  it.each(['20', 'wd', '20days', '-3d', '1.5h', '20wd5d', '99999999999999999999d'])('refuses %j, listing the allowed units', (text) => {
    expect(codeOf(() => parseDuration(text))).toBe('calendar.invalid-duration');
    expect(() => parseDuration(text)).toThrow(text.length > 15 ? /too large/ : /allowed units: wd \(工作日 working days\), d .*, h .*, min/);
  });
});
