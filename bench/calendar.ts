/**
 * Calendar arithmetic benchmark: engine/calendar beside a day-by-day walk (the algorithm the module used
 * before its working-day table), on the same inputs in the same run. Both are checked to agree first.
 * Usage: npx tsx bench/calendar.ts [--runs 5] [--ms 300]
 */
import { join } from 'node:path';
import { loadCalendarsFromDir } from '../adapters/calendar-files.ts';
import {
  addDays,
  addPeriod,
  countNaturalDays,
  countWorkingDays,
  elapsedInUnit,
  endOfLocalDay,
  isCovered,
  parseInstant,
  subtractWorkingDays,
  toLocalDate,
  weekdayOf,
  type Calendar,
  type LocalDate,
} from '../engine/calendar/index.ts';
import { median, report } from './report.ts';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]]));
const RUNS = Number(args.get('--runs') ?? 5);
const BUDGET_MS = Number(args.get('--ms') ?? 300);
const calendar = loadCalendarsFromDir(join(import.meta.dirname, '../processes/calendars')).get('cn-mainland');
if (!calendar) throw new Error('calendar cn-mainland missing');

// ---- the day walk: one string date per day, validated and parsed again at every step ----------------
interface Due {
  due: number;
  dueDate: LocalDate;
  provisional: boolean;
}

function walker(cal: Calendar): { working(date: LocalDate): boolean; first: () => LocalDate | undefined } {
  let first: LocalDate | undefined;
  return {
    working(date) {
      if (isCovered(cal, date)) return cal.isWorkingDay(date);
      first ??= date;
      const weekday = weekdayOf(date);
      return weekday !== 0 && weekday !== 6;
    },
    first: () => first,
  };
}

function walkAddWd(cal: Calendar, from: number, n: number): Due {
  const probe = walker(cal);
  let date = toLocalDate(from);
  for (let counted = 0; counted < n; ) {
    date = addDays(date, 1);
    if (probe.working(date)) counted++;
  }
  const first = probe.first();
  // The old code built its zh + en warning here; keep that cost in.
  const warnings = first === undefined ? [] : [`临时结果 ${cal.id} ${cal.coverage.from} ${cal.coverage.to} ${first} Provisional`];
  return { due: endOfLocalDay(date), dueDate: date, provisional: warnings.length > 0 };
}

function walkCount(cal: Calendar, fromExclusive: LocalDate, toInclusive: LocalDate): { days: number; provisional: boolean } {
  const probe = walker(cal);
  const span = countNaturalDays(fromExclusive, toInclusive);
  let days = 0;
  for (let i = 1, date = fromExclusive; i <= span; i++) {
    date = addDays(date, 1);
    if (probe.working(date)) days++;
  }
  return { days, provisional: probe.first() !== undefined };
}

function walkSubtract(cal: Calendar, date: LocalDate, n: number): { date: LocalDate; provisional: boolean } {
  const probe = walker(cal);
  let result = addDays(date, 0);
  for (let counted = 0; counted < n; ) {
    result = addDays(result, -1);
    if (probe.working(result)) counted++;
  }
  return { date: result, provisional: probe.first() !== undefined };
}

function walkElapsedWd(cal: Calendar, from: number, to: number): { amount: number; provisional: boolean } {
  if (to <= from) return { amount: 0, provisional: false };
  const { days, provisional } = walkCount(cal, toLocalDate(from), toLocalDate(to));
  return { amount: days, provisional };
}

// ---- inputs: every day of the data's two years, 09:30 Beijing time ---------------------------------
const DAY = 86_400_000;
const starts: number[] = [];
for (let t = parseInstant('2025-01-01T09:30:00+08:00'); t < parseInstant('2027-01-01'); t += DAY) starts.push(t);
const dates = starts.map(toLocalDate);
const yearLater = dates.map((date) => addDays(date, 365));

interface Case {
  name: string;
  walk: (i: number) => unknown;
  engine: (i: number) => unknown;
}

const pick = (result: Due): Due => ({ due: result.due, dueDate: result.dueDate, provisional: result.provisional });
const CASES: Case[] = [
  {
    name: 'addPeriod 20wd',
    walk: (i) => walkAddWd(calendar, starts[i]!, 20),
    engine: (i) => pick(addPeriod(calendar, starts[i]!, { amount: 20, unit: 'wd' })),
  },
  {
    name: 'addPeriod 2000wd (far past the data)',
    walk: (i) => walkAddWd(calendar, starts[i]!, 2000),
    engine: (i) => pick(addPeriod(calendar, starts[i]!, { amount: 2000, unit: 'wd' })),
  },
  {
    name: 'countWorkingDays over a year',
    walk: (i) => walkCount(calendar, dates[i]!, yearLater[i]!),
    engine: (i) => countWorkingDays(calendar, dates[i]!, yearLater[i]!),
  },
  {
    name: 'subtractWorkingDays 1',
    walk: (i) => walkSubtract(calendar, dates[i]!, 1),
    engine: (i) => subtractWorkingDays(calendar, dates[i]!, 1),
  },
  {
    name: 'elapsedInUnit wd over 30 days',
    walk: (i) => walkElapsedWd(calendar, starts[i]!, starts[i]! + 30 * DAY),
    engine: (i) => elapsedInUnit(calendar, starts[i]!, starts[i]! + 30 * DAY, 'wd'),
  },
];

for (const c of CASES) {
  for (let i = 0; i < starts.length; i++) {
    const [walked, fast] = [JSON.stringify(c.walk(i)), JSON.stringify(c.engine(i))];
    if (walked !== fast) throw new Error(`${c.name} #${i} (${dates[i]}): day walk ${walked}, engine ${fast}`);
  }
}

let sink = 0;
/** Calls per second of `fn` over the inputs, for about BUDGET_MS. */
function opsPerSecond(fn: (i: number) => unknown): number {
  let calls = 0;
  const t = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < starts.length; i++) if (fn(i) !== undefined) sink++;
    calls += starts.length;
    elapsed = performance.now() - t;
  } while (elapsed < BUDGET_MS);
  return calls / (elapsed / 1000);
}

const rows: Array<{ name: string; values: number[] }> = [];
for (const c of CASES) {
  opsPerSecond(c.walk);
  opsPerSecond(c.engine);
  const walked: number[] = [];
  const fast: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    walked.push(opsPerSecond(c.walk));
    fast.push(opsPerSecond(c.engine));
  }
  rows.push({ name: `${c.name} — day walk (ops/s)`, values: walked }, { name: `${c.name} — engine/calendar (ops/s)`, values: fast });
}
report(`calendar arithmetic, cn-mainland, ${starts.length} start days, ${RUNS} runs of ~${BUDGET_MS} ms`, rows);
for (let i = 0; i < rows.length; i += 2) {
  const [walked, fast] = [rows[i]!, rows[i + 1]!];
  console.log(`speed-up ${CASES[i / 2]!.name}: ${(median(fast.values) / median(walked.values)).toFixed(1)}×`);
}
if (sink === 0) console.log('(no results)');
