/** What went wrong, as a stable string callers can branch on (never match on message text). */
export type CalendarErrorCode =
  | 'calendar.invalid-document'
  | 'calendar.invalid-set'
  | 'calendar.invalid-date'
  | 'calendar.invalid-instant'
  | 'calendar.invalid-duration'
  | 'calendar.invalid-argument';

/** Base error of the calendar module; `issues` lists every problem found when there are several. */
export class CalendarError extends Error {
  readonly code: CalendarErrorCode;
  readonly issues: readonly string[];

  constructor(code: CalendarErrorCode, message: string, options?: { issues?: readonly string[]; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CalendarError';
    this.code = code;
    this.issues = options?.issues ?? [message];
  }
}

/** Type guard on the error's `code`, so callers need not depend on the class identity. */
export function isCalendarError(error: unknown): error is CalendarError {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('calendar.');
}
