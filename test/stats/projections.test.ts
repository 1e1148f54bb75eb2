import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { resolverFromFiles } from '../../adapters/stats/definition-resolver.ts';
import { projectionDigest } from '../../adapters/stats/projection-digest.ts';
import {
  alertCounts,
  departmentRanking,
  departmentStatistics,
  documentStatistics,
  dwellHeatmap,
  itemStatistics,
  RANKING_MEASURES,
  tenderStatistics,
  type RankingMeasure,
} from '../../adapters/stats/queries/index.ts';
import { rebuildStatistics } from '../../adapters/stats/rebuild.ts';
import { openCasesByProcess, trafficBoard } from '../../adapters/supervision/traffic-board.ts';
import { DEPARTMENT_ROLLUP_BACKFILL } from '../../adapters/storage/migrations/0022-stats-department-rollups.ts';
import { StatsProjector } from '../../adapters/stats/stats-projector.ts';
import type { Database } from '../../adapters/storage/database.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import type { Store } from '../../adapters/storage/store.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { testDatabaseUrl } from '../support/test-database.ts';
import { bruteBoard, bruteDwell, bruteForce, bruteIntervals, bruteMeasures, p90, type BruteInstance } from './support/brute-force.ts';
import { processLibrary, runTestWorkload } from './support/stats-workload.ts';
import { toLocalDate as day } from '../../engine/calendar/index.ts';

const { calendar, definitions } = processLibrary();

