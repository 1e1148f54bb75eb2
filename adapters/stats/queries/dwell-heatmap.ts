import { sql } from 'kysely';
import type { Text } from '../../../engine/index.ts';
import { histogramTotals, percentileOfHistogram } from '../../../engine/stats/index.ts';
import type { Executor } from '../../storage/database.ts';
import { checkId, checkPeriod, StatsQueryError, statsSnapshot } from './stats-query.ts';
import { stateTitles } from './titles.ts';

export interface DwellHeatmapInput {
  /** Definition id. */
  definition: string;
  from: string;
  to: string;
  /** Column width of the heat map. Default `month`. */
  bucket?: 'month' | 'week';
}

/** Time cases spent in one state, over the exits from it in a period. */
export interface DwellFigures {
  /** Exits from the state. */
  count: number;
  averageHours: number | null;
  averageWd: number | null;
  p90Wd: number | null;
}

export interface DwellHeatmap {
  definition: string;
  title: Text | null;
  period: { from: string; to: string };
  bucket: 'month' | 'week';
  /** Column labels: `YYYY-MM`, or ISO weeks `YYYY-Www`. */
  columns: string[];
  /** One row per state cases left in the period, slowest (p90) first, with the cases waiting there now. */
  states: Array<{ state: string; title: Text | null; waitingNow: number } & DwellFigures>;
  cells: Array<{ state: string; column: string } & DwellFigures>;
}

function figures(rows: ReadonlyArray<{ wd: number; n: number; ms: number }>): DwellFigures {
  const hist = rows.map((r) => [r.wd, r.n] as const);
  const { count, sum } = histogramTotals(hist);
  const ms = rows.reduce((total, r) => total + r.ms, 0);
  return {
    count,
    averageHours: count === 0 ? null : ms / count / 3_600_000,
    averageWd: count === 0 ? null : sum / count,
    p90Wd: percentileOfHistogram(hist, 0.9),
  };
}

/**
 * Where cases of one definition wait: per leaf state, how many left it in the period and how
 * long they had stayed (natural hours; working days with the p90), per month or week, plus how
 * many are in it now.
 * @throws StatsQueryError on invalid input.
 */
export async function dwellHeatmap(executor: Executor, input: DwellHeatmapInput): Promise<DwellHeatmap> {
  const period = checkPeriod({ from: input.from, to: input.to });
  const definition = checkId('definition', input.definition);
  const bucket = input.bucket ?? 'month';
  if (bucket !== 'month' && bucket !== 'week') throw new StatsQueryError('bucket', `bucket 只能是 month 或 week, got ${String(bucket)}`);
  const column = bucket === 'month' ? sql<string>`to_char(d.day, 'YYYY-MM')` : sql<string>`to_char(d.day, 'IYYY-"W"IW')`;
  return statsSnapshot(executor, async (executor) => {
    const { rows } = await sql<{ state: string; col: string; wd: number; n: number; ms: number }>`
      select d.state, ${column} as col, d.wd, cast(sum(d.n) as int) as n, cast(sum(d.ms) as float8) as ms
      from stats_dwell_daily d
      where d.definition_id = ${definition} and d.day between cast(${period.from} as date) and cast(${period.to} as date)
      group by 1, 2, 3`.execute(executor);
    const waiting = await sql<{ state: string; n: number }>`
      select state, cast(count(*) as int) as n from stats_instances
      where definition_id = ${definition} and ended_at is null group by state`.execute(executor);
    const waitingNow = new Map<string, number>();
    for (const r of waiting.rows) for (const leaf of r.state.split(',')) if (leaf) waitingNow.set(leaf, (waitingNow.get(leaf) ?? 0) + r.n);
    const { title, states: titles } = await stateTitles(executor, definition);

    const names = [...new Set([...rows.map((r) => r.state), ...waitingNow.keys()])];
    const columns = [...new Set(rows.map((r) => r.col))].sort();
    const states = names
      .map((state) => ({ state, title: titles.get(state) ?? null, waitingNow: waitingNow.get(state) ?? 0, ...figures(rows.filter((r) => r.state === state)) }))
      .sort((a, b) => (b.p90Wd ?? -1) - (a.p90Wd ?? -1) || b.count - a.count || a.state.localeCompare(b.state));
    const cells = states.flatMap(({ state }) =>
      columns.flatMap((col) => {
        const here = rows.filter((r) => r.state === state && r.col === col);
        return here.length > 0 ? [{ state, column: col, ...figures(here) }] : [];
      }),
    );
    return { definition, title, period: { from: period.from, to: period.to }, bucket, columns, states, cells };
  });
}
