import { describe, expect, it } from 'vitest';
import days2025 from 'chinese-days/dist/years/2025.json' with { type: 'json' };
import days2026 from 'chinese-days/dist/years/2026.json' with { type: 'json' };
import { realCalendar } from './fixtures/real-calendars.ts';

// Cross-check against the chinese-days package's published per-year data. Its isWorkday() API is not
// used: in time zones west of UTC it reads 'YYYY-MM-DD' as UTC midnight and then formats it with local
// getters, so it answers for the previous day there (checked with TZ=America/New_York, v1.5.7).
interface YearData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const YEARS: readonly [number, YearData][] = [
  [2025, days2025],
  [2026, days2026],
];

function datesOf(year: number): string[] {
  const dates: string[] = [];
  for (let ms = Date.UTC(year, 0, 1); new Date(ms).getUTCFullYear() === year; ms += 86_400_000) {
    dates.push(new Date(ms).toISOString().slice(0, 10));
  }
  return dates;
}

describe.each(YEARS)('cn-mainland %i agrees with chinese-days on every date', (year, data) => {
  const calendar = realCalendar('cn-mainland');

  it('working day or not, for all days of the year', () => {
    const dates = datesOf(year);
    expect(dates).toHaveLength(365);
    const disagreements = dates.filter((date) => {
      const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
      const theirs = date in data.workdays ? true : date in data.holidays ? false : dow >= 1 && dow <= 5;
      return calendar.isWorkingDay(date) !== theirs;
    });
    expect(disagreements).toEqual([]);
  });

  it('holiday names match (their short zh name appears in ours)', () => {
    for (const [date, description] of Object.entries(data.holidays)) {
      const theirZh = description.split(',')[1] ?? '';
      expect(calendar.holidayName(date), date).toContain(theirZh);
    }
    const ours = datesOf(year).filter((date) => calendar.holidayName(date) !== undefined);
    expect(ours.sort()).toEqual(Object.keys(data.holidays).sort());
  });
});
