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

/** The rows of one projection batch, each key once, ready for `insert … on conflict do update`. */
export interface DeltaRows {
  daily: DailyRow[];
  duration: Array<{ department: string; day: string; definition_id: string; region: string; wd: number; n: number }>;
  alert: Array<{ department: string; day: string; definition_id: string; region: string; level: string; n: number }>;
  /** The same three, keyed by the first day of the month. */
  monthly: DailyRow[];
  durationMonthly: DeltaRows['duration'];
  alertMonthly: DeltaRows['alert'];
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
  const daily = sumByDay(list);
  const monthly = sumByDay(list.map(toMonth));
  return { ...daily, monthly: monthly.daily, durationMonthly: monthly.duration, alertMonthly: monthly.alert };
}

/** The delta counted on the first day of its month (dwell and intervals are kept by day only). */
function toMonth(d: StatsDelta): StatsDelta {
  return 'key' in d ? { ...d, key: { ...d.key, day: `${d.key.day.slice(0, 7)}-01` } } : d;
}

function sumByDay(deltas: readonly StatsDelta[]): Omit<DeltaRows, 'monthly' | 'durationMonthly' | 'alertMonthly'> {
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
