import { once } from 'node:events';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWorker } from '../../api/cli/commands/worker.ts';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import type { Database } from '../../adapters/storage/database.ts';
import type { TimerBatch } from '../../adapters/timers/timer-scheduler.ts';
import { defaultLanes, TimerThreads } from '../../adapters/timers/timer-threads.ts';
import { snapshotsNotMatchingReplay } from '../support/replay-check.ts';
import { actors, loadFixture } from '../support/runtime-fixture.ts';
import { openTestStore, testDatabaseUrl, type TestStore } from '../support/test-database.ts';

const CALENDARS = path.resolve(import.meta.dirname, '../../processes/calendars');
const timed = loadFixture('timed-reply');
const permit = loadFixture('runtime-permit');

let store: TestStore;
let failed = false;
beforeAll(async () => {
  store = await openTestStore('postgres', 'timer threads');
});
afterAll(async () => {
  await store?.dispose(failed);
});

/** The database clock two hours ago: every timer armed then (10- to 30-minute limits) is due now. */
async function twoHoursAgo(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  return (rows[0] as { now: Date }).now.getTime() - 2 * 3_600_000;
}

/** Starts `count` timed-reply instances at `at`: one timer each, all due at one instant. */
async function seedTimed(db: Kysely<Database>, at: number, count: number): Promise<string[]> {
  const rt = createRuntime({ db, clock: { now: () => at }, groupCommit: { maxBatch: 500 } });
  const started = await Promise.all(Array.from({ length: count }, (_, n) => rt.start(timed, { n }, actors.applicant)));
  await rt.close();
  return started.map((s) => s.instanceId);
}

const open = (threads: number, extra: Partial<Parameters<typeof TimerThreads.open>[0]> = {}) =>
  TimerThreads.open({ connectionString: testDatabaseUrl(), schema: store.schema, threads, calendars: CALENDARS, pollMs: 60_000, ...extra });

