import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { PROJECTION_TABLES } from './projection-tables.ts';

/**
 * SM3 digest of every projection table's rows in a fixed order (per table and overall), so two
 * computations of the statistics can be compared: `stats rebuild --verify` and the tests use it.
 */
export async function projectionDigest(executor: Executor): Promise<{ digest: string; tables: Record<string, { rows: number; digest: string }> }> {
  const overall = createHash('sm3');
  const tables: Record<string, { rows: number; digest: string }> = {};
  for (const table of PROJECTION_TABLES) {
    // Every column, as text, rows ordered by their whole text: independent of insertion order.
    const { rows } = await sql<{ line: string }>`
      select cast(t as text) as line from ${sql.table(table)} as t order by 1`.execute(executor);
    const hash = createHash('sm3');
    for (const r of rows) hash.update(`${r.line}\n`, 'utf8');
    const digest = hash.digest('hex');
    tables[table] = { rows: rows.length, digest };
    overall.update(`${table}:${digest}\n`);
  }
  return { digest: overall.digest('hex'), tables };
}
