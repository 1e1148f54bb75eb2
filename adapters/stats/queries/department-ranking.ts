import type { Executor } from '../../storage/database.ts';
import { measuresBy, type Measures } from './measures.ts';
import { asOfInstant, checkPeriod, StatsQueryError, statsSnapshot, type StatsPeriod } from './stats-query.ts';

/** Measures departments are ranked on, and whether more is better. */
export const RANKING_MEASURES = {
  completionRate: 'higher',
  'onTimeRate.promised': 'higher',
  'onTimeRate.statutory': 'higher',
  'durationWd.average': 'lower',
  'durationWd.p90': 'lower',
  'overdueNow.statutory': 'lower',
  'cards.redCard': 'lower',
  received: 'higher',
  completed: 'higher',
} as const;

export type RankingMeasure = keyof typeof RANKING_MEASURES;

export interface DepartmentRankingInput extends StatsPeriod {
  asOf?: number;
  /** Measure the list is ordered by. Default `onTimeRate.promised`. */
  orderBy?: RankingMeasure;
}

export interface RankedDepartment extends Measures {
  department: string;
  /** Rank on `orderBy` (1 = best; equal values share a rank); null when the department has no value. */
  rank: number | null;
  /** Rank on every ranking measure. */
  ranks: Record<RankingMeasure, number | null>;
}

export interface DepartmentRanking {
  period: { from: string; to: string };
  region: string | null;
  asOf: string;
  orderBy: RankingMeasure;
  departments: RankedDepartment[];
}

/** The value of a ranking measure, or null. Pure. */
function measureValue(m: Measures, measure: RankingMeasure): number | null {
  switch (measure) {
    case 'completionRate':
      return m.completionRate;
    case 'onTimeRate.promised':
      return m.onTimeRate.promised;
    case 'onTimeRate.statutory':
      return m.onTimeRate.statutory;
    case 'durationWd.average':
      return m.durationWd.average;
    case 'durationWd.p90':
      return m.durationWd.p90;
    case 'overdueNow.statutory':
      return m.overdueNow?.statutory ?? null;
    case 'cards.redCard':
      return m.cards.redCard;
    case 'received':
      return m.received;
    case 'completed':
      return m.completed;
  }
}

/** Competition ranks (1, 2, 2, 4) of the values; null values get no rank. Pure. */
export function competitionRanks(values: ReadonlyArray<number | null>, better: 'higher' | 'lower'): Array<number | null> {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => (better === 'higher' ? b - a : a - b));
  return values.map((v) => (v === null ? null : present.findIndex((p) => p === v) + 1));
}

/**
 * Every department side by side on the same measures for a period, each ranked on every
 * ranking measure and the list ordered by `orderBy` (departments without a value last, then by id).
 * @throws StatsQueryError on invalid input or an unknown `orderBy`.
 */
export async function departmentRanking(executor: Executor, input: DepartmentRankingInput): Promise<DepartmentRanking> {
  const period = checkPeriod(input);
  const orderBy = input.orderBy ?? 'onTimeRate.promised';
  if (!(orderBy in RANKING_MEASURES)) {
    throw new StatsQueryError('orderBy', `未知的排名指标 unknown orderBy ${String(orderBy)}; known: ${Object.keys(RANKING_MEASURES).join(', ')}`);
  }
  const asOf = asOfInstant(input.asOf);
  const byDepartment = [...(await statsSnapshot(executor, (ex) => measuresBy(ex, { ...period, asOf }, 'department')))];
  const ranks = new Map<RankingMeasure, Array<number | null>>();
  for (const [measure, better] of Object.entries(RANKING_MEASURES) as Array<[RankingMeasure, 'higher' | 'lower']>) {
    ranks.set(measure, competitionRanks(byDepartment.map(([, m]) => measureValue(m, measure)), better));
  }
  const departments = byDepartment.map(([department, m], i) => {
    const own = Object.fromEntries([...ranks].map(([measure, list]) => [measure, list[i] ?? null])) as Record<RankingMeasure, number | null>;
    return { department, ...m, rank: own[orderBy], ranks: own };
  });
  departments.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.department.localeCompare(b.department));
  return { period: { from: period.from, to: period.to }, region: period.region ?? null, asOf: new Date(asOf).toISOString(), orderBy, departments };
}
