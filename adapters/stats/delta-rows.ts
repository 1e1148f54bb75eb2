import type { DailyCounter, DailyKey, StatsDelta } from '../../engine/stats/index.ts';

/** Column of `stats_daily` for each counter. */
const DAILY_COLUMNS: Readonly<Record<DailyCounter, string>> = {
  received: 'received',
  accepted: 'accepted',
  notAccepted: 'not_accepted',
  denied: 'denied',
  withdrawn: 'withdrawn',
  completed: 'completed',
  promisedMet: 'promised_met',
  statutoryMet: 'statutory_met',
  pausedCases: 'paused_cases',
  pausedWd: 'paused_wd',
};

type DailyRow = { department: string; day: string; definition_id: string; region: string } & Record<string, string | number>;

/** Region of the department roll-up rows that sum every region (never a region id). */
export const ALL_REGIONS = '*';

/** A row of a department roll-up: the counters summed over items, durations and alerts as count objects. */
export type DepartmentRow = { department: string; day: string; region: string; durations: Record<string, number>; alerts: Record<string, number> } & Record<
  string,
  string | number | Record<string, number>
>;

/** The rows of one projection batch, each key once, ready for `insert … on conflict do update`. */
export interface DeltaRows {
  daily: DailyRow[];
  duration: Array<{ department: string; day: string; definition_id: string; region: string; wd: number; n: number }>;
  alert: Array<{ department: string; day: string; definition_id: string; region: string; level: string; n: number }>;
  /** The same three, keyed by the first day of the month. */
  monthly: DailyRow[];
  durationMonthly: DeltaRows['duration'];
  alertMonthly: DeltaRows['alert'];
  /** Everything of the three above summed over items, by day and by month. */
  departmentDaily: DepartmentRow[];
  departmentMonthly: DepartmentRow[];
  dwell: Array<{ definition_id: string; state: string; day: string; wd: number; n: number; ms: number }>;
  interval: Array<{ department: string; day: string; definition_id: string; region: string; interval: string; value: number; n: number }>;
}

const keyText = (k: DailyKey) => `${k.department}\u0000${k.day}\u0000${k.definitionId}\u0000${k.region}`;
const keyColumns = (k: DailyKey) => ({ department: k.department, day: k.day, definition_id: k.definitionId, region: k.region });

/**
 * Sums deltas by table key, so one statement per table applies a whole batch (PostgreSQL refuses
 * to update one row twice in a single `on conflict` statement). Pure.
 */
export function sumDeltas(deltas: Iterable<StatsDelta>): DeltaRows {
  const list = [...deltas];
  const months = list.map(toMonth);
  const daily = sumByDay(list);
  const monthly = sumByDay(months);
  return {
    ...daily,
    monthly: monthly.daily,
    durationMonthly: monthly.duration,
    alertMonthly: monthly.alert,
    departmentDaily: sumByDepartment(list),
    departmentMonthly: sumByDepartment(months),
  };
}

/** Counters, durations and alerts by (department, region, day) over every item, each also under region `*`. */
function sumByDepartment(deltas: readonly StatsDelta[]): DepartmentRow[] {
  const rows = new Map<string, DepartmentRow>();
  const rowsOf = (k: DailyKey): DepartmentRow[] =>
    [k.region, ALL_REGIONS].map((region) => {
      const text = `${k.department}\u0000${region}\u0000${k.day}`;
      let row = rows.get(text);
      if (!row) {
        row = { department: k.department, day: k.day, region, durations: {}, alerts: {} } as DepartmentRow;
        for (const column of Object.values(DAILY_COLUMNS)) row[column] = 0;
        rows.set(text, row);
      }
      return row;
    });
  for (const d of deltas) {
    if (d.kind === 'daily') {
      const column = DAILY_COLUMNS[d.counter];
      for (const row of rowsOf(d.key)) row[column] = (row[column] as number) + d.amount;
    } else if (d.kind === 'duration') {
      for (const { durations } of rowsOf(d.key)) durations[d.wd] = (durations[d.wd] ?? 0) + 1;
    } else if (d.kind === 'alert') {
      for (const { alerts } of rowsOf(d.key)) alerts[d.level] = (alerts[d.level] ?? 0) + 1;
    }
  }
  return [...rows.values()];
}

/** The delta counted on the first day of its month (dwell and intervals are kept by day only). */
function toMonth(d: StatsDelta): StatsDelta {
  return 'key' in d ? { ...d, key: { ...d.key, day: `${d.key.day.slice(0, 7)}-01` } } : d;
}

function sumByDay(deltas: readonly StatsDelta[]): Omit<DeltaRows, 'monthly' | 'durationMonthly' | 'alertMonthly' | 'departmentDaily' | 'departmentMonthly'> {
  const daily = new Map<string, DailyRow>();
  const duration = new Map<string, DeltaRows['duration'][number]>();
  const alert = new Map<string, DeltaRows['alert'][number]>();
  const dwell = new Map<string, DeltaRows['dwell'][number]>();
  const interval = new Map<string, DeltaRows['interval'][number]>();
  for (const d of deltas) {
    switch (d.kind) {
      case 'daily': {
        const k = keyText(d.key);
        let row = daily.get(k);
        if (!row) {
          row = { ...keyColumns(d.key) } as DailyRow;
          for (const column of Object.values(DAILY_COLUMNS)) row[column] = 0;
          daily.set(k, row);
        }
        const column = DAILY_COLUMNS[d.counter];
        row[column] = (row[column] as number) + d.amount;
        break;
      }
      case 'duration': {
        const k = `${keyText(d.key)}\u0000${d.wd}`;
        const row = duration.get(k) ?? { ...keyColumns(d.key), wd: d.wd, n: 0 };
        row.n += 1;
        duration.set(k, row);
        break;
      }
      case 'alert': {
        const k = `${keyText(d.key)}\u0000${d.level}`;
        const row = alert.get(k) ?? { ...keyColumns(d.key), level: d.level, n: 0 };
        row.n += 1;
        alert.set(k, row);
        break;
      }
      case 'dwell': {
        const k = `${d.definitionId}\u0000${d.state}\u0000${d.day}\u0000${d.wd}`;
        const row = dwell.get(k) ?? { definition_id: d.definitionId, state: d.state, day: d.day, wd: d.wd, n: 0, ms: 0 };
        row.n += 1;
        row.ms += d.ms;
        dwell.set(k, row);
        break;
      }
      case 'interval': {
        const k = `${keyText(d.key)}\u0000${d.interval}\u0000${d.value}`;
        const row = interval.get(k) ?? { ...keyColumns(d.key), interval: d.interval, value: d.value, n: 0 };
        row.n += 1;
        interval.set(k, row);
        break;
      }
    }
  }
  return { daily: [...daily.values()], duration: [...duration.values()], alert: [...alert.values()], dwell: [...dwell.values()], interval: [...interval.values()] };
}
