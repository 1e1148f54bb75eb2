import path from 'node:path';
import type { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import { dropExpiredAuditPartitions, ensureAuditPartitions } from '../../../adapters/audit/audit-partitions.ts';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import { createBusDispatcher } from '../../../adapters/outbox/bus-dispatcher.ts';
import { createLogDispatcher } from '../../../adapters/outbox/log-dispatcher.ts';
import { OutboxRelay } from '../../../adapters/outbox/outbox-relay.ts';
import { pruneDeliveredOutbox } from '../../../adapters/outbox/prune-outbox.ts';
import { compileStoredWith } from '../../../adapters/runtime/compile-stored.ts';
import { DEFAULT_IDEMPOTENCY_RETENTION, pruneIdempotencyKeys } from '../../../adapters/runtime/prune-idempotency-keys.ts';
import { createRuntime } from '../../../adapters/runtime/runtime.ts';
import { STATS_CALENDAR, StatsProjector } from '../../../adapters/stats/stats-projector.ts';
import { migrate } from '../../../adapters/storage/migrate.ts';
import { openStore } from '../../../adapters/storage/open-store.ts';
import type { Store } from '../../../adapters/storage/store.ts';
import { TimerScheduler } from '../../../adapters/timers/timer-scheduler.ts';
import { defaultTimerThreads, TimerThreads } from '../../../adapters/timers/timer-threads.ts';
import { stopSignal } from '../stop-signal.ts';

export interface WorkerOptions {
  calendars: string;
  batch: number;
  poll: number;
  /** Audit retention, a PostgreSQL interval; months older are dropped (never under six months). */
  retain?: string;
  /** Keep the statistics projections current (default true; `--no-stats` leaves them to other nodes). */
  stats?: boolean;
  /**
   * Worker threads firing timers, each with its own pool (PostgreSQL only; 0 fires them on the main
   * thread). Default `GOVFLOW_TIMER_THREADS`, else `defaultTimerThreads()`: one per core but one, up to four.
   */
  timerThreads?: number;
  /** The PostgreSQL URL the store was opened on: timer threads open their own pools on it. */
  databaseUrl?: string;
}

/** Where a worker writes: progress lines, and the outbox's JSON-lines log. */
export interface WorkerIo {
  out: (line: string) => void;
  log: Writable;
}

/** A running worker: stop it to finish what is in flight. */
export interface RunningWorker {
  /** The statistics projector, when this worker runs one. */
  projector: StatsProjector | undefined;
  stop(): Promise<void>;
}

const MAINTENANCE_MS = 6 * 3600_000;

function parseThreadCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`须为非负整数 must be a whole number ≥ 0: ${value}`);
  return n;
}

/** Timer threads asked for: the option, else `GOVFLOW_TIMER_THREADS`, else `defaultTimerThreads()`. */
function timerThreadCount(options: WorkerOptions, env: NodeJS.ProcessEnv = process.env): number {
  if (options.timerThreads !== undefined) return options.timerThreads;
  const fromEnv = env['GOVFLOW_TIMER_THREADS'];
  return fromEnv !== undefined && fromEnv !== '' ? parseThreadCount(fromEnv) : defaultTimerThreads();
}

/** Partitions three months ahead, retention if asked for, delivered outbox rows after a week, idempotency keys after 30 days. */
async function maintain(db: Store['db'], retain: string | undefined): Promise<string> {
  const created = await ensureAuditPartitions(db, 'now', 3);
  const dropped = retain !== undefined ? await dropExpiredAuditPartitions(db, retain) : [];
  const pruned = await pruneDeliveredOutbox(db, '7 days');
  const keys = await pruneIdempotencyKeys(db, DEFAULT_IDEMPOTENCY_RETENTION);
  return `维护 maintenance: +${created} partitions, dropped [${dropped.join(', ')}], ${pruned} delivered outbox rows and ${keys} idempotency keys pruned`;
}

/**
 * Starts the background side of an engine node on a migrated store: the timer scheduler
 * (database clock; overdue timers fire first; on PostgreSQL with `databaseUrl`, on `timerThreads`
 * worker threads, each claiming with its own pool, so a storm of due timers spreads over the
 * cores), the outbox relay (JSON-lines log with personal data masked, plus the realtime bus), the
 * statistics projector (woken by the bus; any number of nodes may run one — the checkpoint row
 * lock lets one batch through at a time, so nothing is counted twice) and, every six hours,
 * maintenance.
 */
