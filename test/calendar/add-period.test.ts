import { describe, expect, it } from 'vitest';
import {
  addPeriod,
  countNaturalDays,
  countWorkingDays,
  elapsedInUnit,
  formatInstant,
  holidaysBetween,
  isCalendarError,
  parseInstant,
  subtractWorkingDays,
  type DeadlineResult,
  type Duration,
} from '../../engine/calendar/index.ts';
import { realCalendar } from './fixtures/real-calendars.ts';

const mainland = realCalendar('cn-mainland');
const prefecture = realCalendar('example-prefecture');

function due(from: string, limit: Duration, calendar = mainland, endAt?: 'office-close'): DeadlineResult & { at: string } {
  const result = addPeriod(calendar, parseInstant(from), limit, endAt ? { endAt } : {});
  return { ...result, at: formatInstant(result.due) };
}

describe('addPeriod: working days (行政许可法 Art. 82)', () => {
  it('20wd from Monday 2026-09-28 skips National Day and counts make-up Saturday 10-10: due 2026-10-30', () => {
    const result = due('2026-09-28', { amount: 20, unit: 'wd' });
    expect(result.dueDate).toBe('2026-10-30');
    expect(result.at).toBe('2026-10-30T23:59:59.999+08:00');
    expect(result.provisional).toBe(false);
    expect(result.warnings).toEqual([]);
  });

  it('across the Spring Festival: 5wd from Fri 2026-02-13 counts Sat 02-14, skips 02-15..23, due Fri 02-27', () => {
    expect(due('2026-02-13T16:00:00+08:00', { amount: 5, unit: 'wd' }).dueDate).toBe('2026-02-27');
    // 2025: 3wd from Mon 2025-01-27 → make-up days are 01-26 (before) and 02-08 (Sat): 02-05, 02-06, 02-07.
    expect(due('2025-01-27', { amount: 3, unit: 'wd' }).dueDate).toBe('2025-02-07');
    expect(due('2025-01-27', { amount: 4, unit: 'wd' }).dueDate).toBe('2025-02-08');
  });

  it('the start day is not counted even when it is a working day and the period starts at 00:00 (民法典 Art. 201)', () => {
    expect(due('2026-03-02T00:00:00+08:00', { amount: 1, unit: 'wd' }).dueDate).toBe('2026-03-03');
    expect(due('2026-03-02T23:59:59.999+08:00', { amount: 1, unit: 'wd' }).dueDate).toBe('2026-03-03');
  });

  it('the local date, not the UTC date, is the start day: 2026-09-30T17:00Z is already 10-01 in Beijing', () => {
    expect(due('2026-09-30T17:00:00Z', { amount: 1, unit: 'wd' }).dueDate).toBe('2026-10-08');
    expect(due('2026-09-30T15:59:59.999Z', { amount: 1, unit: 'wd' }).dueDate).toBe('2026-10-08');
    expect(due('2026-09-29T15:59:59.999Z', { amount: 1, unit: 'wd' }).dueDate).toBe('2026-09-30');
  });

  it('past the data (2027) it counts weekends alone and says so: 2026-12-20 + 20wd → 2027-01-15, provisional', () => {
    const result = due('2026-12-20', { amount: 20, unit: 'wd' });
    expect(result.dueDate).toBe('2027-01-15');
    expect(result.provisional).toBe(true);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/临时结果.*2026-12-31.*Provisional.*weekends alone/);
  });

  it('a period that stays inside the data is not provisional, even on the last covered day', () => {
    const result = due('2026-12-30', { amount: 1, unit: 'wd' });
    expect(result).toMatchObject({ dueDate: '2026-12-31', provisional: false });
  });
});

describe('addPeriod: natural days (民法典 Art. 203)', () => {
  it('5d from 2026-09-30 ends on 10-05, inside the holiday, so it rolls to Thursday 10-08 — the first working day', () => {
    const result = due('2026-09-30', { amount: 5, unit: 'd' });
    expect(result.dueDate).toBe('2026-10-08');
    expect(result.at).toBe('2026-10-08T23:59:59.999+08:00');
  });

  it('a last day that is a make-up Saturday (2026-10-10) is a working day and does not roll', () => {
    expect(due('2026-10-05', { amount: 5, unit: 'd' }).dueDate).toBe('2026-10-10');
  });

  it('a last day on an ordinary Saturday rolls to Monday', () => {
    expect(due('2026-10-12', { amount: 5, unit: 'd' }).dueDate).toBe('2026-10-19');
  });

  it('a last day on a working day stays, even when holidays lie inside the period', () => {
    expect(due('2026-09-29', { amount: 10, unit: 'd' }).dueDate).toBe('2026-10-09');
  });
});

