import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';

/**
 * Draws `count` receipt numbers (受理编号): `GF` + the Asia/Shanghai date of `now` + an 8-digit
 * number from a database sequence, e.g. `GF2026030200000042`. Sequence values are never reused,
 * so a rolled-back start leaves a gap rather than a duplicate.
 */
export async function drawReceiptNumbers(executor: Executor, count: number, now: number): Promise<string[]> {
  if (count === 0) return [];
  const { rows } = await sql<{ n: string }>`
    select cast(nextval('receipt_no_seq') as text) as n from generate_series(1, ${count})`.execute(executor);
  const day = new Date(now + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
  return rows.map((r) => `GF${day}${r.n.padStart(8, '0')}`);
}