it('three timer threads drain thousands of due timers: each fires exactly once, in order per instance, snapshots replay', async ({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
  const { db } = store;
  const at = await twoHoursAgo(db);
  const timedIds = await seedTimed(db, at, 2400);
  // runtime-permit arms a reminder, a yellow card and the expiry on acceptance: three timers each.
  const rt = createRuntime({ db, clock: { now: () => at } });
  const permitIds: string[] = [];
  for (let i = 0; i < 100; i++) {
    const { instanceId } = await rt.start(permit, { applicant: `申请人${i}` }, actors.applicant);
    await rt.send(instanceId, 'accept', { actor: actors.window });
    permitIds.push(instanceId);
  }
  const due = await db.selectFrom('timers').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  expect(due.n).toBe(2700);

  const threads = await open(3, { batchSize: 100 });
  const batches: TimerBatch[] = [];
  threads.on('batch', (b) => batches.push(b));
  let total: TimerBatch;
  try {
    total = await threads.drain();
  } finally {
    await threads.close();
  }
  expect(total).toMatchObject({ claimed: 2700, fired: 2700, stale: 0, failed: 0 });
  expect(total.maxLateMs).toBeGreaterThanOrEqual(90 * 60_000);
  expect(batches.reduce((sum, b) => sum + b.fired, 0)).toBe(2700);
  expect(batches.every((b) => b.claimed <= 100)).toBe(true);

  expect(await db.selectFrom('timers').select('timer_id').execute()).toEqual([]);
  // A version is the instance's last audit seq: start + one timer event, or start, accept and three.
  const ended = await sql<{ definition_id: string; outcome: string; version: number; n: number }>`
    select definition_id, outcome, version, count(*)::int as n from instances group by 1, 2, 3 order by 1`.execute(db);
  expect(ended.rows).toEqual([
    { definition_id: 'runtime-permit', outcome: 'deemed-granted', version: 5, n: 100 },
    { definition_id: 'timed-reply', outcome: 'lapsed', version: 2, n: 2400 },
  ]);
  const perInstance = await sql<{ timers: string; n: number }>`
    select timers, count(*)::int as n from (
      select instance_id, string_agg(payload->>'timerId', ',' order by seq) as timers
      from audit_events where type = 'govflow.timer' group by instance_id) as x
    group by timers order by timers`.execute(db);
  expect(perInstance.rows).toEqual([
    { timers: 'clock:reply:expiry', n: 2400 },
    { timers: 'clock:reply:r0,clock:reply:r1,clock:reply:expiry', n: 100 },
  ]);
  expect(new Set([...timedIds, ...permitIds]).size).toBe(2500);
  expect(await verifyAudit(db)).toMatchObject({ ok: true, events: 2400 * 2 + 100 * 5 });
  expect(await snapshotsNotMatchingReplay(db, timed)).toEqual([]);
  expect(await snapshotsNotMatchingReplay(db, permit)).toEqual([]);
});

it('start fires what is due on every thread; stop returns after the batches in flight, leaving the rest due; close ends the threads', async ({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
  const { db } = store;
  const ids = await seedTimed(db, await twoHoursAgo(db), 3000);
  const threads = await open(2, { batchSize: 25 });
  let reported = 0;
  let stopped: Promise<void> | undefined;
  threads.on('batch', (b) => {
    reported += b.fired;
    stopped ??= threads.stop();
  });
  const errors: unknown[] = [];
  threads.on('error', (e) => errors.push(e));
  try {
    const first = once(threads, 'batch');
    threads.start();
    await first;
    await stopped;
    // Every committed batch was reported before stop resolved, and none is left in flight.
    const firedAtStop = await db.selectFrom('audit_events').select(sql<number>`count(*)::int`.as('n')).where('type', '=', 'govflow.timer').where('instance_id', 'in', ids).executeTakeFirstOrThrow();
    const leftAtStop = await db.selectFrom('timers').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(firedAtStop.n).toBe(reported);
    expect(leftAtStop.n).toBe(3000 - reported);
    expect(leftAtStop.n).toBeGreaterThan(0);

    const rest = await threads.drain();
    expect(rest).toMatchObject({ claimed: leftAtStop.n, fired: leftAtStop.n, failed: 0 });
    expect(reported).toBe(3000);
  } finally {
    await threads.close();
  }
  expect(errors).toEqual([]);
  expect(await db.selectFrom('timers').select('timer_id').execute()).toEqual([]);
  const versions = await sql<{ version: number; n: number }>`
    select version, count(*)::int as n from instances where id = any(${ids}::uuid[]) group by version`.execute(db);
  expect(versions.rows).toEqual([{ version: 2, n: 3000 }]);
  await expect(threads.drain()).rejects.toThrow(/timer thread exited/);
  expect(() => threads.start()).toThrow(/closed/);
});

it('refuses to open on an unreachable database, and forwards a thread\'s failures as errors', async ({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
  const nowhere = new URL(testDatabaseUrl());
  nowhere.pathname = '/govflow_no_such_database';
  await expect(open(2, { connectionString: nowhere.toString() })).rejects.toMatchObject({ code: '3D000' });

  const broken = await openTestStore('postgres', 'timer threads broken');
  try {
    const threads = await TimerThreads.open({ connectionString: testDatabaseUrl(), schema: broken.schema, threads: 2, calendars: CALENDARS, pollMs: 60_000 });
    try {
      await sql`drop table timers cascade`.execute(broken.db);
      // A request's failure rejects it …
      await expect(threads.drain()).rejects.toMatchObject({ code: '42P01' });
      // … and a polling thread's failure is an `error` event.
      const error = once(threads, 'error');
      threads.start();
      expect((await error)[0]).toMatchObject({ code: '42P01' });
    } finally {
      await threads.close();
    }
  } finally {
    await broken.dispose(false);
  }
});

it('govflow worker fires timers on its timer threads on PostgreSQL and stops them with itself', async ({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
  const { db } = store;
  const ids = await seedTimed(db, await twoHoursAgo(db), 300);
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), log: new Writable({ write: (_chunk, _encoding, done) => done() }) };
  const worker = await startWorker(store, { calendars: CALENDARS, batch: 50, poll: 20, stats: false, timerThreads: 2, databaseUrl: testDatabaseUrl() }, io);
  try {
    expect(lines.at(-1)).toContain('2 timer threads（每个在途认领 1 claim in flight each）');
    // The threads work off the due timers on their own; wait for them (bounded by the test timeout).
    for (;;) {
      const left = await db.selectFrom('timers').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      if (left.n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await worker.stop();
  }
  const fired = lines.filter((l) => l.startsWith('定时器 timers: fired')).reduce((sum, l) => sum + Number(/fired (\d+)/.exec(l)?.[1]), 0);
  expect(fired).toBe(300);
  const versions = await sql<{ version: number; n: number }>`
    select version, count(*)::int as n from instances where id = any(${ids}::uuid[]) group by version`.execute(db);
  expect(versions.rows).toEqual([{ version: 2, n: 300 }]);
});

it('keeps two claims in flight on a thread running alone, one on each of several', () => {
  expect([1, 2, 3, 4].map(defaultLanes)).toEqual([2, 1, 1, 1]);
});
