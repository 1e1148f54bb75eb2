import { CalendarError } from './calendar-error.ts';
import type { Duration, DurationUnit } from './types.ts';

/** The units a period may be written in, with their names for messages. */
export const DURATION_UNITS: Readonly<Record<DurationUnit, { zh: string; en: string; counter: string }>> = {
  wd: { zh: '工作日', en: 'working days', counter: '个工作日' },
  d: { zh: '自然日', en: 'natural days', counter: '个自然日' },
  h: { zh: '小时', en: 'hours', counter: '小时' },
  min: { zh: '分钟', en: 'minutes', counter: '分钟' },
};

const ALLOWED = Object.entries(DURATION_UNITS)
  .map(([unit, name]) => `${unit} (${name.zh} ${name.en})`)
  .join(', ');

/**
 * Reads a period such as `20wd`, `5d`, `36h` or `5min` (a whole number, then the unit). Pure.
 * @throws CalendarError `calendar.invalid-duration` naming the text and listing the allowed units.
 */
export function parseDuration(text: string): Duration {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase();
  if (!match || unit === undefined || !(unit in DURATION_UNITS)) {
    const why = match ? `unknown unit '${match[2] ?? ''}'` : 'is not a whole number followed by a unit';
    throw new CalendarError(
      'calendar.invalid-duration',
      `期限格式错误 invalid period '${text}': ${why}; allowed units: ${ALLOWED}; e.g. 20wd, 5d, 36h, 5min`,
    );
  }
  const amount = Number(match[1]);
  if (!Number.isSafeInteger(amount)) {
    throw new CalendarError('calendar.invalid-duration', `期限过大 invalid period '${text}': the number is too large`);
  }
  return { amount, unit: unit as DurationUnit };
}

/** `20wd` → `20 个工作日 (20 working days)`, `36h` → `36 小时 (36 hours)`. Pure. */
export function describeDuration(duration: Duration): string {
  const name = DURATION_UNITS[duration.unit];
  return `${duration.amount} ${name.counter} (${duration.amount} ${name.en})`;
}
