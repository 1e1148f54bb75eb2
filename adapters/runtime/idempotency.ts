import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { textArray } from '../storage/sql-array.ts';
import type { CommandResult } from './commands.ts';

/** A stored first result for an idempotency key. */
export interface StoredResult {
  instanceId: string;
  command: string;
  result: Omit<CommandResult, 'duplicate'>;
}

/** Looks up idempotency keys already committed (or written earlier in this transaction). */
export async function loadStoredResults(executor: Executor, keys: readonly string[]): Promise<Map<string, StoredResult>> {
  if (keys.length === 0) return new Map();
  const rows = await executor
    .selectFrom('idempotency_keys')
    .select(['key', 'instance_id', 'command', 'result'])
    .where('key', '=', (eb) => eb.fn.any(textArray(keys)))
    .execute();
  return new Map(
    rows.map((r) => [r.key, { instanceId: r.instance_id, command: r.command, result: r.result as StoredResult['result'] }]),
  );
}

export interface NewIdempotencyRow {
  key: string;
  instanceId: string;
  command: string;
  region: string;
  result: Omit<CommandResult, 'duplicate'>;
}

/**
 * Records first results. Returns the keys that were already taken: a concurrent command with
 * the same key committed first (the insert waited for it), so this batch must not stand.
 */
export async function insertStoredResults(executor: Executor, rows: readonly NewIdempotencyRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const records = rows.map((r) => ({ key: r.key, instance_id: r.instanceId, command: r.command, region: r.region, result: r.result }));
  const { rows: inserted } = await sql<{ key: string }>`
    insert into idempotency_keys (key, instance_id, command, region, result)
    select key, instance_id, command, region, result
    from jsonb_to_recordset(cast(${JSON.stringify(records)} as jsonb))
      as x(key text, instance_id uuid, command text, region text, result jsonb)
    on conflict (key) do nothing
    returning key`.execute(executor);
  const written = new Set(inserted.map((r) => r.key));
  return rows.filter((r) => !written.has(r.key)).map((r) => r.key);
}
