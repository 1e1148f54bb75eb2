export type {
  Calendar,
  CalendarSource,
  DeadlineResult,
  Duration,
  DurationUnit,
  LocalDate,
  LocalizedText,
} from './types.ts';
export { CalendarError, isCalendarError, type CalendarErrorCode } from './calendar-error.ts';
export type { CalendarFile } from './calendar-document.ts';
export { loadCalendars } from './load-calendars.ts';
export { addPeriod, UNIT_MS, type AddPeriodOptions } from './add-period.ts';
export { countNaturalDays, countWorkingDays, elapsedInUnit, subtractWorkingDays } from './working-days.ts';
export { holidaysBetween, type HolidaySpan } from './holidays-between.ts';
export { isCovered } from './coverage.ts';
export { endOfLocalDay, formatInstant, parseInstant, startOfLocalDay, toLocalDate } from './instant.ts';
export { addDays, isLocalDate, weekdayOf } from './local-date.ts';
export { DURATION_UNITS, describeDuration, parseDuration } from './duration.ts';
