import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { BusMessage } from '../../adapters/bus/realtime-bus.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import type { Database } from '../../adapters/storage/database.ts';
import { jsonb } from '../../adapters/storage/jsonb.ts';
import { createBusDispatcher } from '../../adapters/outbox/bus-dispatcher.ts';
import { createLogDispatcher } from '../../adapters/outbox/log-dispatcher.ts';
import type { Dispatcher, OutboxMessage } from '../../adapters/outbox/outbox-message.ts';
import { OutboxRelay } from '../../adapters/outbox/outbox-relay.ts';
import { pruneDeliveredOutbox } from '../../adapters/outbox/prune-outbox.ts';
import { collectBus } from '../support/bus-collector.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { testDatabaseUrl } from '../support/test-database.ts';

async function queue(db: Kysely<Database>, n: number, payload: Record<string, unknown> = {}) {
  const instanceId = randomUUID();
  const keys = Array.from({ length: n }, (_, i) => `${instanceId}:1:${i}`);
  await db
    .insertInto('outbox')
    .values(keys.map((key) => ({ idempotency_key: key, instance_id: instanceId, region: '520000', topic: 'notify', payload: jsonb({ key, ...payload }) })))
    .execute();
  return keys;
}

/** A dispatcher that records what it was given, and fails while `failing` is set. */
function recorder(): Dispatcher & { seen: OutboxMessage[]; failing: boolean } {
  const d = {
    name: 'recorder',
    seen: [] as OutboxMessage[],
    failing: false,
    async deliver(messages: readonly OutboxMessage[]) {
      d.seen.push(...messages);
      if (d.failing) throw new Error('receiver down');
    },
  };
  return d;
}

describeEachBackend('outbox relay and realtime bus', (store, kind) => {
  it('delivers every row once to every dispatcher, with its idempotency key, and marks it delivered', async () => {
    const { db, bus } = store();
    const keys = await queue(db, 5, { applicant: { idCard: '520102199001011234', phone: '13812345678' } });
    const log = new PassThrough();
    const lines: string[] = [];
    log.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const heard = await collectBus(bus);
    const rec = recorder();
    const relay = new OutboxRelay({ db, dispatchers: [createLogDispatcher(log), createBusDispatcher(bus), rec], batchSize: 2 });
    expect(await relay.drain()).toEqual({ delivered: 5, failed: 0 });
    expect(await relay.drain()).toEqual({ delivered: 0, failed: 0 });
    expect(rec.seen.map((m) => m.idempotencyKey).sort()).toEqual([...keys].sort());
    expect(lines).toHaveLength(5);
    expect(lines.join('\n')).toContain('5201**********1234');
    expect(lines.join('\n')).toContain('138****5678');
    expect(lines.join('\n')).not.toContain('520102199001011234');
    // NOTIFY arrives asynchronously on PostgreSQL: await the five messages.
    expect((await heard.until(5)).map((m) => m.key).sort()).toEqual([...keys].sort());
    await heard.stop();
    const pending = await db.selectFrom('outbox').select('position').where('delivered_at', 'is', null).execute();
    expect(pending).toEqual([]);
  });

  it('retries a failed delivery later, under the same key (at least once)', async () => {
    const { db } = store();
    const [key] = await queue(db, 1);
    const rec = recorder();
    rec.failing = true;
    const relay = new OutboxRelay({ db, dispatchers: [rec] });
    expect(await relay.runOnce()).toEqual({ delivered: 0, failed: 1 });
    const row = await db.selectFrom('outbox').selectAll().where('idempotency_key', '=', key ?? '').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 1, last_error: 'receiver down', delivered_at: null });
    expect(await relay.runOnce()).toEqual({ delivered: 0, failed: 0 });
    // Bring the retry forward instead of waiting out the backoff.
    await sql`update outbox set available_at = now() where idempotency_key = ${key}`.execute(db);
    rec.failing = false;
    expect(await relay.runOnce()).toEqual({ delivered: 1, failed: 0 });
    expect(rec.seen.map((m) => [m.idempotencyKey, m.attempts])).toEqual([
      [key, 0],
      [key, 1],
    ]);
  });

  it('prunes delivered rows after the given age, and never undelivered ones', async () => {
    const { db } = store();
    await new OutboxRelay({ db, dispatchers: [recorder()] }).drain();
    const [pending] = await queue(db, 1);
    await sql`update outbox set delivered_at = now() - interval '8 days' where delivered_at is not null`.execute(db);
    await sql`update outbox set created_at = now() - interval '30 days' where idempotency_key = ${pending}`.execute(db);
    expect(await pruneDeliveredOutbox(db, '7 days')).toBeGreaterThan(0);
    const left = await db.selectFrom('outbox').select(['idempotency_key', 'delivered_at']).execute();
    expect(left).toEqual([{ idempotency_key: pending, delivered_at: null }]);
  });

  it('runs as a loop that a commit can wake', async () => {
    const { db } = store();
    await new OutboxRelay({ db, dispatchers: [recorder()] }).drain();
    const rec = recorder();
    const relay = new OutboxRelay({ db, dispatchers: [rec], pollMs: 60_000 });
    relay.start();
    await once(relay, 'idle');
    const keys = await queue(db, 3);
    const delivered = once(relay, 'batch');
    relay.wake();
    expect(await delivered).toEqual([{ delivered: 3, failed: 0 }]);
    await relay.stop();
    expect(rec.seen.map((m) => m.idempotencyKey)).toEqual(keys);
  });

  it.runIf(kind === 'postgres')('reaches subscribers of other nodes on the same schema, and no other schema', async () => {
    const { schema, bus } = store();
    const other = await openPostgresStore({ connectionString: testDatabaseUrl(), schema });
    const stranger = await openPostgresStore({ connectionString: testDatabaseUrl(), schema: `${schema}_x` });
    try {
      const strangerHeard = await collectBus(stranger.bus);
      const heard = await collectBus(other.bus);
      const message: BusMessage = { topic: 'instance.changed', key: 'k1', instanceId: randomUUID(), region: '520000', payload: { to: 'review' } };
      await bus.publish(message);
      expect(await heard.until(1)).toEqual([message]);
      expect(strangerHeard.messages).toEqual([]);
    } finally {
      await other.close();
      await sql`drop schema if exists ${sql.id(`${schema}_x`)} cascade`.execute(stranger.db);
      await stranger.close();
    }
  });
});
