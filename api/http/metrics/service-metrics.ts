import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../../../adapters/storage/database.ts';

/** What the scrape-time gauges read: the database (cluster-wide figures) and this node's open streams. */
export interface MetricSources {
  db: Kysely<Database>;
  /** Open SSE streams of this node. */
  sseClients: () => number;
}

/** Command kinds as the runtime names them. */
export type CommandKind = 'start' | 'send' | 'timer';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LATENESS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86_400];

/**
 * The service's Prometheus metrics in one registry per server (tests run several servers in one
 * process, so nothing goes to prom-client's global registry).
 *
 * Counted as they happen on this node: commands (`govflow_commands_total`,
 * `govflow_command_duration_seconds`, by kind and outcome), timer lateness, timer batches and
 * escalations. Read from the database at scrape time — the same value on every node, so
 * aggregate them with `max`, not `sum`: timers due and parked, unacknowledged alerts by level,
 * the outbox backlog. SSE clients are this node's.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #commands: Counter<'kind' | 'outcome'>;
  readonly #commandSeconds: Histogram<'kind' | 'outcome'>;
  readonly #lateness: Histogram;
  readonly #timerResults: Counter<'result'>;
  readonly #escalations: Counter<'level'>;
  #sources: MetricSources | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#commands = new Counter({ name: 'govflow_commands_total', help: '已执行的命令 commands applied, by kind (start, send, timer) and outcome (ok, duplicate, skipped, or the error code)', labelNames: ['kind', 'outcome'], registers });
    this.#commandSeconds = new Histogram({
      name: 'govflow_command_duration_seconds',
      help: '命令耗时（定时器按所在批次计）command latency until committed or refused; a timer counts its batch',
      labelNames: ['kind', 'outcome'],
      buckets: SECONDS,
      registers,
    });
    this.#lateness = new Histogram({ name: 'govflow_timer_lateness_seconds', help: '定时器触发时已晚多久 how late each fired timer was (fired at minus due at, database clock)', buckets: LATENESS, registers });
    this.#timerResults = new Counter({ name: 'govflow_timers_total', help: '本节点认领的定时器 timers claimed on this node, by result (fired, stale, failed)', labelNames: ['result'], registers });
    this.#escalations = new Counter({ name: 'govflow_alert_escalations_total', help: '本节点上报监察室的预警 alerts this node escalated to the supervising office, by level', labelNames: ['level'], registers });

    const self = this;
    new Gauge({
      name: 'govflow_timers_due',
      help: '已到期尚未触发的定时器（积压）timers due now and not fired yet (backlog), database clock',
      registers,
      async collect() {
        const db = self.#sources?.db;
        if (!db) return;
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from timers where due_at <= now() and (retry_at is null or retry_at <= now())`.execute(db);
        this.set(rows[0]?.n ?? 0);
      },
    });
    new Gauge({
      name: 'govflow_timers_oldest_due_seconds',
      help: '最早一个到期未触发定时器已等待的秒数 how long the oldest due timer has waited; 0 when none',
      registers,
      async collect() {
        const db = self.#sources?.db;
        if (!db) return;
        const { rows } = await sql<{ s: number | null }>`
          select extract(epoch from now() - min(due_at))::float8 as s from timers where due_at <= now() and (retry_at is null or retry_at <= now())`.execute(db);
        this.set(Math.max(0, rows[0]?.s ?? 0));
      },
    });
    new Gauge({
      name: 'govflow_timers_parked',
      help: '多次失败后搁置、待人工处理的定时器 timers parked after repeated failures, for an operator',
      registers,
      async collect() {
        const db = self.#sources?.db;
        if (!db) return;
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from timers where retry_at = 'infinity'`.execute(db);
        this.set(rows[0]?.n ?? 0);
      },
    });
    new Gauge({
      name: 'govflow_alerts_open',
      help: '未签收的预警 unacknowledged alerts, by level and whether escalated',
      labelNames: ['level', 'escalated'],
      registers,
      async collect() {
        const db = self.#sources?.db;
        if (!db) return;
        const { rows } = await sql<{ level: string; escalated: boolean; n: number }>`
          select level, escalated_at is not null as escalated, count(*)::int as n from alerts
          where acknowledged_at is null group by 1, 2`.execute(db);
        this.reset();
        for (const r of rows) this.set({ level: r.level, escalated: String(r.escalated) }, r.n);
      },
    });
    new Gauge({
      name: 'govflow_outbox_backlog',
      help: '待投递的发件箱消息 outbox messages not delivered yet',
      registers,
      async collect() {
        const db = self.#sources?.db;
        if (!db) return;
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from outbox where delivered_at is null`.execute(db);
        this.set(rows[0]?.n ?? 0);
      },
    });
    new Gauge({
      name: 'govflow_outbox_oldest_pending_seconds',
      help: '最早一条待投递消息的等待秒数 age of the oldest undelivered outbox message; 0 when none',
      registers,
      async collect() {
        const db = self.#sources?.db;
        if (!db) return;
        const { rows } = await sql<{ s: number | null }>`
          select extract(epoch from now() - min(created_at))::float8 as s from outbox where delivered_at is null`.execute(db);
        this.set(Math.max(0, rows[0]?.s ?? 0));
      },
    });
    new Gauge({
      name: 'govflow_sse_clients',
      help: '本节点打开的实时推送连接 open Server-Sent Events streams on this node',
      registers,
      collect() {
        this.set(self.#sources?.sseClients() ?? 0);
      },
    });
  }

  /** Where the scrape-time gauges read from; set once the API and its streams exist. */
  attach(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** One command finished: `outcome` is `ok`, `duplicate`, `skipped` or an error code. */
  observeCommand(kind: CommandKind, outcome: string, seconds: number): void {
    this.#commands.inc({ kind, outcome });
    this.#commandSeconds.observe({ kind, outcome }, seconds);
  }

  /** A timer fired `lateMs` after its due instant. */
  observeTimerLateness(lateMs: number): void {
    this.#lateness.observe(Math.max(0, lateMs) / 1000);
  }

  /** A scheduler batch (`TimerScheduler` 'batch' event). */
  observeTimerBatch(batch: { fired: number; stale: number; failed: number }): void {
    if (batch.fired > 0) this.#timerResults.inc({ result: 'fired' }, batch.fired);
    if (batch.stale > 0) this.#timerResults.inc({ result: 'stale' }, batch.stale);
    if (batch.failed > 0) this.#timerResults.inc({ result: 'failed' }, batch.failed);
  }

  /** Alerts the escalation job escalated. */
  observeEscalations(alerts: ReadonlyArray<{ level: string }>): void {
    for (const a of alerts) this.#escalations.inc({ level: a.level });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
