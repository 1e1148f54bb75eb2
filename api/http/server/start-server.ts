import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import { AlertEscalator } from '../../../adapters/alerts/alert-escalator.ts';
import { escalationPolicyFromEnv, type EscalationPolicy } from '../../../adapters/alerts/escalation-policy.ts';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import { findProcessFiles, readSources } from '../../../adapters/definition-files.ts';
import { createBusDispatcher } from '../../../adapters/outbox/bus-dispatcher.ts';
import { OutboxRelay } from '../../../adapters/outbox/outbox-relay.ts';
import { systemClock, type Clock } from '../../../adapters/runtime/clock.ts';
import { compileStoredWith } from '../../../adapters/runtime/compile-stored.ts';
import { SYSTEM_ACTOR } from '../../../adapters/runtime/engine-port.ts';
import { createRuntime } from '../../../adapters/runtime/runtime.ts';
import { STATS_CALENDAR, StatsProjector } from '../../../adapters/stats/stats-projector.ts';
import { migrate } from '../../../adapters/storage/migrate.ts';
import { openStore } from '../../../adapters/storage/open-store.ts';
import type { Store } from '../../../adapters/storage/store.ts';
import { TimerScheduler } from '../../../adapters/timers/timer-scheduler.ts';
import { formatDiagnostic } from '../../../engine/index.ts';
import { REPO_ROOT, calendarsDir, loadSet } from '../../cli/commands/load-set.ts';
import { createApi } from '../app.ts';
import { DefinitionCatalog } from '../definitions/definition-catalog.ts';
import { createLogger } from '../logging/logger.ts';
import { instrumentRuntime } from '../metrics/instrument-runtime.ts';
import { ServiceMetrics } from '../metrics/service-metrics.ts';
import { demoLoginBanner, issueDemoLogin } from './demo-login.ts';
import { createNotifyLogDispatcher } from './notify-log-dispatcher.ts';
import { markServing } from './serve-lock.ts';

export interface ServerOptions {
  /** Default `PORT`, else 3000; 0 picks a free port. */
  port?: number;
  /** Default `HOST`, else `127.0.0.1` (set `HOST=0.0.0.0` to serve other machines). */
  hostname?: string;
  /** PostgreSQL URL; default `DATABASE_URL`; without one the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; default `GOVFLOW_DATA_DIR`, else `./data`. */
  dataDir?: string;
  /** PostgreSQL schema; default `GOVFLOW_SCHEMA`, else `public`. */
  schema?: string;
  /** Definitions to load and publish at start. Default `processes/` of this repository. */
  processesDir?: string;
  /** Region of public submissions that name none. Default `GOVFLOW_REGION`, else `520000`. */
  defaultRegion?: string;
  logger?: Logger;
  clock?: Clock;
  /** Where the demo-login banner goes. Default stdout. */
  print?: (text: string) => void;
  /** Timer scheduler's longest poll interval, ms (it wakes at an earlier due instant). Default 1000. */
  timerPollMs?: number;
  /** When unacknowledged alerts go to the supervising office. Default from `GOVFLOW_ESCALATE_*` (4 h). */
  escalation?: EscalationPolicy;
  /** Escalation job poll interval, ms. Default 5000. */
  escalationPollMs?: number;
  /**
   * Commands of concurrent requests share transactions (group commit; each request still answers
   * only after its command committed). Default on; `GOVFLOW_GROUP_COMMIT=off` turns it off.
   */
  groupCommit?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  logger: Logger;
  /** Definitions that loaded and were published, `id@version`. */
  published: string[];
  /** Finishes in-flight requests, ends streams, stops the scheduler and relay, closes the database. */
  close(): Promise<void>;
}

