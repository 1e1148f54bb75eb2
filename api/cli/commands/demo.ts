import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { runDemo, type DemoReport } from '../../../adapters/stats/demo/run-demo.ts';
import { departmentRanking, documentStatistics, itemStatistics, tenderStatistics } from '../../../adapters/stats/queries/index.ts';
import { measuresBy } from '../../../adapters/stats/queries/measures.ts';
import { formatCategories, formatMeasures, formatRanking } from '../../../adapters/stats/stats-report.ts';
import { ProjectorThread } from '../../../adapters/stats/projector-thread.ts';
import { StatsProjector } from '../../../adapters/stats/stats-projector.ts';
import { migrate } from '../../../adapters/storage/migrate.ts';
import { openStore } from '../../../adapters/storage/open-store.ts';
import { addDays } from '../../../engine/calendar/index.ts';
import { calendarsDir, loadSet, REPO_ROOT } from './load-set.ts';
import type { CommandIo } from './migrate.ts';
import { statsSetup } from './stats.ts';

export interface DemoCommandOptions {
  days: number;
  perDay: number;
  seed?: number;
  start: string;
  drainDays: number;
  processes: string[];
  /** Print progress every this many days. */
  every: number;
  /** Project the statistics on another thread while the workload runs (PostgreSQL). Default: when at least 4 cores are available. */
  statsThread?: boolean;
}

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), env: process.env };
/** A count for the report; a measure with no data yet prints as a dash. */
const n = (v: number | null | undefined) => (v == null ? '—' : v.toLocaleString('en-US'));

/**
 * `govflow demo`: replays a realistic workload through the runtime on a virtual clock into the
 * configured database (`DATABASE_URL`, else PGlite in `GOVFLOW_DATA_DIR` or `./data`) and prints
 * a summary of the statistics, with where the time went. On PostgreSQL with cores to spare a
 * projector on another thread follows the workload as a worker node would; what it has not
 * counted yet (everything, otherwise) is projected at the end. Returns the exit code.
 */
