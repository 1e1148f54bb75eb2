import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { Database, Executor } from '../storage/database.ts';

type Json<T> = ColumnType<T, string | T, string | T>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DateColumn = ColumnType<string, string, string>;

/** `stats_checkpoint` (migration 0020): how far the projector has read the audit log. */
export interface StatsCheckpointTable {
  name: string;
  /** xid8, read and written as text. */
  tx_id: string;
  position: ColumnType<string, string | number, string | number>;
  events: ColumnType<string, string | number, string | number>;
  batches: ColumnType<string, string | number, string | number>;
  updated_at: Timestamp;
}

/** `stats_instances`: per-instance facts. */
export interface StatsInstancesTable {
  instance_id: string;
  definition_id: string;
  definition_version: number;
  category: string;
  department: string;
  region: string;
  seq: number;
  received_at: Timestamp;
  accepted_at: Timestamp | null;
  decided_at: Timestamp | null;
  ended_at: Timestamp | null;
  outcome: string | null;
  outcome_class: string | null;
  state: string;
  state_since: Timestamp;
  paused_wd: number;
  duration_wd: number | null;
  promised_due: Timestamp | null;
  promised_running: boolean;
  promised_met: boolean | null;
  statutory_due: Timestamp | null;
  statutory_running: boolean;
  statutory_met: boolean | null;
  urgent: boolean;
  cards: Json<Record<string, number>>;
  milestones: Json<Record<string, number>>;
  leaves: Json<Record<string, number>>;
  error: string | null;
}

/** `stats_replay_state`: the engine snapshot of each open instance as the projector last left it. */
export interface StatsReplayStateTable {
  instance_id: string;
  snapshot: Json<unknown>;
}

export interface StatsDailyTable {
  department: string;
  day: DateColumn;
  definition_id: string;
  region: string;
  received: number;
  accepted: number;
  not_accepted: number;
  denied: number;
  withdrawn: number;
  completed: number;
  promised_met: number;
  statutory_met: number;
  paused_cases: number;
  paused_wd: ColumnType<string, number, number>;
}

export interface StatsDurationDailyTable {
  department: string;
  day: DateColumn;
  definition_id: string;
  region: string;
  wd: number;
  n: number;
}

export interface StatsAlertDailyTable {
  department: string;
  day: DateColumn;
  definition_id: string;
  region: string;
  level: string;
  n: number;
}

export interface StatsDwellDailyTable {
  definition_id: string;
  state: string;
  day: DateColumn;
  wd: number;
  n: number;
  ms: ColumnType<string, number, number>;
}

export interface StatsIntervalDailyTable {
  department: string;
  day: DateColumn;
  definition_id: string;
  region: string;
  interval: string;
  value: number;
  n: number;
}

/** The tables of migration 0020. */
export type StatsTables = {
  stats_checkpoint: StatsCheckpointTable;
  stats_instances: StatsInstancesTable;
  stats_replay_state: StatsReplayStateTable;
  stats_daily: StatsDailyTable;
  stats_duration_daily: StatsDurationDailyTable;
  stats_alert_daily: StatsAlertDailyTable;
  stats_dwell_daily: StatsDwellDailyTable;
  stats_interval_daily: StatsIntervalDailyTable;
};

/** Every projection table, in the order `stats rebuild` empties them. */
export const PROJECTION_TABLES = [
  'stats_instances',
  'stats_replay_state',
  'stats_daily',
  'stats_duration_daily',
  'stats_alert_daily',
  'stats_dwell_daily',
  'stats_interval_daily',
] as const satisfies ReadonlyArray<keyof StatsTables>;

export type StatsDatabase = Database & StatsTables;
export type StatsExecutor = Kysely<StatsDatabase> | Transaction<StatsDatabase>;

/**
 * The same connection or transaction, typed with the statistics tables too
 * (`adapters/storage/database.ts` belongs to the runtime).
 */
export function withStatsTables(executor: Executor): StatsExecutor {
  // Kysely and Transaction both have withTables; the union of their overloads is not callable as one.
  return (executor as Kysely<Database>).withTables<StatsTables>() as StatsExecutor;
}
