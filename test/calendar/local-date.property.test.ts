import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, isCalendarError, isLocalDate, weekdayOf } from '../../engine/calendar/index.ts';

// Every public function validates its dates through the same parser, which reads characters directly;
// these properties hold it to the definition it replaced — the pattern /^(\d{4})-(\d{2})-(\d{2})$/ plus a
// real day of a real month — and hold day arithmetic to Date over the years 0000–9999.

const DAY = 86_400_000;
const YEAR_0 = Date.UTC(2000, 0, 1) - 730_485 * DAY; // 0000-01-01, which Date.UTC cannot take directly
const YEAR_10000 = Date.UTC(9999, 11, 31) + DAY;

function isRealDateByDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const anyDay = fc.integer({ min: YEAR_0, max: YEAR_10000 - 1 }).map((ms) => isoDate(ms - (ms % DAY)));
const CHARACTERS = [...'0123456789-/ \n', '٣', '０', 'T', 'x'];
const nearDate = fc
  .tuple(anyDay, fc.nat(11), fc.constantFrom(...CHARACTERS), fc.constantFrom('replace', 'insert', 'delete'))
  .map(([date, at, character, edit]) =>
    edit === 'replace'
      ? date.slice(0, at) + character + date.slice(at + 1)
      : edit === 'insert'
        ? date.slice(0, at) + character + date.slice(at)
        : date.slice(0, at) + date.slice(at + 1),
  );
const dayText = fc.oneof(
  anyDay,
  nearDate,
  // The end of February of any year, and days 29–31 of any month: where the month lengths matter.
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(
    ([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
  ),
  fc.string({ maxLength: 12, unit: fc.constantFrom(...CHARACTERS) }),
);

describe('local dates', () => {
  it('isLocalDate accepts exactly the real YYYY-MM-DD dates', () => {
    fc.assert(
      fc.property(dayText, (text) => {
        expect(isLocalDate(text)).toBe(isRealDateByDate(text));
      }),
      { numRuns: 20_000 },
    );
    expect(isLocalDate('2024-02-29')).toBe(true);
    expect(isLocalDate('2100-02-29')).toBe(false);
    expect(isLocalDate('2000-02-29')).toBe(true);
  });

  it('a function given a date that is not one throws calendar.invalid-date, and never for a real one', () => {
    fc.assert(
      fc.property(dayText, (text) => {
        let code: string | undefined;
        try {
          weekdayOf(text);
        } catch (error) {
          code = isCalendarError(error) ? error.code : String(error);
        }
        expect(code).toBe(isRealDateByDate(text) ? undefined : 'calendar.invalid-date');
      }),
      { numRuns: 5_000 },
    );
  });

  it('addDays and weekdayOf agree with Date across the years 0000–9999', () => {
    fc.assert(
      fc.property(anyDay, fc.integer({ min: -4_000_000, max: 4_000_000 }), (date, days) => {
        const ms = Date.parse(`${date}T00:00:00Z`) + days * DAY;
        fc.pre(ms >= YEAR_0 && ms < YEAR_10000);
        expect(addDays(date, days)).toBe(isoDate(ms));
        expect(weekdayOf(date)).toBe(new Date(`${date}T00:00:00Z`).getUTCDay());
      }),
      { numRuns: 20_000 },
    );
    expect(addDays('0000-03-01', -1)).toBe('0000-02-29');
    expect(addDays('9999-12-30', 1)).toBe('9999-12-31');
  });
});
