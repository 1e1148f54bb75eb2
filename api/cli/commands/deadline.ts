import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import {
  addPeriod,
  countNaturalDays,
  countWorkingDays,
  describeDuration,
  formatInstant,
  holidaysBetween,
  isCalendarError,
  parseDuration,
  parseInstant,
  toLocalDate,
  weekdayOf,
  type Calendar,
  type DeadlineResult,
  type Duration,
} from '../../../engine/calendar/index.ts';

const WEEKDAYS = ['星期日 Sunday', '星期一 Monday', '星期二 Tuesday', '星期三 Wednesday', '星期四 Thursday', '星期五 Friday', '星期六 Saturday'];

interface DeadlineOptions {
  from?: string;
  limit?: string;
  calendar: string;
  officeClose?: boolean;
  json?: boolean;
}

/** `processes/calendars/` of this repository, unless `GOVFLOW_CALENDARS_DIR` names another directory. */
function calendarsDir(): string {
  const override = process.env['GOVFLOW_CALENDARS_DIR'];
  return override && override.length > 0 ? override : fileURLToPath(new URL('../../../processes/calendars/', import.meta.url));
}

function humanReport(calendar: Calendar, from: number, period: Duration, result: DeadlineResult): string {
  const startDate = toLocalDate(from);
  const lines = [
    `期限 period:           ${describeDuration(period)}`,
    `起算 from:             ${formatInstant(from)}（起算日不计入 the start day is not counted）`,
    `到期 due:              ${formatInstant(result.due)}`,
    `到期日 due date:       ${result.dueDate} ${WEEKDAYS[weekdayOf(result.dueDate)] ?? ''}`,
    `日历 calendar:         ${calendar.id} ${calendar.title.zh}${calendar.title.en ? ` (${calendar.title.en})` : ''}, ` +
      `${calendar.coverage.from} – ${calendar.coverage.to}`,
  ];
  if (period.unit === 'h' || period.unit === 'min') {
    lines.push('计算方式 method:       按实际经过时间，不跳过节假日 exact elapsed time; holidays are not skipped');
  } else {
    const working = countWorkingDays(calendar, startDate, result.dueDate).days;
    const natural = countNaturalDays(startDate, result.dueDate);
    lines.push(`计入工作日 working days counted: ${working}（自然日 natural days: ${natural}）`);
    const spans = holidaysBetween(calendar, startDate, result.dueDate);
    lines.push(`跳过的节假日 holidays skipped:${spans.length === 0 ? ' 无 none' : ''}`);
    for (const span of spans) {
      const range = span.from === span.to ? span.from : `${span.from} 至 to ${span.to}`;
      lines.push(`  ${range}  ${span.name.zh}${span.name.en ? ` ${span.name.en}` : ''}（其中工作日 weekdays: ${span.weekdays}）`);
    }
  }
  const years = new Set([startDate.slice(0, 4), result.dueDate.slice(0, 4)].map(Number));
  for (const source of calendar.sources ?? []) {
    if (source.year < Math.min(...years) || source.year > Math.max(...years)) continue;
    const details = [source.documentNumber, source.issued].filter(Boolean).join(', ');
    lines.push(`依据 source:           ${source.title}${details ? `（${details}）` : ''}`);
  }
  for (const warning of result.warnings) lines.push(`⚠ ${warning}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `govflow deadline --from <date|date-time> --limit <N><unit> [--calendar <id>] [--office-close] [--json]`:
 * prints when a period ends. Bad input goes to stderr with what is allowed, exit code 2.
 */
export function registerDeadlineCommand(program: Command): void {
  const command = program
    .command('deadline')
    .description('计算期限到期时间 compute when a statutory period ends (Asia/Shanghai, statutory holidays)')
    .option('--from <instant>', '起算时间 start: YYYY-MM-DD (00:00 +08:00) or ISO 8601 date-time with offset')
    .option('--limit <period>', '期限 period: <N><unit>, unit wd (工作日) | d (自然日) | h (小时) | min (分钟)')
    .option('--calendar <id>', '日历 calendar id', 'cn-mainland')
    .option('--office-close', '以下班时间截止 end at the calendar\'s close of business instead of 24:00')
    .option('--json', '输出一个 JSON 对象 print one JSON object');
  // Usage errors exit 2 like every other bad-input path of the CLI (commander's own default is 1).
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  const usage = (message: string): never => command.error(message, { exitCode: 2, code: 'govflow.deadline.usage' });

  command.action((options: DeadlineOptions) => {
    if (options.from === undefined) {
      usage('缺少起算时间 missing --from: give YYYY-MM-DD or an ISO 8601 date-time with offset, e.g. --from 2026-09-28');
    }
    if (options.limit === undefined) {
      usage('缺少期限 missing --limit: give <N><unit> with unit wd, d, h or min, e.g. --limit 20wd');
    }
    const parse = <T>(flag: string, read: () => T): T => {
      try {
        return read();
      } catch (error) {
        if (isCalendarError(error)) return usage(`${flag}: ${error.message}`);
        throw error;
      }
    };
    const from = parse('--from', () => parseInstant(options.from ?? ''));
    const period = parse('--limit', () => parseDuration(options.limit ?? ''));
    const calendars = loadCalendarsFromDir(calendarsDir());
    const calendar = calendars.get(options.calendar);
    if (!calendar) {
      const known = [...calendars.keys()].sort().join(', ') || '(none)';
      usage(`未知日历 unknown calendar '${options.calendar}'; known: ${known}`);
      return;
    }
    const result = addPeriod(calendar, from, period, { endAt: options.officeClose ? 'office-close' : 'midnight' });
    if (options.json) {
      const { due, provisional, dueDate, warnings } = result;
      process.stdout.write(`${JSON.stringify({ due: formatInstant(due), provisional, dueDate, calendar: calendar.id, warnings })}\n`);
    } else {
      process.stdout.write(humanReport(calendar, from, period, result));
    }
  });
}
