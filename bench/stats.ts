/**
 * Statistics benchmark on PostgreSQL (not part of `npm test`):
 *  1. queries over 1 M stored instances: projection rows generated in bulk with `generate_series`
 *     (56 departments, 306 items, 9 regions, one year), then the department comparison and one
 *     department's statistics, timed over several runs (median, min, max);
 *  2. projector lag under load: commands through the runtime (group commit) while a projector
 *     follows, on its own thread (default) or on the runtime's (`--projector inline`); lag = time
 *     from a command's acknowledgement until the projector batch that counted it committed
 *     (p50, p90, p99, max), beside the commands' own latency.
 * Usage: npx tsx bench/stats.ts [--instances 1000000] [--runs 5] [--load-seconds 10] [--rate 400]
 *          [--projector thread|inline] [--poll 250] [--keep] [--schema <kept schema>]
 * Needs `BENCH_DATABASE_URL`, `TEST_DATABASE_URL` or PostgreSQL at 127.0.0.1:5432/test; works in its own schema, dropped at the end
 * (`--keep` keeps it; `--schema` reuses a kept one — migrated to the current version, nothing generated).

 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { loadCalendarsFromDir } from '../adapters/calendar-files.ts';
import { createRuntime } from '../adapters/runtime/runtime.ts';
import { resolverFromFiles } from '../adapters/stats/definition-resolver.ts';
import { alertCounts, departmentRanking, departmentStatistics, dwellHeatmap, itemStatistics } from '../adapters/stats/queries/index.ts';
import { trafficBoard } from '../adapters/supervision/traffic-board.ts';
import { report } from './report.ts';
import { ProjectorThread } from '../adapters/stats/projector-thread.ts';
import { StatsProjector } from '../adapters/stats/stats-projector.ts';
import type { Database } from '../adapters/storage/database.ts';
import { migrate } from '../adapters/storage/migrate.ts';
import { DEPARTMENT_ROLLUP_BACKFILL } from '../adapters/storage/migrations/0022-stats-department-rollups.ts';
import { openPostgresStore } from '../adapters/storage/open-postgres.ts';
import { findProcessFiles, readSources } from '../adapters/definition-files.ts';
import { loadDefinitions } from '../engine/index.ts';
import { benchDatabaseUrl } from './options.ts';

const REGIONS = ['520100', '520200', '520300', '520400', '520500', '520600', '522300', '522600', '522700'];

/**
 * Three years of projections (2023-07 … 2026-06) for `instances` instances, as the projector would have left them:
 * per-instance facts first, then the daily aggregates grouped from them in SQL.
 */
