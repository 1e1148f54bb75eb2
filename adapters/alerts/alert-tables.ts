import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { ApiTables } from '../auth/api-tables.ts';
import type { Database, Executor } from '../storage/database.ts';

type Json<T> = ColumnType<T, string | T, string | T>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** The columns migration 0030 adds to `alerts`. */
export interface AlertEscalationColumns {
  escalated_at: Timestamp | null;
  escalated_to: string | null;
}

/** `alert_escalations` (migration 0030): one append-only row per escalated alert. */
export interface AlertEscalationsTable {
  alert_id: string;
  instance_id: string;
  region: string;
  department: string;
  escalated_at: Timestamp;
  escalated_to: string;
  waited_ms: ColumnType<string, number | string, number | string>;
  actor: Json<Record<string, unknown>>;
}

/** The tables supervision reads and writes beside the runtime's. */
export type AlertTables = Pick<ApiTables, 'alert_acknowledgements'> & {
  alerts: Database['alerts'] & AlertEscalationColumns;
  alert_escalations: AlertEscalationsTable;
};

export type AlertDatabase = Omit<Database, 'alerts'> & AlertTables;
export type AlertExecutor = Kysely<AlertDatabase> | Transaction<AlertDatabase>;

/**
 * The same connection or transaction, typed with migration 0030's columns and table
 * (`adapters/storage/database.ts` belongs to the runtime, which never reads them).
 */
export function withAlertTables(executor: Executor): AlertExecutor {
  // Kysely and Transaction both have withTables; the union of their overloads is not callable as one.
  return (executor as Kysely<Database>).withTables<AlertTables>() as unknown as AlertExecutor;
}
