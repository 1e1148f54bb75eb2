import { histogramTotals, percentileOfHistogram, ratio } from '../../../engine/stats/index.ts';
import type { Executor } from '../../storage/database.ts';
import { emptySums, itemTableSums, overdueNow, rollupAnswers, rollupSums, type GroupBy, type GroupSums, type MeasureFilter } from './group-sums.ts';

/** Alert levels reported by name; any other level is counted under `other`. */
export const CARD_LEVELS = { reminder: 'reminder', yellowCard: 'yellow-card', redCard: 'red-card', stepOverdue: 'step-overdue' } as const;

/** The figures supervisors compare (definitions in docs/statistics.md). Plain JSON. */
export interface Measures {
  /** Applications received (instances started) in the period. */
  received: number;
  /** Accepted in the period (受理), including deemed acceptance and decisions on the spot. */
  accepted: number;
  /** Refused acceptance (不予受理) in the period. */
  notAccepted: number;
  /** Denied (不予许可) — ended denied in the period. */
  denied: number;
  /** `notAccepted + denied`. */
  refused: number;
  /** Withdrawn by the applicant in the period. */
  withdrawn: number;
  /** Completed (办结: granted or denied, delivered) in the period. */
  completed: number;
  /** `completed / accepted` of the period; null when nothing was accepted. */
  completionRate: number | null;
  /** Completed cases whose limit clock stopped by its due instant (or never had to run). */
  onTime: { promised: number; statutory: number };
  /** `onTime / completed`; null when nothing was completed. */
  onTimeRate: { promised: number | null; statutory: number | null };
  /** Working days from acceptance to completion, pauses excluded, over cases completed in the period. */
  durationWd: { average: number | null; p90: number | null };
  /** Time excluded by pauses (行政许可法 Art. 45) in cases completed in the period. */
  paused: { cases: number; workingDays: number };
  /** Open cases whose running clock is past due at `asOf`; null when the grouping is by month. */
  overdueNow: { promised: number; statutory: number } | null;
  /** Alerts raised in the period, by level. */
  cards: { reminder: number; yellowCard: number; redCard: number; stepOverdue: number; other: Record<string, number> };
}

export type { GroupBy, MeasureFilter } from './group-sums.ts';

/**
 * The measures of `filter` for each grouping asked for: per grouping, one entry per key with any
 * activity (`total` always has its one entry, `'total'`). Without an item filter or a grouping by
 * item, one statement reads the department roll-ups; otherwise one statement per per-item table
 * with `grouping sets`. "Overdue now" is one more statement over the partial indexes of running
 * clocks. Never a scan of all instances.
 */
export async function measuresFor(executor: Executor, filter: MeasureFilter, groups: readonly GroupBy[]): Promise<Map<GroupBy, Map<string, Measures>>> {
  const [sums, overdue] = await Promise.all([
    rollupAnswers(filter, groups) ? rollupSums(executor, filter, groups) : itemTableSums(executor, filter, groups),
    overdueNow(executor, filter, groups),
  ]);
  const out = new Map<GroupBy, Map<string, Measures>>();
  for (const group of groups) {
    const mine = sums.get(group) ?? new Map<string, GroupSums>();
    const due = overdue.get(group) ?? new Map<string, { promised: number; statutory: number }>();
    const keys = new Set<string>([...mine.keys(), ...due.keys()]);
    if (group === 'total') keys.add('total');
    const measures = new Map<string, Measures>();
    for (const key of [...keys].sort()) {
      const overdueNow = group === 'month' ? null : (due.get(key) ?? { promised: 0, statutory: 0 });
      measures.set(key, buildMeasures(mine.get(key) ?? emptySums(), overdueNow));
    }
    out.set(group, measures);
  }
  return out;
}

/** The measures of `filter` for one grouping (see `measuresFor`). */
export async function measuresBy(executor: Executor, filter: MeasureFilter, group: GroupBy): Promise<Map<string, Measures>> {
  return (await measuresFor(executor, filter, [group])).get(group) as Map<string, Measures>;
}

/** Measures from a group's summed counters, duration histogram and alert counts. Pure. */
function buildMeasures({ counters: d, durations, alerts }: GroupSums, overdueNow: Measures['overdueNow']): Measures {
  const durationHistogram = [...durations];
  const { count, sum } = histogramTotals(durationHistogram);
  const named = new Set<string>(Object.values(CARD_LEVELS));
  const other: Record<string, number> = {};
  for (const [level, n] of [...alerts].sort(([a], [b]) => a.localeCompare(b))) if (!named.has(level)) other[level] = n;
  return {
    received: d.received,
    accepted: d.accepted,
    notAccepted: d.not_accepted,
    denied: d.denied,
    refused: d.not_accepted + d.denied,
    withdrawn: d.withdrawn,
    completed: d.completed,
    completionRate: ratio(d.completed, d.accepted),
    onTime: { promised: d.promised_met, statutory: d.statutory_met },
    onTimeRate: { promised: ratio(d.promised_met, d.completed), statutory: ratio(d.statutory_met, d.completed) },
    durationWd: { average: count === 0 ? null : sum / count, p90: percentileOfHistogram(durationHistogram, 0.9) },
    paused: { cases: d.paused_cases, workingDays: d.paused_wd },
    overdueNow,
    cards: {
      reminder: alerts.get(CARD_LEVELS.reminder) ?? 0,
      yellowCard: alerts.get(CARD_LEVELS.yellowCard) ?? 0,
      redCard: alerts.get(CARD_LEVELS.redCard) ?? 0,
      stepOverdue: alerts.get(CARD_LEVELS.stepOverdue) ?? 0,
      other,
    },
  };
}
