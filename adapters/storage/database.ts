import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';

/**
 * Row types of the govflow schema as kysely sees them. Timestamps are read back as `Date`;
 * jsonb columns are written through `jsonb()` (adapters/storage/jsonb.ts) so both drivers
 * receive the same text.
 */
type Json<T> = ColumnType<T, string | T, string | T>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface DefinitionsTable {
  id: string;
  version: number;
  title: Json<{ zh: string; en?: string }>;
  department: string | null;
  source: string;
  resolved: Json<unknown>;
  hash: string;
  hash_alg: Generated<string>;
  published_by: Json<unknown>;
  published_at: Timestamp;
}

export interface InstancesTable {
  id: string;
  definition_id: string;
  definition_version: number;
  region: string;
  department: string;
  business_key: string | null;
  receipt_no: string;
  status: string;
  outcome: string | null;
  snapshot: Json<unknown>;
  version: number;
  audit_head: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditEventsTable {
  instance_id: string;
  seq: number;
  region: string;
  type: string;
  actor: Json<Record<string, unknown>>;
  payload: Json<Record<string, unknown>>;
  occurred_at: Timestamp;
  prev_hash: string;
  hash: string;
  hash_alg: string;
}

export interface AuditAnchorsTable {
  instance_id: string;
  seq: number;
  hash: string;
  partition_name: string;
  anchored_at: Generated<Date>;
}

export interface TimersTable {
  instance_id: string;
  timer_id: string;
  clock: string;
  due_at: Timestamp;
  fire_order: Generated<number>;
  region: string;
  armed_at: Timestamp;
  attempts: Generated<number>;
  retry_at: Timestamp | null;
  last_error: string | null;
}

export interface TasksTable {
  instance_id: string;
  task_id: string;
  state: string;
  title: Json<{ zh: string; en?: string }>;
  role: string;
  department: string;
  region: string;
  mode: string;
  assignees: Json<string[]>;
  status: string;
  claimed_by: string | null;
  delegated_to: string | null;
  opened_at: Timestamp;
  limit_due: Timestamp | null;
  closed_at: Timestamp | null;
  close_reason: string | null;
  detail: Json<unknown>;
  updated_at: Timestamp;
}

export interface AlertsTable {
  id: string;
  instance_id: string;
  seq: number;
  region: string;
  department: string;
  level: string;
  clock: string | null;
  rung: number | null;
  due_at: Timestamp | null;
  escalate_to: string | null;
  message: Json<{ zh: string; en?: string }>;
  raised_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
}

export interface OutboxTable {
  /** Feed order, drawn at insert (identity); the primary key. */
  position: Generated<string>;
  idempotency_key: string;
  instance_id: string;
  region: string;
  topic: string;
  payload: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  available_at: Generated<Date>;
  attempts: Generated<number>;
  last_error: string | null;
  delivered_at: Date | null;
}

export interface IdempotencyKeysTable {
  key: string;
  instance_id: string;
  command: string;
  region: string;
  result: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: Generated<Date>;
}

export interface Database {
  definitions: DefinitionsTable;
  instances: InstancesTable;
  audit_events: AuditEventsTable;
  audit_anchors: AuditAnchorsTable;
  timers: TimersTable;
  tasks: TasksTable;
  alerts: AlertsTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
  govflow_migrations: MigrationsTable;
}

/** Either the pool-backed handle or a caller's open transaction; every write function takes one. */
export type Executor = Kysely<Database> | Transaction<Database>;