/**
 * Starts the service: opens and migrates the database, loads and publishes `processes/`
 * (definitions with errors are reported and skipped), issues a demo login on an empty embedded
 * database, runs the timer scheduler, the outbox relay, the alert escalation job and the statistics
 * projector, and serves the API, the dashboard and `/metrics` (the runtime measured at its boundary).
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const env = process.env;
  const groupCommit = options.groupCommit ?? groupCommitFromEnv(env);
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  const store = await openStore({
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.schema !== undefined ? { schema: options.schema } : {}),
  });
  try {
    const migration = await migrate(store.db);
    logger.info({ database: store.kind, schema: store.schema, applied: migration.applied.map((m) => m.version), version: migration.current }, 'database ready');

    const calendars = loadCalendarsFromDir(calendarsDir());
    const processesDir = options.processesDir ?? join(REPO_ROOT, 'processes');
    let loaded: ReturnType<typeof loadSet>;
    try {
      loaded = loadSet([processesDir]);
    } catch (error) {
      logger.error({ err: error, processesDir }, 'definitions could not be read; serving without new ones');
      loaded = { definitions: [], templates: [], diagnostics: [], scenarios: [], files: [] };
    }
    for (const d of loaded.diagnostics) logger.warn({ diagnostic: formatDiagnostic(d) }, 'definition skipped: it has errors');
    const defaultRegion = options.defaultRegion ?? env['GOVFLOW_REGION'] ?? '520000';
    const metrics = new ServiceMetrics();
    const runtime = instrumentRuntime(
      createRuntime({ db: store.db, clock, compileStored: compileStoredWith(calendars), defaultRegion, groupCommit: groupCommit ? {} : false }),
      metrics,
    );
    const published: string[] = [];
    for (const def of loaded.definitions) {
      try {
        const { created } = await runtime.publish(def, SYSTEM_ACTOR);
        published.push(`${def.id}@${def.version}`);
        logger.info({ definition: `${def.id}@${def.version}`, created }, 'definition published');
      } catch (error) {
        logger.warn({ definition: `${def.id}@${def.version}`, err: error }, 'definition skipped: could not publish');
      }
    }
    const templateDirs = [join(REPO_ROOT, 'processes', 'templates'), join(processesDir, 'templates')];
    const templateFiles = [...new Set(templateDirs.flatMap((dir) => safeFind(dir)))];
    const catalog = new DefinitionCatalog({ db: store.db, runtime, calendars, templates: readSources(templateFiles) });

    const scheduler = new TimerScheduler({ db: store.db, runtime, pollMs: options.timerPollMs ?? 1000 });
    scheduler.on('error', (error) => logger.error({ err: error }, 'timer scheduler failed'));
    const relay = new OutboxRelay({ db: store.db, dispatchers: [createBusDispatcher(store.bus), createNotifyLogDispatcher(logger)] });
    relay.on('error', (error) => logger.error({ err: error }, 'outbox relay failed'));
    scheduler.on('batch', (b) => {
      logger.info({ timers: b }, 'timers fired');
      metrics.observeTimerBatch(b);
      relay.wake();
    });
    const escalation = options.escalation ?? escalationPolicyFromEnv(env);
    const escalator = new AlertEscalator({
      db: store.db,
      policy: escalation,
      ...(options.escalationPollMs !== undefined ? { pollMs: options.escalationPollMs } : {}),
      onEscalated: (alerts) => {
        metrics.observeEscalations(alerts);
        relay.wake();
      },
    });
    escalator.on('error', (error) => logger.error({ err: error }, 'alert escalation failed'));
    escalator.on('batch', (alerts) => logger.info({ escalated: alerts.length, to: [...new Set(alerts.map((a) => a.escalatedTo))] }, 'alerts escalated'));
    const statsCalendar = calendars.get(STATS_CALENDAR);
    // The dashboard's statistics are projections of the audit log; on PGlite no other process can run the projector.
    const projector = statsCalendar ? new StatsProjector({ db: store.db, calendar: statsCalendar, definitions: runtime.registry, bus: store.bus }) : undefined;
    projector?.on('error', (error) => logger.error({ err: error }, 'statistics projection failed'));

    let closing: Promise<void> | undefined;
    const api = createApi(
      { db: store.db, runtime, bus: store.bus, catalog, clock, logger, defaultRegion, afterCommit: () => relay.wake(), supervision: { metrics, escalation } },
      { isClosing: () => closing !== undefined },
    );
    const port = options.port ?? Number(env['PORT'] ?? 3000);
    const hostname = options.hostname ?? env['HOST'] ?? '127.0.0.1';
    const server: ServerType = await new Promise((resolve, reject) => {
      const s = serve({ fetch: api.app.fetch, port, hostname }, () => resolve(s));
      s.once('error', reject);
    });
    const address = server.address() as AddressInfo;
    const url = `http://${hostname === '0.0.0.0' || hostname === '127.0.0.1' ? 'localhost' : hostname}:${address.port}`;
    await scheduler.warmUp().catch((error: unknown) => logger.warn({ err: error }, 'timer warm-up failed'));
    scheduler.start();
    relay.start();
    escalator.start();
    await projector?.start();
    const dataDir = options.dataDir ?? env['GOVFLOW_DATA_DIR'] ?? './data';
    const release = store.kind === 'pglite' ? markServing(dataDir) : () => undefined;

    if (store.kind === 'pglite') {
      const demo = await issueDemoLogin(store.db, clock.now());
      if (demo) print(demoLoginBanner(url, demo));
    }
    logger.info({ url, published: published.length, skipped: loaded.diagnostics.length }, 'govflow serving');

    const close = () =>
      (closing ??= (async () => {
        logger.info('shutting down: finishing requests in flight');
        // Stop accepting; requests in flight run to completion (their commands commit) before close resolves.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        await api.streams.close();
        await closed;
        await scheduler.stop();
        await escalator.stop();
        await projector?.stop();
        await relay.stop();
        await relay.drain().catch((error: unknown) => logger.warn({ err: error }, 'final outbox drain failed'));
        await runtime.close();
        await store.close();
        release();
        logger.info('stopped');
      })());
    return { url, port: address.port, store, logger, published, close };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function safeFind(dir: string): string[] {
  try {
    return findProcessFiles([dir]).definitions;
  } catch {
    return [];
  }
}

/** `GOVFLOW_GROUP_COMMIT`: `on` (the default) or `off`. */
function groupCommitFromEnv(env: NodeJS.ProcessEnv): boolean {
  const value = env['GOVFLOW_GROUP_COMMIT'] ?? 'on';
  if (value !== 'on' && value !== 'off') throw new RangeError(`GOVFLOW_GROUP_COMMIT 须为 on 或 off must be on or off, got '${value}'`);
  return value === 'on';
}
