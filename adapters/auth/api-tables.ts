import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';
import type { Database, Executor } from '../storage/database.ts';

type Json<T> = ColumnType<T, string | T, string | T>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** `api_tokens` (migration 0010). */
export interface ApiTokensTable {
  id: string;
  token_hash: string;
  hash_alg: Generated<string>;
  name: string;
  role: string;
  department: string;
  region: string;
  created_at: Timestamp;
  created_by: string;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** `security_audit` (migration 0011). */
export interface SecurityAuditTable {
  id: Generated<string>;
  occurred_at: Timestamp;
  outcome: 'denied' | 'granted';
  request_id: string | null;
  actor: Json<Record<string, unknown>> | null;
  region: string | null;
  method: string;
  path: string;
  action: string;
  resource: string | null;
  status: number;
  code: string;
  reason: string;
  ip: string | null;
}

/** `receipt_codes` (migration 0012). */
export interface ReceiptCodesTable {
  receipt_no: string;
  instance_id: string;
  party: 'applicant' | 'bidder';
  region: string;
  code_hash: string;
  code_salt: string;
  hash_alg: Generated<string>;
  issued_at: Timestamp;
}

/** `alert_acknowledgements` (migration 0013). */
export interface AlertAcknowledgementsTable {
  id: Generated<string>;
  alert_id: string;
  acknowledged_at: Timestamp;
  actor: Json<Record<string, unknown>>;
  comment: string;
  region: string;
}

/** The tables the HTTP API adds to the runtime's schema. */
export type ApiTables = {
  api_tokens: ApiTokensTable;
  security_audit: SecurityAuditTable;
  receipt_codes: ReceiptCodesTable;
  alert_acknowledgements: AlertAcknowledgementsTable;
};

export type ApiDatabase = Database & ApiTables;
export type ApiExecutor = Kysely<ApiDatabase> | Transaction<ApiDatabase>;

/**
 * The same connection or transaction, typed with the API's tables too. `adapters/storage/database.ts`
 * belongs to the runtime, so the API declares its tables here and widens the handle.
 */
export function withApiTables(executor: Executor): ApiExecutor {
  // Both Kysely and Transaction have withTables; the union of their overloads is not callable as one.
  return (executor as Kysely<Database>).withTables<ApiTables>() as ApiExecutor;
}