describeEachBackend('statistics projected from the audit log', (store, kind) => {
  let from = '';
  let to = '';
  let asOf = 0;
  let brute: Awaited<ReturnType<typeof bruteForce>>;
  const applied = { a: 0, b: 0 };
  let eventsInLog = 0;

  const projector = (db: Kysely<Database>, batchSize: number) =>
    new StatsProjector({ db, calendar, definitions: resolverFromFiles(definitions), batchSize, pollMs: 5 });

  beforeAll(async () => {
    const { db } = store();
    // Two projectors — on PostgreSQL each with its own connection pool, as two engine nodes —
    // run their loops while the workload is written, then both drain what is left at once.
    const second: Store | undefined = kind === 'postgres' ? await openPostgresStore({ connectionString: testDatabaseUrl(), schema: store().schema, max: 3 }) : undefined;
    try {
      const a = projector(db, 40);
      const b = projector(second?.db ?? db, 40);
      a.on('batch', (r) => (applied.a += r.applied));
      b.on('batch', (r) => (applied.b += r.applied));
      await Promise.all([a.start(), b.start()]);
      const run = await runTestWorkload(db, definitions, calendar);
      await Promise.all([a.stop(), b.stop()]);
      const drained = await Promise.all([a.catchUp(), b.catchUp()]);
      expect(drained.flatMap((d) => d.failures)).toEqual([]);
      ({ from, to } = run);
      asOf = run.report.end;
      expect(run.report.refused).toBe(0);
    } finally {
      await second?.close();
    }
    const { rows } = await sql<{ n: number }>`select cast(count(*) as int) as n from audit_events`.execute(db);
    eventsInLog = rows[0]?.n ?? 0;
    brute = await bruteForce(db, calendar, asOf);
  });

  it('counts every audit event exactly once across two concurrent projectors', async () => {
    expect(eventsInLog).toBeGreaterThan(1000);
    expect(applied.a + applied.b).toBe(eventsInLog);
    const { rows } = await sql<{ events: number }>`select cast(events as int) as events from stats_checkpoint`.execute(store().db);
    expect(rows).toEqual([{ events: eventsInLog }]);
    const facts = await sql<{ n: number; seqs: number; errors: number }>`
      select cast(count(*) as int) as n, cast(sum(seq) as int) as seqs, cast(count(error) as int) as errors from stats_instances`.execute(store().db);
    expect(facts.rows[0]).toEqual({ n: brute.instances.length, seqs: eventsInLog, errors: 0 });
  });

  it('the workload has what the measures are about: refusals, pauses, extensions, late cases, cards, tenders, documents', () => {
    const outcomes = new Set(brute.instances.map((i) => i.outcome));
    for (const o of ['approved', 'not-accepted', 'withdrawn', 'awarded', 'handled', 'dispatched']) expect(outcomes).toContain(o);
    expect(brute.instances.some((i) => i.paused && i.completed)).toBe(true);
    expect(brute.instances.some((i) => i.completed && !i.promisedMet)).toBe(true);
    expect(new Set(brute.alerts.map((a) => a.level))).toEqual(expect.objectContaining(new Set(['reminder', 'yellow-card', 'red-card', 'step-overdue'])));
  });

  it('department statistics equal the brute-force recomputation: every measure, every department, by item, region and month', async () => {
    const departments = [...new Set(brute.instances.map((i) => i.department))].sort();
    expect(departments.length).toBeGreaterThan(5);
    for (const department of departments) {
      const stats = await departmentStatistics(store().db, { department, from, to, asOf });
      expect(stats.totals, department).toEqual(bruteMeasures(brute, { from, to, department }));
      for (const row of stats.byItem) {
        const { item, title: _title, ...m } = row;
        expect(m, `${department} ${item}`).toEqual(bruteMeasures(brute, { from, to, department, item }));
      }
      expect(stats.byItem.map((r) => r.item).sort()).toEqual([...new Set(brute.instances.filter((i) => i.department === department).map((i) => i.item))].sort());
      for (const { region, ...m } of stats.byRegion) expect(m, `${department} ${region}`).toEqual(bruteMeasures(brute, { from, to, department, region: (r) => r === region }));
      for (const { month, ...m } of stats.byMonth) expect(m, `${department} ${month}`).toEqual(bruteMeasures(brute, { from, to, department, month }, false));
    }
  });

  it('a shorter period and a region scope (a city covers its code; the province covers every city)', async () => {
    const department = mostActive(brute.instances, 'department');
    const week = { from: '2026-03-09', to: '2026-03-15' };
    const stats = await departmentStatistics(store().db, { department, ...week, asOf });
    expect(stats.totals).toEqual(bruteMeasures(brute, { ...week, department }));
    const city = await departmentStatistics(store().db, { department, from, to, region: '520100', asOf });
    expect(city.totals).toEqual(bruteMeasures(brute, { from, to, department, region: (r) => r === '520100' }));
    const province = await departmentStatistics(store().db, { department, from, to, region: '520000', asOf });
    expect(province.totals).toEqual(bruteMeasures(brute, { from, to, department, region: (r) => r.startsWith('52') }));
    expect(province.totals.received).toBeGreaterThan(city.totals.received);
  });

  it('whole months read from the monthly roll-up give the same figures as the days', async () => {
    for (const period of [
      { from: '2026-03-01', to: '2026-03-31' },
      { from: '2026-02-15', to: '2026-04-10' },
      { from: '2026-03-01', to: '2026-04-30' },
    ]) {
      const ranking = await departmentRanking(store().db, { ...period, asOf });
      for (const { department, rank: _rank, ranks: _ranks, ...m } of ranking.departments) {
        expect(m, `${department} ${period.from}…${period.to}`).toEqual(bruteMeasures(brute, { ...period, department }));
      }
      const alerts = await alertCounts(store().db, period);
      const expected: Record<string, number> = {};
      for (const a of brute.alerts.filter((x) => day(x.at) >= period.from && day(x.at) <= period.to)) expected[a.level] = (expected[a.level] ?? 0) + 1;
      expect(alerts.byLevel).toEqual(expected);
    }
    const months = await sql<{ n: number }>`select cast(count(*) as int) as n from stats_monthly`.execute(store().db);
    expect(months.rows[0]?.n).toBeGreaterThan(0);
  });

  it('the department ranking compares every department on the same measures', async () => {
    for (const orderBy of Object.keys(RANKING_MEASURES) as RankingMeasure[]) {
      const ranking = await departmentRanking(store().db, { from, to, asOf, orderBy });
      expect(ranking.departments.map((d) => d.department).sort()).toEqual([...new Set(brute.instances.map((i) => i.department))].sort());
      for (const { department, rank: _rank, ranks: _ranks, ...m } of ranking.departments) {
        expect(m, department).toEqual(bruteMeasures(brute, { from, to, department }));
      }
      const ranks = ranking.departments.map((d) => d.rank ?? Infinity);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(ranking.departments[0]?.rank).toBe(1);
    }
  });

  it('the department comparison in a region scope reads the right roll-up rows: the province (every region) and one city', async () => {
    // 520000 covers every region of the workload, so the rows summing all regions answer; 520100 needs its own rows.
    const regions = new Set(brute.instances.map((i) => i.region));
    expect(regions.size).toBeGreaterThan(1);
    for (const [region, covers] of [
      ['520000', (r: string) => r.startsWith('52')],
      ['520100', (r: string) => r === '520100'],
      ['520300', (r: string) => r === '520300'],
    ] as const) {
      for (const period of [{ from, to }, { from: '2026-03-09', to: '2026-04-02' }]) {
        const ranking = await departmentRanking(store().db, { ...period, region, asOf });
        if (period.from === from) {
          const expected = [...new Set(brute.instances.filter((i) => covers(i.region)).map((i) => i.department))].sort();
          expect(ranking.departments.map((d) => d.department).sort(), region).toEqual(expected);
        }
        for (const { department, rank: _rank, ranks: _ranks, ...m } of ranking.departments) {
          expect(m, `${region} ${department} ${period.from}`).toEqual(bruteMeasures(brute, { ...period, department, region: covers }));
        }
        const alerts = await alertCounts(store().db, { ...period, region });
        const levels: Record<string, number> = {};
        for (const a of brute.alerts.filter((x) => covers(x.region) && day(x.at) >= period.from && day(x.at) <= period.to)) levels[a.level] = (levels[a.level] ?? 0) + 1;
        expect(alerts.byLevel, region).toEqual(levels);
      }
    }
  });

  it('migration 0022 rolls existing projections up into exactly the rows the projector keeps', async () => {
    const { db } = store();
    const digest = async () => {
      const { tables } = await projectionDigest(db);
      return [tables['stats_department_daily'], tables['stats_department_monthly']];
    };
    const kept = await digest();
    expect(kept[0]?.rows).toBeGreaterThan(0);
    await db.transaction().execute(async (trx) => {
      await sql`truncate stats_department_daily, stats_department_monthly`.execute(trx);
      for (const statement of DEPARTMENT_ROLLUP_BACKFILL) await sql.raw(statement).execute(trx);
    });
    expect(await digest()).toEqual(kept);
  });

  it('item statistics equal the brute force for every item', async () => {
    for (const item of [...new Set(brute.instances.map((i) => i.item))].sort()) {
      const stats = await itemStatistics(store().db, { item, from, to, asOf });
      expect(stats.totals, item).toEqual(bruteMeasures(brute, { from, to, item }));
      for (const { department, ...m } of stats.byDepartment) expect(m, `${item} ${department}`).toEqual(bruteMeasures(brute, { from, to, item, department }));
    }
  });

  it('dwell time per state equals the brute force for every definition, and so do the cases waiting now', async () => {
    for (const item of [...new Set(brute.instances.map((i) => i.item))].sort()) {
      const heatmap = await dwellHeatmap(store().db, { definition: item, from, to, bucket: 'week' });
      const expected = bruteDwell(brute, item, from, to);
      expect(heatmap.states.map((s) => s.state).sort(), item).toEqual([...expected.keys()].sort());
      for (const s of heatmap.states) {
        const e = expected.get(s.state)!;
        expect({ count: s.count, averageHours: s.averageHours, averageWd: s.averageWd, p90Wd: s.p90Wd, waitingNow: s.waitingNow }, `${item} ${s.state}`).toEqual({
          count: e.count,
          averageHours: e.count === 0 ? null : e.ms / e.count / 3_600_000,
          averageWd: e.count === 0 ? null : e.wds.reduce((a, b) => a + b, 0) / e.count,
          p90Wd: p90(e.wds),
          waitingNow: e.waitingNow,
        });
      }
      const cellCounts = heatmap.cells.filter((c) => c.state === heatmap.states[0]?.state).reduce((t, c) => t + c.count, 0);
      expect(cellCounts).toBe(heatmap.states[0]?.count);
    }
  });

  it('alert counts by level equal the alerts the runtime wrote', async () => {
    const counts = await alertCounts(store().db, { from, to });
    // The last timers fire at midnight after the last day: outside the period.
    const inPeriod = brute.alerts.filter((a) => day(a.at) >= from && day(a.at) <= to);
    expect(inPeriod.length).toBeGreaterThan(0);
    const expected: Record<string, number> = {};
    for (const a of inPeriod) expected[a.level] = (expected[a.level] ?? 0) + 1;
    expect(counts.byLevel).toEqual(expected);
    for (const { department, byLevel } of counts.byDepartment) {
      const mine: Record<string, number> = {};
      for (const a of inPeriod.filter((x) => x.department === department)) mine[a.level] = (mine[a.level] ?? 0) + 1;
      expect(byLevel, department).toEqual(mine);
    }
  });

  it('tender and document figures equal the brute force: registration to award, deposit refund, sign-in latency, overdue urgent', async () => {
    const intervals = bruteIntervals(brute, calendar, from, to);
    const tender = await tenderStatistics(store().db, { from, to, asOf });
    const documents = await documentStatistics(store().db, { from, to, asOf });
    for (const figures of [...tender.intervals, ...documents.intervals]) {
      const values = intervals[figures.interval]!;
      expect({ count: figures.count, average: figures.average, p90: figures.p90, max: figures.max }, figures.interval).toEqual({
        count: values.length,
        average: values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length,
        p90: p90(values),
        max: values.length === 0 ? null : Math.max(...values),
      });
    }
    expect(tender.intervals.find((i) => i.interval === 'registration-to-award')?.count).toBeGreaterThan(0);
    expect(documents.intervals.find((i) => i.interval === 'sign-in-latency')?.count).toBeGreaterThan(0);
    const tenders = brute.instances.filter((i) => i.category === 'tender').map((i) => i.item);
    expect(tender.totals).toEqual(bruteMeasures(brute, { from, to, items: [...new Set(tenders)] }));
    const urgent = brute.instances.filter((i) => i.category === 'document' && i.urgentOverdue).length;
    expect(documents.overdueUrgent.total).toBe(urgent);
  });

  it('the traffic-light board equals the lights judged case by case, in every scope, and so do the open cases per process', async () => {
    const open = brute.instances.filter((i) => i.endedAt === null);
    // The workload leaves open cases under every light, some with a paused clock.
    expect(open.some((i) => i.overdueStatutory || i.levels.includes('red-card'))).toBe(true);
    expect(open.some((i) => !i.overdueStatutory && !i.levels.includes('red-card') && (i.overduePromised || i.levels.length > 0))).toBe(true);
    expect(open.some((i) => i.clockPaused)).toBe(true);
    const department = mostActive(open, 'department');
    const scopes = [
      [{ kind: 'region', region: '520000' }, (i: BruteInstance) => i.region.startsWith('52')],
      [{ kind: 'region', region: '520100' }, (i: BruteInstance) => i.region === '520100'],
      [{ kind: 'department', department, region: '520000' }, (i: BruteInstance) => i.department === department && i.region.startsWith('52')],
    ] as const;
    for (const [scope, covers] of scopes) {
      expect(await trafficBoard(store().db, scope, asOf), JSON.stringify(scope)).toEqual(bruteBoard(brute, covers));
      const perProcess = new Map<string, number>();
      for (const i of open.filter(covers)) perProcess.set(i.item, (perProcess.get(i.item) ?? 0) + 1);
      expect(await openCasesByProcess(store().db, scope), JSON.stringify(scope)).toEqual(perProcess);
    }
  });

  it('stats rebuild recomputes identical tables from the log', async () => {
    const { db } = store();
    const before = await projectionDigest(db);
    expect(before.tables['stats_instances']?.rows).toBe(brute.instances.length);
    const report = await rebuildStatistics(db, projector(db, 500));
    expect(report.applied).toBe(eventsInLog);
    expect(await projectionDigest(db)).toEqual(before);
  });
});

function mostActive(instances: BruteInstance[], key: 'department' | 'item'): string {
  const counts = new Map<string, number>();
  for (const i of instances) counts.set(i[key], (counts.get(i[key]) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}
