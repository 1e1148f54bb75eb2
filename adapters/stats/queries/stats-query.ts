import { sql, type RawBuilder } from 'kysely';
import { addDays } from '../../../engine/calendar/index.ts';
import { regionCondition, REGION_PATTERN } from '../../queries/region-scope.ts';
import type { Executor } from '../../storage/database.ts';

/** Why a statistics query was refused. */
export type StatsQueryErrorCode = 'STATS_INVALID_QUERY';

/** A statistics query with invalid input; `field` names the offending parameter. */
export class StatsQueryError extends Error {
  readonly code: StatsQueryErrorCode = 'STATS_INVALID_QUERY';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'StatsQueryError';
  }
}

/** Type guard on the stable code. */
export function isStatsQueryError(error: unknown): error is StatsQueryError {
  return error instanceof StatsQueryError;
}

/** A period of Asia/Shanghai days, both ends included, and optional filters. */
export interface StatsPeriod {
  /** First day, `YYYY-MM-DD`. */
  from: string;
  /** Last day, `YYYY-MM-DD` (included). */
  to: string;
  /** Region scope: a division code covers its subdivisions (`520000` the whole province). */
  region?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[a-z0-9][a-z0-9-]{0,99}$/;
const MAX_DAYS = 3660;

/**
 * Checks a period and returns it unchanged. Pure.
 * @throws StatsQueryError when a date is malformed, `from` is after `to`, the period exceeds ten
 *   years, or the region is not a region id.
 */
export function checkPeriod<T extends StatsPeriod>(input: T): T {
  for (const field of ['from', 'to'] as const) {
    const value = input[field];
    if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      throw new StatsQueryError(field, `日期格式应为 YYYY-MM-DD ${field} must be a date YYYY-MM-DD, got ${String(value)}`);
    }
  }
  const days = (Date.parse(`${input.to}T00:00:00Z`) - Date.parse(`${input.from}T00:00:00Z`)) / 86_400_000;
  if (days < 0) throw new StatsQueryError('from', `起始日期晚于结束日期 from ${input.from} is after to ${input.to}`);
  if (days > MAX_DAYS) throw new StatsQueryError('to', `统计期间不得超过十年 the period may span at most ten years`);
  if (input.region !== undefined && !REGION_PATTERN.test(input.region)) {
    throw new StatsQueryError('region', `地区编码无效 invalid region ${input.region}`);
  }
  return input;
}

/** Checks a department or item id (kebab-case). @throws StatsQueryError. */
export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new StatsQueryError(field, `编号无效 invalid ${field}: ${String(value)}`);
  return value;
}

/** `asOf` as epoch ms: the given instant, else now. @throws StatsQueryError on a non-finite instant. */
export function asOfInstant(asOf: number | undefined, now: () => number = Date.now): number {
  const at = asOf ?? now();
  if (!Number.isFinite(at)) throw new StatsQueryError('asOf', `时间无效 invalid asOf ${String(asOf)}`);
  return at;
}

/** `day between from and to` plus the region scope, on a table aliased `alias`. */
export function periodCondition(period: StatsPeriod, alias: string): RawBuilder<boolean> {
  const region = period.region !== undefined ? regionCondition(`${alias}.region`, period.region) : sql<boolean>`true`;
  return sql<boolean>`${sql.ref(`${alias}.day`)} between cast(${period.from} as date) and cast(${period.to} as date) and ${region}`;
}

/** The region scope alone (for "overdue now", which has no period). */
export function regionOnly(region: string | undefined, alias: string): RawBuilder<boolean> {
  return region !== undefined ? regionCondition(`${alias}.region`, region) : sql<boolean>`true`;
}

/** Whole months inside a period (first days, inclusive) and the leftover day ranges at its ends. Pure. */
export function splitPeriod(from: string, to: string): { months?: [string, string]; days: Array<[string, string]> } {
  const monthStart = (d: string) => `${d.slice(0, 7)}-01`;
  const nextMonth = (d: string) => {
    const [y, m] = [Number(d.slice(0, 4)), Number(d.slice(5, 7))];
    return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  };
  const firstFull = from.endsWith('-01') ? from : nextMonth(from);
  // The last month whose last day is on or before `to`.
  const lastFull = addDays(nextMonth(to), -1) === to ? monthStart(to) : addDays(monthStart(to), -1).slice(0, 7) + '-01';
  if (firstFull > lastFull) return { days: [[from, to]] };
  const days: Array<[string, string]> = [];
  if (from < firstFull) days.push([from, addDays(firstFull, -1)]);
  const afterLast = nextMonth(lastFull);
  if (afterLast <= to) days.push([afterLast, to]);
  return { months: [firstFull, lastFull], days };
}

/**
 * The rows of a period from a daily aggregate table and its monthly roll-up: whole months from
 * the roll-up (their `day` is the month's first day), the partial months at the ends from the
 * daily table. Both tables have the same columns.
 */
export function periodRows(daily: string, monthly: string, period: { from: string; to: string }): RawBuilder<unknown> {
  const { months, days } = splitPeriod(period.from, period.to);
  const parts: RawBuilder<unknown>[] = [];
  if (months) parts.push(sql`select * from ${sql.table(monthly)} where day between cast(${months[0]} as date) and cast(${months[1]} as date)`);
  for (const [a, b] of days) parts.push(sql`select * from ${sql.table(daily)} where day between cast(${a} as date) and cast(${b} as date)`);
  return sql`(${sql.join(parts, sql` union all `)})`;
}

/**
 * Runs the statements of one statistics answer in one read-only snapshot (repeatable read), so
 * counters, histograms and "overdue now" agree even while the projector commits, and with
 * parallel workers off: each statement reads at most a few thousand rows through an index, and
 * starting workers costs more than that. Inside a caller's transaction, runs there as it is.
 */
export function statsSnapshot<T>(executor: Executor, run: (executor: Executor) => Promise<T>): Promise<T> {
  if (executor.isTransaction) return run(executor);
  return executor
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
      return run(trx);
    });
}
