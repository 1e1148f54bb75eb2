import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { ChildDied, EngineChild } from '../support/child-driver.ts';
import { snapshotsNotMatchingReplay } from '../support/replay-check.ts';
import { loadFixture } from '../support/runtime-fixture.ts';
import { openTestStore, testDatabaseUrl, type TestStore } from '../support/test-database.ts';

const permit = loadFixture('runtime-permit');
const INSTANCES = 400;
const NOTES = 6;
/** Acknowledged-command counts at which the engine process is killed with SIGKILL. */
const KILL_AT = [300, 800, 1300, 1800, 2300, 2800];

let store: TestStore;
let failed = false;
beforeAll(async () => {
  store = await openTestStore('postgres', 'crash');
});
afterAll(async () => {
  await store?.dispose(failed);
});

interface Cmd {
  t: 'start' | 'send';
  key: string;
  instanceId: string;
  data?: Record<string, unknown>;
  event?: string;
  actor?: 'window' | 'head';
  payload?: Record<string, unknown>;
}

/** Per instance, in order: start, six notes, accept (which arms three timers). */
function script(instanceId: string): Cmd[] {
  return [
    { t: 'start', key: `${instanceId}:start`, instanceId, data: { applicant: `申请人-${instanceId.slice(0, 4)}` } },
    ...Array.from({ length: NOTES }, (_, n): Cmd => ({ t: 'send', key: `${instanceId}:note:${n}`, instanceId, event: 'note', actor: 'window', payload: { n } })),
    { t: 'send', key: `${instanceId}:accept`, instanceId, event: 'accept', actor: 'window' },
  ];
}

it('survives repeated SIGKILL of the engine: every acknowledged command once, whole chains, replayable snapshots, timers once', async () => {
  const env = {
    DATABASE_URL: testDatabaseUrl(),
    GOVFLOW_SCHEMA: store.schema,
    // The commands' clock runs 40 minutes behind the database clock, so every 30-minute timer
    // is already due when armed: timers fire (and are killed mid-firing) during the load.
    GOVFLOW_CLOCK_SHIFT_MS: String(-40 * 60_000),
  };
  let child = EngineChild.start('commands', env);
  let kills = 0;
  let acks = 0;
  const acked = new Map<string, Record<string, unknown>>();
  const kill = () => {
    kills += 1;
    const old = child;
    child = (async () => {
      await (await old).kill();
      return EngineChild.start('commands', env);
    })();
  };

  const runLane = async (commands: Cmd[]) => {
    for (const command of commands) {
      for (;;) {
        const current = await child;
        try {
          const ack = await current.request({ ...command });
          if (ack.ok) {
            acked.set(command.key, ack.result ?? {});
            acks += 1;
            if (KILL_AT.includes(acks)) kill();
            break;
          }
          if (ack.code !== 'CONFLICT') throw new Error(`refused ${command.key}: ${ack.code} ${ack.message}`);
        } catch (error) {
          if (!(error instanceof ChildDied)) throw error;
        }
      }
    }
  };

  const ids = Array.from({ length: INSTANCES }, () => randomUUID());
  try {
    await Promise.all(ids.map((id) => runLane(script(id))));
    const last = await child;
    last.tell('drain');
    await last.next((m) => m.t === 'drained');
    await last.end();
  } catch (error) {
    failed = true;
    await (await child).kill();
    throw error;
  }

  expect(kills).toBe(KILL_AT.length);
  expect(acked.size).toBe(INSTANCES * (NOTES + 2));
  const { db } = store;
  // Every acknowledged command is recorded once, with the result the client was given.
  const keys = await db.selectFrom('idempotency_keys').select(['key', 'result']).execute();
  expect(keys.length).toBe(acked.size);
  for (const k of keys) expect({ ...k.result, duplicate: false }).toMatchObject({ ...acked.get(k.key), duplicate: false });
  // Each instance: start, six notes (n = 0…5, each once), accept, and its three timers, each once.
  const { rows } = await sql<{ instance_id: string; types: string[]; notes: number[]; timers: string[]; version: number; status: string; outcome: string }>`
    select i.id as instance_id, i.version, i.status, i.outcome,
      array_agg(a.type order by a.seq) as types,
      array_agg((a.payload->'payload'->>'n')::int order by (a.payload->'payload'->>'n')::int) filter (where a.type = 'note') as notes,
      array_agg(a.payload->>'timerId' order by a.payload->>'timerId') filter (where a.type = 'govflow.timer') as timers
    from instances i join audit_events a on a.instance_id = i.id group by i.id`.execute(db);
  expect(rows).toHaveLength(INSTANCES);
  for (const r of rows) {
    expect(r.types.slice(0, 8)).toEqual(['govflow.start', ...Array<string>(NOTES).fill('note'), 'accept']);
    expect(r.notes).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.timers).toEqual(['clock:reply:expiry', 'clock:reply:r0', 'clock:reply:r1']);
    expect(r).toMatchObject({ version: 11, status: 'done', outcome: 'deemed-granted' });
  }
  expect(await db.selectFrom('timers').select('timer_id').execute()).toEqual([]);
  expect(await verifyAudit(db)).toMatchObject({ ok: true, instances: INSTANCES, events: INSTANCES * 11 });
  expect(await snapshotsNotMatchingReplay(db, permit)).toEqual([]);
});