describe('addPeriod: hours and minutes are exact', () => {
  it('36h and 5min run straight through nights and holidays', () => {
    expect(due('2026-09-30T10:15:00+08:00', { amount: 36, unit: 'h' }).at).toBe('2026-10-01T22:15:00.000+08:00');
    expect(due('2026-10-01T23:58:30+08:00', { amount: 5, unit: 'min' }).at).toBe('2026-10-02T00:03:30.000+08:00');
    expect(due('2026-10-01T23:58:30+08:00', { amount: 5, unit: 'min' }).dueDate).toBe('2026-10-02');
  });

  it('a zero period ends where it starts', () => {
    const from = parseInstant('2026-10-03T09:00:00+08:00');
    for (const unit of ['wd', 'd', 'h', 'min'] as const) {
      expect(addPeriod(mainland, from, { amount: 0, unit })).toMatchObject({ due: from, dueDate: '2026-10-03' });
    }
  });
});

describe('office close and overlays', () => {
  it('an overlay holiday is skipped by wd periods on the overlay but not on its base', () => {
    expect(due('2026-07-17', { amount: 3, unit: 'wd' }).dueDate).toBe('2026-07-22');
    const result = due('2026-07-17', { amount: 3, unit: 'wd' }, prefecture);
    expect(result.dueDate).toBe('2026-07-24');
    expect(holidaysBetween(prefecture, '2026-07-17', '2026-07-24')).toEqual([
      { from: '2026-07-20', to: '2026-07-21', name: { zh: '示例民族节日（示意）', en: 'Example ethnic festival (illustrative)' }, weekdays: 2 },
    ]);
  });

  it('the overlay keeps its base: National Day is still skipped on it', () => {
    expect(due('2026-09-28', { amount: 20, unit: 'wd' }, prefecture).dueDate).toBe('2026-10-30');
  });

  it('illustrative data is never silent: every result on the example overlay carries the warning', () => {
    expect(due('2026-03-02', { amount: 1, unit: 'wd' }, prefecture).warnings.join(' ')).toMatch(/示例数据.*illustrative/);
  });

  it('endAt office-close ends at the declared close of business of the last day', () => {
    expect(due('2026-07-17', { amount: 3, unit: 'wd' }, prefecture, 'office-close').at).toBe('2026-07-24T17:30:00.000+08:00');
    expect(due('2026-10-05', { amount: 5, unit: 'd' }, prefecture, 'office-close').at).toBe('2026-10-10T17:30:00.000+08:00');
  });

  it('office-close on a calendar without office hours stays at 24:00 and warns', () => {
    const result = due('2026-09-28', { amount: 20, unit: 'wd' }, mainland, 'office-close');
    expect(result.at).toBe('2026-10-30T23:59:59.999+08:00');
    expect(result.warnings.join(' ')).toMatch(/未规定下班时间.*no office hours/);
  });
});

describe('counting helpers', () => {
  it('count, subtract and elapsed agree on the National Day example', () => {
    expect(countWorkingDays(mainland, '2026-09-28', '2026-10-30')).toEqual({ days: 20, provisional: false });
    expect(countWorkingDays(mainland, '2026-10-30', '2026-09-28')).toEqual({ days: 0, provisional: false });
    expect(countNaturalDays('2026-09-28', '2026-10-30')).toBe(32);
    expect(countNaturalDays('2026-10-30', '2026-10-30')).toBe(0);
    expect(subtractWorkingDays(mainland, '2026-10-08', 1)).toEqual({ date: '2026-09-30', provisional: false });
    expect(subtractWorkingDays(mainland, '2026-10-12', 1)).toEqual({ date: '2026-10-10', provisional: false });
    expect(subtractWorkingDays(mainland, '2025-01-02', 2)).toEqual({ date: '2024-12-30', provisional: true });
    const from = parseInstant('2026-09-30T10:00:00+08:00');
    const to = parseInstant('2026-10-09T09:00:00+08:00');
    expect(elapsedInUnit(mainland, from, to, 'wd')).toEqual({ amount: 2, provisional: false });
    expect(elapsedInUnit(mainland, from, to, 'd')).toEqual({ amount: 9, provisional: false });
    expect(elapsedInUnit(mainland, from, to, 'h')).toEqual({ amount: to - from, provisional: false });
    expect(elapsedInUnit(mainland, to, from, 'wd')).toEqual({ amount: 0, provisional: false });
  });

  it('refuses negative or fractional day counts with a coded error', () => {
    const from = parseInstant('2026-01-05');
    const bad = [
      () => addPeriod(mainland, from, { amount: -1, unit: 'wd' }),
      () => addPeriod(mainland, from, { amount: 1.5, unit: 'd' }),
      () => subtractWorkingDays(mainland, '2026-01-05', -2),
      () => addPeriod(mainland, 1.5, { amount: 1, unit: 'wd' }),
      () => countWorkingDays(mainland, '2026-02-30', '2026-03-05'),
    ];
    for (const call of bad) {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(isCalendarError(caught), String(caught)).toBe(true);
    }
  });
});