export async function startWorker(
  store: Store,
  options: WorkerOptions,
  { out, log }: WorkerIo = { out: (l) => process.stdout.write(`${l}\n`), log: process.stderr },
): Promise<RunningWorker> {
  const calendars = loadCalendarsFromDir(options.calendars);
  const runtime = createRuntime({ db: store.db, compileStored: compileStoredWith(calendars) });
  const threads = timerThreadCount(options);
  const useThreads = threads > 0 && store.kind === 'postgres' && options.databaseUrl !== undefined;
  const scheduler = useThreads
    ? await TimerThreads.open({
        connectionString: options.databaseUrl as string,
        schema: store.schema,
        threads,
        calendars: path.resolve(options.calendars),
        batchSize: options.batch,
        pollMs: options.poll,
      })
    : new TimerScheduler({ db: store.db, runtime, batchSize: options.batch, pollMs: options.poll });
  const relay = new OutboxRelay({ db: store.db, dispatchers: [createLogDispatcher(log), createBusDispatcher(store.bus)] });
  const report = (what: string) => (error: unknown) => process.stderr.write(`${what}出错 ${what} failed: ${String(error)}\n`);
  scheduler.on('error', report('定时器 timers'));
  relay.on('error', report('发件箱 outbox'));
  scheduler.on('batch', (b) => {
    out(`定时器 timers: fired ${b.fired}, stale ${b.stale}, failed ${b.failed}, max late ${b.maxLateMs} ms`);
    relay.wake();
  });
  const calendar = calendars.get(STATS_CALENDAR);
  if (options.stats !== false && !calendar) out(`✗ 缺少工作日历 ${STATS_CALENDAR}，不运行统计投影 no ${STATS_CALENDAR} calendar in ${options.calendars}: statistics not projected`);
  const projector =
    options.stats !== false && calendar ? new StatsProjector({ db: store.db, calendar, definitions: runtime.registry, bus: store.bus }) : undefined;
  projector?.on('error', report('统计投影 statistics'));
  projector?.on('batch', (b) => {
    for (const f of b.failures) out(`✗ 实例 instance ${f.instanceId} seq ${f.seq} 无法重放，已跳过 does not replay, left out: ${String(f.error)}`);
  });
  const stopScheduler = () => (scheduler instanceof TimerThreads ? scheduler.close() : scheduler.stop());
  let maintenance: NodeJS.Timeout | undefined;
  try {
    out(await maintain(store.db, options.retain));
    maintenance = setInterval(() => {
      maintain(store.db, options.retain).then(out, report('维护 maintenance'));
    }, MAINTENANCE_MS);
    // Warming up only spares the first firings their compile time: a failure is reported, not fatal.
    if (scheduler instanceof TimerScheduler) await scheduler.warmUp().catch(report('定时器预热 timer warm-up'));
    scheduler.start();
    relay.start();
    await projector?.start();
  } catch (error) {
    // Timer threads would keep the process alive: end them with the failed start.
    clearInterval(maintenance);
    await stopScheduler();
    await relay.stop();
    throw error;
  }
  out(
    `✓ 工作进程已启动 worker running on ${store.kind === 'postgres' ? `PostgreSQL schema ${store.schema}` : 'PGlite'}` +
      (scheduler instanceof TimerThreads
        ? ` · 定时器线程 ${threads} timer threads（每个在途认领 ${scheduler.lanes} claim${scheduler.lanes === 1 ? '' : 's'} in flight each）`
        : ' · 定时器在主线程 timers on the main thread') +
      (projector ? ' · 统计投影 statistics projector on' : ''),
  );
  return {
    projector,
    async stop() {
      clearInterval(maintenance);
      await stopScheduler();
      await projector?.stop();
      await relay.stop();
      await runtime.close();
    },
  };
}

/**
 * `govflow worker`: runs `startWorker` on the configured database until SIGINT/SIGTERM.
 * Definitions come from the `definitions` table, so a worker needs only the calendars. Migrates
 * first (safe with several nodes: advisory lock).
 */
export async function runWorker(options: WorkerOptions): Promise<number> {
  const stopped = stopSignal();
  const store = await openStore();
  await migrate(store.db);
  const databaseUrl = process.env['DATABASE_URL'];
  const worker = await startWorker(store, { ...options, ...(databaseUrl ? { databaseUrl } : {}) });
  await stopped;
  await worker.stop();
  await store.close();
  return 0;
}

/** `govflow worker`. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('运行定时器调度、发件箱投递和统计投影 run the timer scheduler, the outbox relay and the statistics projector until stopped')
    .option('--calendars <dir>', '工作日历目录 working-day calendar directory', 'processes/calendars')
    .option('--batch <n>', '每个事务认领的定时器数 timers claimed per transaction', (v) => Number.parseInt(v, 10), 1000)
    .option('--poll <ms>', '空闲时最长轮询间隔，下一个定时器先到期则按时唤醒 longest poll interval when idle (ms); wakes at the next timer\'s due instant if sooner', (v) => Number.parseInt(v, 10), 1000)
    .option('--retain <interval>', '审计日志保留期（至少六个月），如 "36 months" audit retention (at least six months), e.g. "36 months"')
    .option('--no-stats', '不运行统计投影（由其他节点运行）do not run the statistics projector (other nodes do)')
    .option(
      '--timer-threads <n>',
      '触发定时器的工作线程数（仅 PostgreSQL；0 为主线程；默认核数减一，最多 4）timer threads (PostgreSQL only; 0 = main thread; default cores − 1, at most 4; env GOVFLOW_TIMER_THREADS)',
      parseThreadCount,
    )
    .action(async (options: WorkerOptions) => {
      process.exitCode = await runWorker(options);
    });
}
