/** A calendar date in the calendar's own time zone (Asia/Shanghai), `YYYY-MM-DD`. */
export type LocalDate = string;

/** Units a period can be written in: working days, natural days, hours, minutes. */
export type DurationUnit = 'wd' | 'd' | 'h' | 'min';

export interface Duration {
  amount: number;
  unit: DurationUnit;
}

/** A name in Chinese first, English alongside. */
export interface LocalizedText {
  zh: string;
  en?: string;
}

/** Where one year of a calendar's data comes from (e.g. the State Council's annual notice). */
export interface CalendarSource {
  /** The calendar id whose file named this source (an overlay lists its own and its base's). */
  calendar: string;
  year: number;
  title: string;
  issuer?: string;
  documentNumber?: string;
  issued?: LocalDate;
  url?: string;
  note?: string;
}

/** One region's working-day calendar, already merged with its overlays. */
export interface Calendar {
  id: string;
  title: { zh: string; en?: string };
  /** First and last day for which holiday data is known (inclusive). */
  coverage: { from: LocalDate; to: LocalDate };
  /** Close of business, `HH:MM`, for periods that end at office close rather than 24:00. */
  officeClose?: string;
  /** True when `date` is a working day: a weekday that is not a holiday, or a make-up workday. */
  isWorkingDay(date: LocalDate): boolean;
  /** The holiday's name when `date` is a statutory holiday. */
  holidayName(date: LocalDate): string | undefined;
  /** The holiday's name in Chinese and English, when the calendar knows both. */
  holidayTitle?(date: LocalDate): LocalizedText | undefined;
  /** True when some of the data is an illustrative example rather than an official notice. */
  illustrative?: boolean;
  /** The documents the data was taken from, one per file. */
  sources?: readonly CalendarSource[];
}

export interface DeadlineResult {
  /**
   * The instant the period ends, epoch milliseconds: the last millisecond of its last day
   * (23:59:59.999+08:00), or the office-close instant of that day when asked for and declared.
   * For `h`/`min` periods, exactly `from` plus the period.
   */
  due: number;
  /** Last counted day of the period, in Asia/Shanghai. */
  dueDate: LocalDate;
  /** True when any day counted lies outside the calendar's coverage (computed on weekends alone). */
  provisional: boolean;
  warnings: string[];
}
