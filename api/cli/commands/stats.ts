import { join } from 'node:path';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import { compileStoredWith } from '../../../adapters/runtime/compile-stored.ts';
import { DefinitionRegistry } from '../../../adapters/runtime/definition-registry.ts';
import { resolverFromFiles, type DefinitionResolver } from '../../../adapters/stats/definition-resolver.ts';
import { projectionDigest } from '../../../adapters/stats/projection-digest.ts';
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
} from '../../../adapters/stats/queries/index.ts';
import { rebuildStatistics } from '../../../adapters/stats/rebuild.ts';
import { formatCategories, formatMeasures, formatRanking } from '../../../adapters/stats/stats-report.ts';
import { STATS_CALENDAR, StatsProjector } from '../../../adapters/stats/stats-projector.ts';
import type { Database } from '../../../adapters/storage/database.ts';
import { migrate } from '../../../adapters/storage/migrate.ts';
import { openStore } from '../../../adapters/storage/open-store.ts';
import type { Calendar } from '../../../engine/calendar/types.ts';
import type { CompiledDefinition } from '../../../engine/index.ts';
import { calendarsDir, loadSet, REPO_ROOT } from './load-set.ts';
import type { CommandIo } from './migrate.ts';
import { stopSignal } from '../stop-signal.ts';

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), env: process.env };


/**
 * The working-day calendar statistics count in, and the definitions instances are pinned to:
 * those compiled from `processes` whose hash matches the published row, else the stored ones.
 */
export function statsSetup(processes: string[] | readonly CompiledDefinition[]): { calendar: Calendar; definitions: DefinitionResolver } {
  const calendars = loadCalendarsFromDir(calendarsDir());
  const calendar = calendars.get(STATS_CALENDAR);
  if (!calendar) throw new Error(`缺少工作日历 missing calendar ${STATS_CALENDAR} in ${calendarsDir()}`);
  const compiled = processes.every((p) => typeof p === 'string') ? loadSet(processes as string[]).definitions : (processes as readonly CompiledDefinition[]);
  return { calendar, definitions: resolverFromFiles(compiled, new DefinitionRegistry(compileStoredWith(calendars))) };
}

function projectorFor(db: Kysely<Database>, processes: string[], io: CommandIo): StatsProjector {
  const projector = new StatsProjector({ db, ...statsSetup(processes) });
  projector.on('batch', (b) => {
    for (const f of b.failures) io.out(`✗ 实例 instance ${f.instanceId} seq ${f.seq} 无法重放，已跳过 does not replay, left out: ${String(f.error)}\n`);
  });
  return projector;
}

/**
 * `govflow stats rebuild`: empties the projections and recomputes them from the audit log. With
 * `verify`, compares the digest of every projection table before and after and fails (exit 1)
 * when they differ. Returns the exit code.
 */
