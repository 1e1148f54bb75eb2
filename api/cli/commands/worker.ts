import type { Command } from 'commander';
import { dropExpiredAuditPartitions, ensureAuditPartitions } from '../../../adapters/audit/audit-partitions.ts';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import { createBusDispatcher } from '../../../adapters/outbox/bus-dispatcher.ts';
import { createLogDispatcher } from '../../../adapters/outbox/log-dispatcher.ts';
import { OutboxRelay } from '../../../adapters/outbox/outbox-relay.ts';
import { pruneDeliveredOutbox } from '../../../adapters/outbox/prune-outbox.ts';
import { compileStoredWith } from '../../../adapters/runtime/compile-stored.ts';
import { createRuntime } from '../../../adapters/runtime/runtime.ts';
import { migrate } from '../../../adapters/storage/migrate.ts';
import { openStore } from '../../../adapters/storage/open-store.ts';
import type { Store } from '../../../adapters/storage/store.ts';
import { TimerScheduler } from '../../../adapters/timers/timer-scheduler.ts';

export interface WorkerOptions {
  calendars: string;
  batch: number;
  poll: number;
  /** Audit retention, a PostgreSQL interval; months older are dropped (never under six months). */
  retain?: string;
}

const MAINTENANCE_MS = 6 * 3600_000;

/** Partitions three months ahead, retention if asked for, delivered outbox rows after a week. */
async function maintain(db: Store['db'], retain: string | undefined): Promise<string> {
  const created = await ensureAuditPartitions(db, 'now', 3);
  const dropped = retain !== undefined ? await dropExpiredAuditPartitions(db, retain) : [];
  const pruned = await pruneDeliveredOutbox(db, '7 days');
  return `维护 maintenance: +${created} partitions, dropped [${dropped.join(', ')}], ${pruned} delivered outbox rows pruned`;
}

/**
 * Runs the background side of an engine node until SIGINT/SIGTERM: the timer scheduler (database
 * clock; overdue timers fire first), the outbox relay (JSON-lines log with personal data masked,
 * plus the realtime bus) and, every six hours, maintenance (audit partitions ahead, retention,
 * delivered outbox rows). Definitions come from the `definitions` table, so a worker needs only
 * the calendars. Migrates first (safe with several nodes: advisory lock).
 */
export async function runWorker(options: WorkerOptions): Promise<number> {
  const store = await openStore();
  await migrate(store.db);
  const runtime = createRuntime({ db: store.db, compileStored: compileStoredWith(loadCalendarsFromDir(options.calendars)) });
  const scheduler = new TimerScheduler({ db: store.db, runtime, batchSize: options.batch, pollMs: options.poll });
  const relay = new OutboxRelay({ db: store.db, dispatchers: [createLogDispatcher(process.stderr), createBusDispatcher(store.bus)] });
  const report = (what: string) => (error: unknown) => process.stderr.write(`${what}出错 ${what} failed: ${String(error)}\n`);
  scheduler.on('error', report('定时器 timers'));
  relay.on('error', report('发件箱 outbox'));
  scheduler.on('batch', (b) => {
    process.stdout.write(`定时器 timers: fired ${b.fired}, stale ${b.stale}, failed ${b.failed}, max late ${b.maxLateMs} ms\n`);
    relay.wake();
  });
  process.stdout.write(`${await maintain(store.db, options.retain)}\n`);
  const maintenance = setInterval(() => {
    maintain(store.db, options.retain).then((line) => process.stdout.write(`${line}\n`), report('维护 maintenance'));
  }, MAINTENANCE_MS);
  scheduler.start();
  relay.start();
  process.stdout.write(`✓ 工作进程已启动 worker running on ${store.kind === 'postgres' ? `PostgreSQL schema ${store.schema}` : 'PGlite'}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(maintenance);
  await scheduler.stop();
  await relay.stop();
  await runtime.close();
  await store.close();
  return 0;
}

/** `govflow worker`. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('运行定时器调度与发件箱投递 run the timer scheduler and the outbox relay until stopped')
    .option('--calendars <dir>', '工作日历目录 working-day calendar directory', 'processes/calendars')
    .option('--batch <n>', '每个事务认领的定时器数 timers claimed per transaction', (v) => Number.parseInt(v, 10), 1000)
    .option('--poll <ms>', '空闲时轮询间隔 poll interval when idle (ms)', (v) => Number.parseInt(v, 10), 1000)
    .option('--retain <interval>', '审计日志保留期（至少六个月），如 "36 months" audit retention (at least six months), e.g. "36 months"')
    .action(async (options: WorkerOptions) => {
      process.exitCode = await runWorker(options);
    });
}