async function generate(db: Kysely<Database>, instances: number): Promise<void> {
  await sql`insert into definitions (id, version, title, department, source, resolved, hash, published_by, published_at)
    select 'item-' || i, 1, jsonb_build_object('zh', '事项' || i), 'dept-' || (i % 56), '', jsonb_build_object('category', 'licensing'), md5(i::text), '{}', now()
    from generate_series(0, 305) as i`.execute(db);
  // Cases received in the last 40 days are still open (about 36,000 of a million); 5 % of them
  // are past the promised limit at `asOf` (2026-07-01) and 1 % past the statutory one.
  await sql`insert into stats_instances (instance_id, definition_id, definition_version, category, department, region, seq,
      received_at, accepted_at, decided_at, ended_at, outcome, outcome_class, state, state_since, paused_wd, duration_wd,
      promised_due, promised_running, promised_met, statutory_due, statutory_running, statutory_met)
    select gen_random_uuid(), 'item-' || item, 1, 'licensing', 'dept-' || (item % 56), (${sql.val(REGIONS)}::text[])[1 + ((i / 306) % 9)], 6,
      received, received + interval '2 hours', case when open then null else received + (d || ' days')::interval end,
      case when open then null else received + (d + 1 || ' days')::interval end,
      case when open then null when i % 50 = 0 then 'not-accepted' when i % 61 = 0 then 'denied' else 'approved' end,
      case when open then null when i % 50 = 0 then 'not-accepted' when i % 61 = 0 then 'denied' else 'granted' end,
      case when open then 'examining' else 'approved' end, received, case when i % 17 = 0 then 5 else 0 end,
      case when open then null else d end,
      case when open then timestamptz '2026-07-01' + ((i % 40) - 2 || ' days')::interval else received + interval '14 days' end, open,
      case when open then null else d <= 10 end,
      case when open then timestamptz '2026-07-01' + ((i % 100) - 1 || ' days')::interval else received + interval '28 days' end, open,
      case when open then null else d <= 20 end
    from (
      select i, i % 306 as item, (i % 25) as d, day_offset >= 1056 as open,
        timestamptz '2023-07-01 01:00+00' + (day_offset || ' days')::interval + ((i % 8) || ' hours')::interval as received
      from (select i, (i::bigint * 7919) % 1096 as day_offset from generate_series(1, ${instances}) as i) as s) as g`.execute(db);
  await sql`insert into stats_daily (department, day, definition_id, region, received, accepted, not_accepted, denied, completed,
      promised_met, statutory_met, paused_cases, paused_wd)
    select department, (received_at at time zone 'Asia/Shanghai')::date, definition_id, region, count(*), count(*) filter (where outcome_class is distinct from 'not-accepted'),
      count(*) filter (where outcome_class = 'not-accepted'), count(*) filter (where outcome_class = 'denied'),
      count(*) filter (where outcome_class in ('granted', 'denied')), count(*) filter (where promised_met),
      count(*) filter (where statutory_met), count(*) filter (where paused_wd > 0), sum(paused_wd)
    from stats_instances group by 1, 2, 3, 4`.execute(db);
  await sql`insert into stats_duration_daily (department, day, definition_id, region, wd, n)
    select department, (ended_at at time zone 'Asia/Shanghai')::date, definition_id, region, duration_wd, count(*)
    from stats_instances where duration_wd is not null group by 1, 2, 3, 4, 5`.execute(db);
  await sql`insert into stats_alert_daily (department, day, definition_id, region, level, n)
    select department, (received_at at time zone 'Asia/Shanghai')::date, definition_id, region, level, count(*)
    from stats_instances, unnest(array['reminder', 'yellow-card', 'red-card', 'step-overdue']) as level
    where (level = 'reminder' and duration_wd > 8) or (level = 'yellow-card' and duration_wd > 10)
       or (level = 'red-card' and duration_wd > 20) or (level = 'step-overdue' and duration_wd > 12)
    group by 1, 2, 3, 4, 5`.execute(db);
  await sql`insert into stats_dwell_daily (definition_id, state, day, wd, n, ms)
    select definition_id, s.step, (ended_at at time zone 'Asia/Shanghai')::date, duration_wd / 3, count(*), sum(duration_wd * 28800000::bigint)
    from stats_instances, unnest(array['received', 'examining', 'decision', 'delivery']) as s(step)
    where ended_at is not null group by 1, 2, 3, 4`.execute(db);
  // The monthly roll-ups the projector keeps beside the daily rows.
  await sql`insert into stats_monthly select department, cast(date_trunc('month', day) as date), definition_id, region,
      sum(received), sum(accepted), sum(not_accepted), sum(denied), sum(withdrawn), sum(completed), sum(promised_met),
      sum(statutory_met), sum(paused_cases), sum(paused_wd)
    from stats_daily group by 1, 2, 3, 4`.execute(db);
  await sql`insert into stats_duration_monthly select department, cast(date_trunc('month', day) as date), definition_id, region, wd, sum(n)
    from stats_duration_daily group by 1, 2, 3, 4, 5`.execute(db);
  await sql`insert into stats_alert_monthly select department, cast(date_trunc('month', day) as date), definition_id, region, level, sum(n)
    from stats_alert_daily group by 1, 2, 3, 4, 5`.execute(db);
  // The department roll-ups, summed from the per-item tables as migration 0022 does.
  for (const statement of DEPARTMENT_ROLLUP_BACKFILL) await sql.raw(statement).execute(db);
  await sql`vacuum analyze`.execute(db);
}

async function timed(runs: number, f: () => Promise<unknown>): Promise<number[]> {
  await f();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return out;
}

const wallNow = () => performance.timeOrigin + performance.now();

/** What `lagUnderLoad` measured. */
interface LoadResult {
  /** Commit → counted, ms, one per command. */
  lags: number[];
  /** Call → acknowledged (committed), ms, one per command. */
  latencies: number[];
  commands: number;
  /** Seconds from the first command to the last acknowledgement. */
  seconds: number;
  batches: number;
}