export async function runDemoCommand(options: DemoCommandOptions, io: CommandIo = defaultIo): Promise<number> {
  const seed = options.seed ?? randomInt(1, 2 ** 31 - 1);
  const { definitions, diagnostics } = loadSet(options.processes);
  if (diagnostics.length > 0) throw new Error(`流程定义有错误，请先运行 govflow validate definitions have errors; run govflow validate first`);
  const store = await openStore({ env: io.env });
  try {
    await migrate(store.db);
    const setup = statsSetup(definitions);
    const calendar = setup.calendar;
    const projector = new StatsProjector({ db: store.db, ...setup });
    const where = store.kind === 'postgres' ? `PostgreSQL schema ${store.schema}` : 'PGlite';
    io.out(`演示 demo: 种子 seed ${seed} · ${options.days} 天 days from ${options.start} · 每工作日 ${options.perDay} 件 per working day · ${where}\n`);
    const started = performance.now();
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    // With cores to spare, on PostgreSQL, the statistics follow the workload on another core as a
    // worker node would (the thread resolves the definitions the demo publishes from the database).
    // Otherwise they are projected at the end, each case's history in one batch: replaying costs
    // about as much CPU as the commands, and on two cores a thread only slows the workload down.
    const url = io.env['DATABASE_URL'];
    const errors: string[] = [];
    const follow = options.statsThread ?? availableParallelism() >= 4;
    const thread =
      follow && store.kind === 'postgres' && url
        ? await ProjectorThread.open({ connectionString: url, schema: store.schema, calendars: calendarsDir(), pollMs: 1000, activePollMs: 1000 })
        : undefined;
    thread?.on('error', (e) => errors.push(e.message));
    const report: DemoReport = await runDemo({
      db: store.db,
      definitions,
      calendar,
      days: options.days,
      perDay: options.perDay,
      seed,
      start: options.start,
      drainDays: options.drainDays,
      onDay: (p) => {
        if (p.day % options.every !== 0 && p.day !== p.of) return;
        io.out(
          `第 ${p.day}/${p.of} 天 day ${p.day}/${p.of} (${p.date}): 收件 started ${n(p.started)} · 命令 commands ${n(p.commands)} · ` +
            `定时器 timers ${n(p.timersFired)} · ${thread ? `统计 projected ${n(thread.applied)} · ` : ''}${seconds(performance.now() - started)}\n`,
        );
      },
    }).finally(() => thread?.stop());
    for (const error of errors) io.out(`✗ 统计投影出错，已重试 projection failed and was retried: ${error}\n`);
    const projecting = performance.now();
    const projected = await projector.catchUp();
    const projectMs = performance.now() - projecting;
    const totalMs = performance.now() - started;
    const events = projected.applied + (thread?.applied ?? 0);
    const period = { from: options.start, to: addDays(options.start, options.days + options.drainDays - 1), asOf: report.end };
    io.out(
      `\n✓ 演示完成 demo finished in ${(totalMs / 1000).toFixed(1)} s — 种子 seed ${seed}; ${n(report.started)} 件 cases, ${n(report.commands)} 条命令 commands, ` +
        `${n(report.timersFired)} 个定时器 timers fired; 未结 open ${n(report.open)}, 停滞 stuck ${report.stuck}, 拒绝 refused ${report.refused}\n` +
        `用时 time: 命令 commands ${seconds(report.timing.commands)} (${n(Math.round(report.commands / (report.timing.commands / 1000)))}/s) · ` +
        `定时器 timers ${seconds(report.timing.timers)} · 模拟 simulation ${seconds(report.timing.simulation)} · 清理 vacuum ${seconds(report.timing.vacuum)} · ` +
        `统计投影 statistics ${n(events)} 条事件 events` +
        (thread ? ` (${n(thread.applied)} 在另一线程上随工作负载投影 on another thread as the workload ran, ${n(projected.applied)} 在最后 at the end: ${seconds(projectMs)})\n` : ` ${seconds(projectMs)}\n`),
    );
    const licensing = definitions.filter((d) => d.category === 'licensing').map((d) => d.id);
    const totals = (await measuresBy(store.db, { ...period, items: licensing }, 'total')).get('total');
    if (totals) io.out(`\n行政许可 licensing (${period.from} … ${period.to}):\n${formatMeasures(totals)}\n`);
    const ranking = await departmentRanking(store.db, { ...period, orderBy: 'completionRate' });
    io.out(`\n部门比较 departments side by side (按办结率 by completion rate):\n${formatRanking(ranking)}\n`);
    const busiest = licensing.length > 0 ? await itemStatistics(store.db, { ...period, item: licensing[0] as string }) : undefined;
    if (busiest) io.out(`\n事项 item ${busiest.title?.zh ?? busiest.item} (${busiest.item}): ${formatMeasures(busiest.totals)}\n`);
    const lines = formatCategories(await tenderStatistics(store.db, period), await documentStatistics(store.db, period));
    if (lines.length > 0) io.out(`\n${lines.join('\n')}\n`);
    io.out(`\n查询 query: govflow stats show ranking --from ${period.from} --to ${period.to}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `govflow demo --days 240 [--per-day 300] [--seed N]`. */
export function registerDemoCommand(program: Command): void {
  const int = (v: string) => Number.parseInt(v, 10);
  program
    .command('demo')
    .description('在虚拟时钟上重放真实规模的办件并输出统计 replay a realistic workload on a virtual clock and print the statistics')
    .option('--days <n>', '模拟天数 days of arrivals', int, 240)
    .option('--per-day <n>', '每工作日行政许可申请数 licensing applications per working day', int, 300)
    .option('--seed <n>', '随机种子（默认随机并打印）seed (default: random, printed)', int)
    .option('--start <date>', '起始日 first day', '2026-01-05')
    .option('--drain-days <n>', '停止收件后继续运行的天数 days the clock runs on after the last arrivals', int, 0)
    .option('--processes <dir>', '流程定义目录 definition directory', join(REPO_ROOT, 'processes'))
    .option('--every <n>', '每隔几天打印进度 print progress every n days', int, 10)
    .option('--stats-thread', '统计在另一线程上随工作负载投影（PostgreSQL；默认在至少 4 个核心时）project statistics on another thread as the workload runs (PostgreSQL; default with 4 or more cores)')
    .option('--no-stats-thread', '统计在最后投影 project statistics at the end')
    .action(async (o: Omit<DemoCommandOptions, 'processes'> & { processes: string }) => {
      process.exitCode = await runDemoCommand({ ...o, processes: [o.processes] });
    });
}
