import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { PREPARED } from '../storage/prepared-statements.ts';
import { textArray, uuidArray } from '../storage/sql-array.ts';
import type { CommandResult } from './commands.ts';
import type { LoadedInstance } from './loaded-instance.ts';

/** A stored first result for an idempotency key. */
export interface StoredResult {
  instanceId: string;
  command: string;
  result: Omit<CommandResult, 'duplicate'>;
}

/** What a round reads before the engine runs, all in one round trip. */
export interface RoundInputs {
  /** First results of the idempotency keys already used (committed, or earlier in this transaction). */
  stored: Map<string, StoredResult>;
  instances: Map<string, LoadedInstance>;
  /** Business keys already used, as `definitionId + U+0000 + businessKey`. */
  takenBusinessKeys: Set<string>;
  /** Fresh numbers from `receipt_no_seq`, one per start. */
  receiptNumbers: number[];
}

export interface RoundQuery {
  keys: readonly string[];
  instanceIds: readonly string[];
  businessKeys: ReadonlyArray<{ definitionId: string; businessKey: string }>;
  starts: number;
}

/** Reads idempotency keys, instances, business keys and receipt numbers in a single statement (none when nothing is asked). */
export async function loadRound(executor: Executor, q: RoundQuery): Promise<RoundInputs> {
  if (q.keys.length + q.instanceIds.length + q.businessKeys.length + q.starts === 0) {
    return { stored: new Map(), instances: new Map(), takenBusinessKeys: new Set(), receiptNumbers: [] };
  }
  // Parts a round does not need are left out rather than run on empty arrays: less to plan, no scans.
  const none = sql`cast('[]' as jsonb)`;
  const keys =
    q.keys.length === 0
      ? none
      : sql`(select coalesce(jsonb_agg(jsonb_build_object('key', key, 'instanceId', instance_id, 'command', command, 'result', result)), '[]')
             from idempotency_keys where key = any(${textArray(q.keys)}))`;
  const instances =
    q.instanceIds.length === 0
      ? none
      : sql`(select coalesce(json_agg(json_build_object(
               'id', id, 'definitionId', definition_id, 'definitionVersion', definition_version, 'region', region,
               'department', department, 'receiptNo', receipt_no, 'status', status, 'outcome', outcome,
               'snapshot', snapshot, 'version', version, 'auditHead', audit_head)), '[]')
             from instances where id = any(${uuidArray(q.instanceIds)}))`;
  const taken =
    q.businessKeys.length === 0
      ? none
      : sql`(select coalesce(jsonb_agg(jsonb_build_array(definition_id, business_key)), '[]') from instances
             where definition_id = any(${textArray(q.businessKeys.map((b) => b.definitionId))})
               and business_key = any(${textArray(q.businessKeys.map((b) => b.businessKey))}))`;
  const receipts =
    q.starts === 0
      ? none
      : sql`(select coalesce(jsonb_agg(nextval('receipt_no_seq')), '[]') from generate_series(1, ${q.starts}))`;
  const { rows } = await sql<{
    stored: Array<StoredResult & { key: string }>;
    instances: LoadedInstance[];
    taken: Array<[string, string]>;
    receipts: number[];
  }>`${PREPARED}select
      ${keys} as stored,
      ${instances} as instances,
      ${taken} as taken,
      ${receipts} as receipts
  `.execute(executor);
  const row = rows[0];
  const stored = new Map<string, StoredResult>();
  for (const s of row?.stored ?? []) {
    stored.set(s.key, { instanceId: s.instanceId, command: s.command, result: s.result });
  }
  return {
    stored,
    instances: new Map((row?.instances ?? []).map((i) => [i.id, i])),
    takenBusinessKeys: new Set((row?.taken ?? []).map(([d, k]) => `${d}\u0000${k}`)),
    receiptNumbers: (row?.receipts ?? []).map(Number),
  };
}

/** Current versions of the given instances (to tell a losing command where the instance is now). */
export async function loadVersions(executor: Executor, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await executor
    .selectFrom('instances')
    .select(['id', 'version'])
    .where('id', '=', (eb) => eb.fn.any(uuidArray(ids)))
    .execute();
  return new Map(rows.map((r) => [r.id, r.version]));
}

/**
 * A receipt number (受理编号): `GF` + the Asia/Shanghai date of `now` + the 8-digit sequence
 * number, e.g. `GF2026030200000042`. Sequence values are never reused, so a rolled-back start
 * leaves a gap rather than a duplicate. Pure.
 */
export function formatReceiptNo(sequence: number, now: number): string {
  const day = new Date(now + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
  return `GF${day}${String(sequence).padStart(8, '0')}`;
}