export async function runStatsRebuild(options: { processes: string[]; verify?: boolean }, io: CommandIo = defaultIo): Promise<number> {
  const store = await openStore({ env: io.env });
  try {
    await migrate(store.db);
    const projector = projectorFor(store.db, options.processes, io);
    const before = options.verify ? await projectorCatchUpDigest(store.db, projector) : undefined;
    const started = Date.now();
    let rows = 0;
    projector.on('batch', (b) => {
      rows += b.rows;
      io.out(`… 已重放 replayed ${rows.toLocaleString('en-US')} 条审计事件 audit events\n`);
    });
    const report = await rebuildStatistics(store.db, projector);
    io.out(`✓ 统计已重建 statistics rebuilt: ${report.applied.toLocaleString('en-US')} 条事件 events, ${report.batches} 批 batches, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (!before) return 0;
    const after = await projectionDigest(store.db);
    if (after.digest === before.digest) {
      io.out(`✓ 与重建前完全一致 identical to the projections before the rebuild (SM3 ${after.digest.slice(0, 16)}…)\n`);
      return 0;
    }
    for (const [table, t] of Object.entries(after.tables)) {
      if (before.tables[table]?.digest !== t.digest) io.out(`✗ ${table} 不一致 differs (${before.tables[table]?.rows ?? 0} → ${t.rows} rows)\n`);
    }
    return 1;
  } finally {
    await store.close();
  }
}

/** Brings the projections up to date first, so "before" is the incremental result. */
async function projectorCatchUpDigest(db: Kysely<Database>, projector: StatsProjector) {
  await projector.catchUp();
  return projectionDigest(db);
}

/** `govflow stats project`: projects every committed audit event not yet counted, then exits. */
export async function runStatsProject(options: { processes: string[] }, io: CommandIo = defaultIo): Promise<number> {
  const store = await openStore({ env: io.env });
  try {
    await migrate(store.db);
    const report = await projectorFor(store.db, options.processes, io).catchUp();
    io.out(`✓ 已投影 projected ${report.applied.toLocaleString('en-US')} 条事件 events in ${report.batches} 批 batches\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `govflow stats follow`: keeps the projections up to date until SIGINT/SIGTERM. */
export async function runStatsFollow(options: { processes: string[]; poll: number }, io: CommandIo = defaultIo): Promise<number> {
  const stopped = stopSignal();
  const store = await openStore({ env: io.env });
  await migrate(store.db);
  const projector = new StatsProjector({ db: store.db, ...statsSetup(options.processes), pollMs: options.poll, bus: store.bus });
  projector.on('batch', (b) => io.out(`统计 stats: ${b.rows} 条事件 events\n`));
  projector.on('error', (e) => io.out(`✗ 统计投影出错 projection failed: ${String(e)}\n`));
  await projector.start();
  io.out('✓ 统计投影运行中 statistics projector running\n');
  await stopped;
  await projector.stop();
  await store.close();
  return 0;
}

interface QueryOptions {
  from: string;
  to: string;
  region?: string;
  json?: boolean;
  orderBy?: string;
  bucket?: 'month' | 'week';
}

/** `govflow stats show <what> [id]`: prints a statistics query (JSON with `--json`). */
export async function runStatsShow(what: string, id: string | undefined, options: QueryOptions, io: CommandIo = defaultIo): Promise<number> {
  const store = await openStore({ env: io.env });
  try {
    const period = { from: options.from, to: options.to, ...(options.region !== undefined ? { region: options.region } : {}) };
    const need = (name: string) => {
      if (id === undefined) throw new Error(`请指定${name} give the ${name} id`);
      return id;
    };
    let result: unknown;
    let text: string;
    switch (what) {
      case 'department': {
        const r = await departmentStatistics(store.db, { ...period, department: need('department') });
        result = r;
        text = `${r.department}: ${formatMeasures(r.totals)}\n${r.byItem.map((i) => `  ${i.title?.zh ?? i.item} ${i.item}: ${formatMeasures(i)}`).join('\n')}`;
        break;
      }
      case 'ranking': {
        const r = await departmentRanking(store.db, { ...period, ...(options.orderBy ? { orderBy: options.orderBy as RankingMeasure } : {}) });
        result = r;
        text = formatRanking(r);
        break;
      }
      case 'item': {
        const r = await itemStatistics(store.db, { ...period, item: need('item') });
        result = r;
        text = `${r.title?.zh ?? r.item} ${r.item}: ${formatMeasures(r.totals)}`;
        break;
      }
      case 'dwell': {
        const r = await dwellHeatmap(store.db, { definition: need('definition'), from: options.from, to: options.to, ...(options.bucket ? { bucket: options.bucket } : {}) });
        result = r;
        text = r.states
          .map((s) => `${s.title?.zh ?? s.state} ${s.state}: 离开 exits ${s.count} · 平均 avg ${s.averageWd?.toFixed(1) ?? '—'} wd / ${s.averageHours?.toFixed(1) ?? '—'} h · p90 ${s.p90Wd ?? '—'} wd · 当前 waiting ${s.waitingNow}`)
          .join('\n');
        break;
      }
      case 'alerts': {
        const r = await alertCounts(store.db, period);
        result = r;
        text = Object.entries(r.byLevel).map(([level, count]) => `${level}: ${count}`).join(' · ');
        break;
      }
      case 'categories': {
        const tender = await tenderStatistics(store.db, period);
        const documents = await documentStatistics(store.db, period);
        result = { tender, documents };
        text = formatCategories(tender, documents).join('\n');
        break;
      }
      default:
        throw new Error(`未知的统计 unknown statistics '${what}'; known: department, ranking, item, dwell, alerts, categories`);
    }
    io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${text}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `govflow stats rebuild|project|follow|show`. */
export function registerStatsCommands(program: Command): void {
  const processes = join(REPO_ROOT, 'processes');
  const collect = (v: string, all: string[]) => [...all.filter((p) => p !== processes), v];
  const stats = program.command('stats').description('全程监察统计 supervision statistics projected from the audit log');
  stats
    .command('rebuild')
    .description('清空并从审计日志重新计算全部统计 empty the projections and recompute them from the audit log')
    .option('--processes <dir>', '流程定义目录（可重复）definition directory (repeatable)', collect, [processes])
    .option('--verify', '先增量投影，重建后比对所有统计表 project first, then check the rebuild gives identical tables')
    .action(async (o: { processes: string[]; verify?: boolean }) => {
      process.exitCode = await runStatsRebuild(o);
    });
  stats
    .command('project')
    .description('投影尚未统计的审计事件后退出 project the audit events not yet counted, then exit')
    .option('--processes <dir>', '流程定义目录 definition directory (repeatable)', collect, [processes])
    .action(async (o: { processes: string[] }) => {
      process.exitCode = await runStatsProject(o);
    });
  stats
    .command('follow')
    .description('持续投影，直到中断 keep the projections up to date until stopped')
    .option('--processes <dir>', '流程定义目录 definition directory (repeatable)', collect, [processes])
    .option('--poll <ms>', '轮询间隔 poll interval (ms)', (v) => Number.parseInt(v, 10), 250)
    .action(async (o: { processes: string[]; poll: number }) => {
      process.exitCode = await runStatsFollow(o);
    });
  stats
    .command('show <what> [id]')
    .description('查询统计 query: department <id> | ranking | item <id> | dwell <definition> | alerts | categories')
    .requiredOption('--from <date>', '起始日 first day YYYY-MM-DD')
    .requiredOption('--to <date>', '结束日（含）last day YYYY-MM-DD (included)')
    .option('--region <code>', '地区 region (a division code covers its subdivisions)')
    .option('--order-by <measure>', `排名指标 ranking measure: ${Object.keys(RANKING_MEASURES).join(', ')}`)
    .option('--bucket <month|week>', '驻留热力图列宽 heat map columns')
    .option('--json', '以 JSON 输出 print JSON')
    .action(async (what: string, id: string | undefined, o: QueryOptions) => {
      process.exitCode = await runStatsShow(what, id, o);
    });
}
