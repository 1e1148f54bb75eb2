import { departmentRanking, isStatsQueryError, type DepartmentRanking, type RankingMeasure } from '../../../adapters/stats/queries/index.ts';
import { addDays, toLocalDate } from '../../../engine/calendar/index.ts';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError } from '../api-error.ts';
import { caseScopeOf } from '../auth/policy.ts';
import type { StaffPrincipal } from '../auth/principal.ts';

const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', format: 'date' } as const;

/** Query properties of a statistics period, Asia/Shanghai days. */
export const periodProperties = {
  from: { ...DAY, description: '起始日（含，北京时间）；默认截止日前 89 天 first day, inclusive (Asia/Shanghai); default 89 days before `to`' },
  to: { ...DAY, description: '截止日（含）；默认今天 last day, inclusive; default today' },
};

export type PeriodQuery = { from?: string; to?: string };

const DEFAULT_PERIOD_DAYS = 90;

/** The period asked for, or the last 90 days up to today (Asia/Shanghai). */
export function periodOf(query: PeriodQuery, now: number): { from: string; to: string } {
  const to = query.to ?? toLocalDate(now);
  return { from: query.from ?? addDays(to, -(DEFAULT_PERIOD_DAYS - 1)), to };
}

/** Runs a statistics query; its input errors become the API's 400. */
export async function statsQuery<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isStatsQueryError(error)) throw new ApiError('VALIDATION_FAILED', error.message, [{ path: `/${error.field}`, message: error.message }], { cause: error });
    throw error;
  }
}

/**
 * Every department of the principal's region side by side for a period, from the statistics
 * projections (`departmentRanking`); a department's own staff get only their department's row,
 * ranked among all.
 */
export async function departmentsInScope(deps: ApiDeps, principal: StaffPrincipal, query: PeriodQuery & { orderBy?: RankingMeasure }): Promise<DepartmentRanking> {
  const now = deps.clock.now();
  const ranking = await statsQuery(() =>
    departmentRanking(deps.db, { ...periodOf(query, now), region: principal.region, asOf: now, ...(query.orderBy ? { orderBy: query.orderBy } : {}) }),
  );
  const scope = caseScopeOf(principal);
  return scope.kind === 'department' ? { ...ranking, departments: ranking.departments.filter((d) => d.department === principal.department) } : ranking;
}
