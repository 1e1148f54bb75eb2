import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { createRuntime } from '../adapters/runtime/runtime.ts';
import type { Database } from '../adapters/storage/database.ts';
import { migrate } from '../adapters/storage/migrate.ts';
import { openPostgresStore } from '../adapters/storage/open-postgres.ts';
import type { Store } from '../adapters/storage/store.ts';
import { TimerScheduler } from '../adapters/timers/timer-scheduler.ts';
import { defaultLanes, TimerThreads } from '../adapters/timers/timer-threads.ts';
import { actors, loadFixture } from '../test/support/runtime-fixture.ts';

const permit = loadFixture('runtime-permit');
const timed = loadFixture('timed-reply');

/** A fresh migrated schema for one run; `drop()` removes it. */
export async function freshStore(url: string, max: number): Promise<Store & { drop(): Promise<void> }> {
  const schema = `bench_${randomUUID().slice(0, 8)}`;
  const store = await openPostgresStore({ connectionString: url, schema, max });
  await migrate(store.db);
  return {
    ...store,
    async drop() {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
      await store.close();
    },
  };
}

/** What a timed loop measured: operations per second and the 99th percentile of their latencies. */
export interface LoopFigures {
  perSecond: number;
  p99Ms: number;
}

/** Runs `clients` loops of `work(client, i)` for `seconds`; returns completed operations per second and their p99 latency. */
async function timedLoops(clients: number, seconds: number, work: (client: number, i: number) => Promise<void>): Promise<LoopFigures> {
  const end = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) {
        const s = performance.now();
        await work(client, i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const perSecond = latencies.length / ((performance.now() - t0) / 1000);
  latencies.sort((a, b) => a - b);
  return { perSecond, p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0 };
}

/** The raw-SQL baseline: per transaction, insert one event and update one instance row. Steps/s and p99. */
export async function rawBaseline(url: string, clients: number, seconds: number): Promise<LoopFigures> {
  const schema = `bench_raw_${randomUUID().slice(0, 8)}`;
  const pool = new pg.Pool({ connectionString: url, max: clients, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined);
  try {
    await pool.query(`create schema ${schema}`);
    await pool.query('create table instances (id uuid primary key, version integer not null, snapshot jsonb not null)');
    await pool.query('create table events (instance_id uuid not null, seq integer not null, payload jsonb not null, occurred_at timestamptz not null default now(), primary key (instance_id, seq))');
    const ids = Array.from({ length: clients }, () => randomUUID());
    for (const id of ids) await pool.query(`insert into instances values ($1, 0, '{}')`, [id]);
    return await timedLoops(clients, seconds, async (client, i) => {
      const c = await pool.connect();
      try {
        await c.query('begin');
        await c.query('insert into events (instance_id, seq, payload) values ($1, $2, $3)', [ids[client], i + 1, JSON.stringify({ n: i })]);
        await c.query('update instances set version = $2, snapshot = $3 where id = $1', [ids[client], i + 1, JSON.stringify({ state: 'review', n: i })]);
        await c.query('commit');
      } finally {
        c.release();
      }
    });
  } finally {
    await pool.query(`drop schema ${schema} cascade`);
    await pool.end();
  }
}

/**
 * govflow: `send` of one event per command, each client on its own instance. Commands/s.
 * `cold` turns off the remembered instance rows, so every command reads its instance first.
 */
export async function govflowCommands(url: string, clients: number, seconds: number, groupCommit: boolean, cold = false): Promise<LoopFigures> {
  // At most 8 connections (a few per core): more only adds backends competing with the engine for the CPUs.
  const store = await freshStore(url, groupCommit ? 4 : Math.min(clients, 8));
  try {
    const rt = createRuntime({ db: store.db, ...(cold ? { cacheSize: 0 } : {}), ...(groupCommit ? { groupCommit: { maxBatch: 256, concurrency: 2 } } : {}) });
    const ids: string[] = [];
    for (let c = 0; c < clients; c++) ids.push((await rt.start(permit, { applicant: `客户${c}` }, actors.applicant)).instanceId);
    const rate = await timedLoops(clients, seconds, async (client, i) => {
      await rt.send(ids[client] as string, 'note', { actor: actors.window, payload: { n: i }, idempotencyKey: `${client}:${i}` });
    });
    await rt.close();
    return rate;
  } finally {
    await store.drop();
  }
}

/** How a storm is fired: `threads` 0 is one in-process `TimerScheduler`, else that many `TimerThreads`. */
export interface StormFiring {
  threads: number;
  /** Claim transactions in flight per scheduler (per thread with threads). */
  lanes: number;
  batchSize: number;
}

/** "`n` claim transaction(s) in flight", for the reports. */
export function claimsInFlight(n: number): string {
  return `${n} claim transaction${n === 1 ? '' : 's'} in flight`;
}

/** The storms' firing setups: the in-process scheduler, and two timer threads (one per core here) with their default lanes. */
export const STORM_IN_PROCESS: StormFiring = { threads: 0, lanes: 2, batchSize: 1000 };
export const STORM_THREADS: StormFiring = { threads: 2, lanes: defaultLanes(2), batchSize: 1000 };

const CALENDARS = path.join(import.meta.dirname, '../processes/calendars');

/** The one clock of `timed-reply`: its timer falls due this long after the start. */
const TIMED_REPLY_LIMIT_MS = 10 * 60_000;

/**
 * `n` instances of `timed-reply` whose one timer each is due at the same instant: `dueAt` (epoch
 * ms), by default 50 minutes ago by the database clock. Runs `fire` on them and drops the schema.
 */
export async function withStorm<T>(url: string, n: number, fire: (store: Store) => Promise<T>, dueAt?: number): Promise<{ result: T; scheduleMs: number }> {
  const store = await freshStore(url, 6);
  try {
    const db: Kysely<Database> = store.db;
    const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
    const at = (dueAt ?? (rows[0] as { now: Date }).now.getTime() - 50 * 60_000) - TIMED_REPLY_LIMIT_MS;
    const s0 = performance.now();
    const seeder = createRuntime({ db, clock: { now: () => at }, groupCommit: { maxBatch: 1000, concurrency: 3 } });
    for (let from = 0; from < n; from += 20_000) {
      await Promise.all(Array.from({ length: Math.min(20_000, n - from) }, (_, k) => seeder.start(timed, { n: from + k }, actors.applicant)));
    }
    await seeder.close();
    await sql`vacuum analyze timers`.execute(db);
    const scheduleMs = performance.now() - s0;
    return { result: await fire(store), scheduleMs };
  } finally {
    await store.drop();
  }
}

/**
 * A scheduler for the storm on `store`, made ready before the storm is timed (threads started and
 * connected; in-process or per thread, warmed up as `govflow worker` does at start), with `run`
 * to fire everything due and `close`.
 */
export async function stormScheduler(
  url: string,
  store: Store,
  firing: StormFiring,
): Promise<{ scheduler: TimerScheduler | TimerThreads; close(): Promise<void> }> {
  if (firing.threads === 0) {
    const runtime = createRuntime({ db: store.db });
    await runtime.publish(timed, actors.head);
    const scheduler = new TimerScheduler({ db: store.db, runtime, batchSize: firing.batchSize, concurrency: firing.lanes });
    await scheduler.warmUp();
    return {
      scheduler,
      close: async () => {
        await scheduler.stop();
        await runtime.close();
      },
    };
  }
  const scheduler = await TimerThreads.open({
    connectionString: url,
    schema: store.schema,
    threads: firing.threads,
    calendars: CALENDARS,
    batchSize: firing.batchSize,
    concurrency: firing.lanes,
  });
  return { scheduler, close: () => scheduler.close() };
}

/** Timer storm: `n` instances whose one timer is due at the same instant, all fired as `firing` says. */
export async function timerStorm(url: string, n: number, firing: StormFiring = STORM_IN_PROCESS): Promise<{ seconds: number; perSecond: number }> {
  const { result } = await withStorm(url, n, async (store) => {
    const { scheduler, close } = await stormScheduler(url, store, firing);
    try {
      const t0 = performance.now();
      const total = await scheduler.drain();
      const seconds = (performance.now() - t0) / 1000;
      if (total.fired !== n) throw new Error(`storm fired ${total.fired} of ${n}`);
      const left = await store.db.selectFrom('timers').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      if (left.n !== 0) throw new Error(`storm left ${left.n} timers`);
      return { seconds, perSecond: n / seconds };
    } finally {
      await close();
    }
  });
  return result;
}
