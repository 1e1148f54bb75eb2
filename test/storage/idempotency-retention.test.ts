import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { pruneIdempotencyKeys } from '../../adapters/runtime/prune-idempotency-keys.ts';
import { describeEachBackend } from '../support/each-backend.ts';

describeEachBackend('idempotency key retention', (store) => {
  it('deletes keys older than the retention in batches, keeps the younger ones', async () => {
    const { db } = store();
    const instance = randomUUID();
    await sql`
      insert into idempotency_keys (key, instance_id, command, region, result, created_at)
      select 'old-' || n, cast(${instance} as uuid), 'send', 'r', cast('{}' as jsonb), now() - interval '40 days' - n * interval '1 minute' from generate_series(1, 23) as n
      union all
      select 'young-' || n, cast(${instance} as uuid), 'send', 'r', cast('{}' as jsonb), now() - interval '29 days' from generate_series(1, 2) as n`.execute(db);
    expect(await pruneIdempotencyKeys(db, '30 days', 5)).toBe(23);
    const left = await db.selectFrom('idempotency_keys').select('key').where('key', 'like', 'young-%').execute();
    expect(left).toHaveLength(2);
    expect(await db.selectFrom('idempotency_keys').select('key').where('key', 'like', 'old-%').execute()).toEqual([]);
    expect(await pruneIdempotencyKeys(db, '30 days')).toBe(0);
  });

  it('refuses a retention shorter than a day or not an interval', async () => {
    const { db } = store();
    await expect(pruneIdempotencyKeys(db, '2 hours')).rejects.toThrow(RangeError);
    await expect(pruneIdempotencyKeys(db, 'soon')).rejects.toThrow(RangeError);
  });
});