/**
 * Commands through the runtime (group commit) at `rate` per second for `seconds`, with a
 * projector following — on its own thread and pool (`thread`, as a worker node runs it) or on
 * this thread beside the runtime (`inline`, as a single server process does). Each command's
 * lag is from its acknowledgement (after its transaction committed) to the commit of the
 * projector batch that counted its audit row (the batch reports the highest seq it counted per
 * instance; a command's seq is its result's version), both taken on the same wall clock.
 */
async function lagUnderLoad(
  db: Kysely<Database>,
  target: { url: string; schema: string },
  seconds: number,
  rate: number,
  mode: 'thread' | 'inline',
  pollMs: number,
): Promise<LoadResult> {
  const root = join(import.meta.dirname, '..');
  const calendars = loadCalendarsFromDir(join(root, 'processes/calendars'));
  const { definitions } = loadDefinitions(readSources(findProcessFiles([join(root, 'processes')]).definitions, root), { calendars });
  const def = definitions.find((d) => d.id === 'food-business-licence');
  if (!def) throw new Error('food-business-licence not found');
  const runtime = createRuntime({ db, groupCommit: { intervalMs: 5, maxBatch: 256, concurrency: 2 } });
  await runtime.publish(def, { id: 'bench', role: 'system' });
  // Everything already in the log is counted first, so only the load is measured.
  await new StatsProjector({ db, calendar: calendars.get('cn-mainland')!, definitions: resolverFromFiles(definitions) }).catchUp();
  const counted = new Map<string, Array<{ seq: number; at: number }>>();
  let batches = 0;
  const onBatch = (at: number, seqs: Iterable<[string, number]>) => {
    batches += 1;
    for (const [id, seq] of seqs) {
      const list = counted.get(id);
      if (list) list.push({ seq, at });
      else counted.set(id, [{ seq, at }]);
    }
  };
  let stop: () => Promise<void>;
  if (mode === 'thread') {
    const thread = await ProjectorThread.open({ connectionString: target.url, schema: target.schema, calendars: join(root, 'processes/calendars'), pollMs });
    thread.on('batch', (b) => onBatch(b.at, b.counted));
    stop = () => thread.stop();
  } else {
    const projector = new StatsProjector({ db, calendar: calendars.get('cn-mainland')!, definitions: resolverFromFiles(definitions), pollMs });
    projector.on('batch', (b) => onBatch(wallNow(), b.counted));
    await projector.start();
    stop = () => projector.stop();
  }
  const commits: Array<{ id: string; seq: number; at: number }> = [];
  const latencies: number[] = [];
  const applicant = { id: 'a', role: 'applicant', region: '520100' };
  const window = { id: 'w', role: 'window', department: def.department };
  const began = performance.now();
  const end = began + seconds * 1000;
  const inFlight = new Set<Promise<unknown>>();
  const timed = async <T extends { instanceId: string; version: number }>(command: () => Promise<T>): Promise<T> => {
    const called = performance.now();
    const result = await command();
    latencies.push(performance.now() - called);
    commits.push({ id: result.instanceId, seq: result.version, at: wallNow() });
    return result;
  };
  for (let tick = began; tick < end; tick += 100) {
    for (let i = 0; i < rate / 10; i++) {
      // Each instance gets two commands: the start, then its acceptance.
      const p = timed(() => runtime.start(def, { applicant: { name: '演示' } }, applicant, { region: '520100' }))
        .then((r) => timed(() => runtime.send(r.instanceId, 'accept', { actor: window, payload: { receiptNo: 'B' } })))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, tick + 100 - performance.now())));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - began) / 1000;
  // Until every command is counted (a minute at most), then the projector stops.
  for (let waited = 0; waited < 60_000 && commits.some((c) => !(counted.get(c.id) ?? []).some((b) => b.seq >= c.seq)); waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  await runtime.close();
  const lags = commits.map((c) => {
    const at = (counted.get(c.id) ?? []).find((b) => b.seq >= c.seq)?.at;
    if (at === undefined) throw new Error(`command ${c.id}@${c.seq} was never counted`);
    return Math.max(0, at - c.at);
  });
  return { lags, latencies, commands: commits.length, seconds: elapsed, batches };
}

async function main(): Promise<void> {
  const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]]));
  const instances = Number(args.get('--instances') ?? 1_000_000);
  const runs = Number(args.get('--runs') ?? 5);
  const url = benchDatabaseUrl();
  const reuse = args.get('--schema');
  const schema = reuse ?? `gfb_stats_${randomBytes(3).toString('hex')}`;
  const store = await openPostgresStore({ connectionString: url, schema, max: 8 });
  try {
    await migrate(store.db);
    let t = performance.now();
    if (reuse === undefined) await generate(store.db, instances);
    else await sql`vacuum analyze`.execute(store.db);
    const size = await sql<{ daily: number; monthly: number; departments: number; instances: number; open: number }>`select
      (select cast(count(*) as int) from stats_daily) as daily, (select cast(count(*) as int) from stats_monthly) as monthly,
      (select cast(count(*) as int) from stats_department_monthly) as departments,
      (select cast(count(*) as int) from stats_instances) as instances,
      (select cast(count(*) as int) from stats_instances where ended_at is null) as open`.execute(store.db);
    const z = size.rows[0];
    const count = (v: number | undefined) => (v ?? 0).toLocaleString('en-US');
    console.log(
      `${reuse === undefined ? 'generated' : `schema ${reuse}:`} ${count(z?.instances)} instances (${count(z?.open)} open), ${count(z?.daily)} daily, ` +
        `${count(z?.monthly)} monthly and ${count(z?.departments)} department-monthly rows in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const year = { from: '2025-07-01', to: '2026-06-30', asOf: Date.parse('2026-07-01T00:00:00Z') };
    const city = { ...year, region: '520100' };
    report(`statistics queries over ${count(z?.instances)} instances (ms)`, [
      { name: 'department comparison (56 departments, one year)', values: await timed(runs, () => departmentRanking(store.db, year)) },
      { name: 'one department, one year (totals, by item, region, month)', values: await timed(runs, () => departmentStatistics(store.db, { ...year, department: 'dept-7' })) },
      { name: 'department comparison, one quarter with partial months (2026-01-15 … 2026-04-14)', values: await timed(runs, () => departmentRanking(store.db, { from: '2026-01-15', to: '2026-04-14', asOf: year.asOf })) },
      { name: 'one department, one month', values: await timed(runs, () => departmentStatistics(store.db, { from: '2026-03-01', to: '2026-03-31', asOf: year.asOf, department: 'dept-7' })) },
      { name: 'one item, one year', values: await timed(runs, () => itemStatistics(store.db, { ...year, item: 'item-7' })) },
      { name: 'dwell heat map, one definition, one year by week', values: await timed(runs, () => dwellHeatmap(store.db, { definition: 'item-7', from: year.from, to: year.to, bucket: 'week' })) },
      { name: 'department comparison, one year, one city (520100)', values: await timed(runs, () => departmentRanking(store.db, city)) },
      { name: 'one department, one year, one city (520100)', values: await timed(runs, () => departmentStatistics(store.db, { ...city, department: 'dept-7' })) },
      { name: 'alert counts, one year (by level, department, month)', values: await timed(runs, () => alertCounts(store.db, year)) },
      { name: 'traffic-light board (open cases by department)', values: await timed(runs, () => trafficBoard(store.db, { kind: 'region', region: '520000' }, year.asOf)) },
    ]);
    const seconds = Number(args.get('--load-seconds') ?? 10);
    if (seconds <= 0) return;
    const rate = Number(args.get('--rate') ?? 400);
    const mode = args.get('--projector') === 'inline' ? 'inline' : 'thread';
    const pollMs = Number(args.get('--poll') ?? 250);
    const load = await lagUnderLoad(store.db, { url, schema }, seconds, rate, mode, pollMs);
    const ms = (values: number[], p: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0).toFixed(0);
    };
    console.log(
      `\n${load.commands.toLocaleString('en-US')} commands (${2 * rate}/s offered: ${rate} starts and ${rate} acceptances a second) in ${load.seconds.toFixed(1)} s (${Math.round(load.commands / load.seconds)}/s acknowledged), ` +
        `projector ${mode === 'thread' ? 'on its own thread and pool' : 'on the runtime\'s thread'} (poll ${pollMs} ms), ${load.batches} batches`,
    );
    console.log(
      `| ms | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|\n` +
        `| command: call → committed | ${[0.5, 0.9, 0.99, 1].map((p) => ms(load.latencies, p)).join(' | ')} |\n` +
        `| projector lag: committed → counted | ${[0.5, 0.9, 0.99, 1].map((p) => ms(load.lags, p)).join(' | ')} |`,
    );
  } finally {
    await store.close();
    if (args.has('--keep') || reuse !== undefined) console.log(`kept schema ${schema}`);
    else {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
