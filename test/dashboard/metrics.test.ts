import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { AlertEscalator } from '../../adapters/alerts/alert-escalator.ts';
import { createBusDispatcher } from '../../adapters/outbox/bus-dispatcher.ts';
import { OutboxRelay } from '../../adapters/outbox/outbox-relay.ts';
import type { Runtime } from '../../adapters/runtime/runtime.ts';
import { TimerScheduler } from '../../adapters/timers/timer-scheduler.ts';
import { createApi, type Api } from '../../api/http/app.ts';
import { DefinitionCatalog } from '../../api/http/definitions/definition-catalog.ts';
import { instrumentRuntime } from '../../api/http/metrics/instrument-runtime.ts';
import { registerMetricsRoute } from '../../api/http/metrics/metrics-route.ts';
import { ServiceMetrics } from '../../api/http/metrics/service-metrics.ts';
import { createErrorHandler } from '../../api/http/on-error.ts';
import type { AppEnv } from '../../api/http/routing/app-env.ts';
import { REGION, actor, calendars, openHarness, templateSources, type Harness } from '../api/support/api-harness.ts';
import { readSse } from '../api/support/sse-reader.ts';

/**
 * `/metrics` as Prometheus scrapes it, from an API whose runtime is instrumented at its boundary
 * the way the server wires it: commands by kind and outcome with latency, timer lateness, timer
 * batches, escalations, and the scrape-time gauges (timers due, open alerts by level, outbox
 * backlog, SSE clients).
 */

let h: Harness;
let api: Api;
let metrics: ServiceMetrics;
let runtime: Runtime;
let failed = false;

beforeAll(async () => {
  h = await openHarness('metrics');
  metrics = new ServiceMetrics({ defaultMetrics: false });
  runtime = instrumentRuntime(h.runtime, metrics);
  const catalog = new DefinitionCatalog({ db: h.store.db, runtime, calendars, templates: templateSources });
  api = createApi({ db: h.store.db, runtime, bus: h.store.bus, catalog, clock: h.clock, logger: h.logger, defaultRegion: REGION, supervision: { metrics } });
});
beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
afterAll(async () => {
  await api?.streams.close();
  await h?.close(failed);
});

/** The exposition text parsed to `name{labels}` → value. */
async function scrape(): Promise<Map<string, number>> {
  const response = await api.app.request('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const values = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

it('counts commands by kind and outcome, observes timer lateness, and reads the backlog gauges from the database', async () => {
  const authorization = { authorization: `Bearer ${h.token('window')}` };
  const started = await api.app.request('/api/v1/instances', {
    method: 'POST',
    headers: { ...authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ definition: 'api-permit', data: { applicant: { name: '张三' } } }),
  });
  expect(started.status).toBe(201);
  const { instanceId } = (await started.json()) as { instanceId: string };
  const send = (event: string, token = authorization) =>
    api.app.request(`/api/v1/instances/${instanceId}/events/${event}`, { method: 'POST', headers: { ...token, 'content-type': 'application/json' }, body: '{}' });
  expect((await send('flag')).status).toBe(200);
  expect((await send('accept')).status).toBe(200);
  expect((await send('accept')).status).toBe(409);
  await runtime.send(instanceId, 'submit', { actor: actor('officer') });

  // The reply clock runs from review: its reminder and yellow card are due 20 and 30 minutes
  // later by the runtime's clock — long past by the database clock, which the gauge reads — and
  // the scheduler claims them by a clock 31 minutes on.
  const due = h.clock.now() + 31 * 60_000;
  let stream = await scrape();
  expect(stream.get('govflow_timers_due')).toBe(2);
  expect(stream.get('govflow_timers_oldest_due_seconds')).toBeGreaterThan(0);
  const scheduler = new TimerScheduler({ db: h.store.db, runtime, clock: { now: () => due } });
  scheduler.on('batch', (b) => metrics.observeTimerBatch(b));
  await scheduler.drain();

  const response = await api.app.request('/api/v1/streams/alerts', { headers: { authorization: `Bearer ${h.token('supervisor')}` } });
  const sse = readSse(response);
  expect((await sse.next()).event).toBe('ready');

  stream = await scrape();
  expect(stream.get('govflow_timers_due')).toBe(0);
  expect(stream.get('govflow_commands_total{kind="start",outcome="ok"}')).toBe(1);
  expect(stream.get('govflow_commands_total{kind="send",outcome="ok"}')).toBe(3);
  expect(stream.get('govflow_commands_total{kind="send",outcome="EVENT_NOT_ALLOWED"}')).toBe(1);
  expect(stream.get('govflow_commands_total{kind="timer",outcome="ok"}')).toBe(2);
  expect(stream.get('govflow_command_duration_seconds_count{kind="send",outcome="ok"}')).toBe(3);
  expect(stream.get('govflow_command_duration_seconds_bucket{le="+Inf",kind="start",outcome="ok"}')).toBe(1);
  expect(stream.get('govflow_timer_lateness_seconds_count')).toBe(2);
  // The yellow card came due 60 s before the claim, the reminder 11 minutes before.
  expect(stream.get('govflow_timer_lateness_seconds_sum')).toBe(60 + 11 * 60);
  expect(stream.get('govflow_timer_lateness_seconds_bucket{le="30"}')).toBe(0);
  expect(stream.get('govflow_timer_lateness_seconds_bucket{le="60"}')).toBe(1);
  expect(stream.get('govflow_timer_lateness_seconds_bucket{le="900"}')).toBe(2);
  expect(stream.get('govflow_timers_total{result="fired"}')).toBe(2);
  expect(stream.get('govflow_alerts_open{level="yellow-card",escalated="false"}')).toBe(2);
  expect(stream.get('govflow_alerts_open{level="reminder",escalated="false"}')).toBe(1);
  const undelivered = await h.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('delivered_at', 'is', null).executeTakeFirstOrThrow();
  expect(stream.get('govflow_outbox_backlog')).toBe(Number(undelivered.n));
  expect(Number(undelivered.n)).toBeGreaterThan(0);
  expect(stream.get('govflow_sse_clients')).toBe(1);

  await new OutboxRelay({ db: h.store.db, dispatchers: [createBusDispatcher(h.store.bus)] }).drain();
  await sse.cancel();
  // Escalation by the database clock: both yellow cards (the flag's and the rung's, each naming
  // the supervising office) were raised by the test clock, long before now; the reminder stays.
  const escalator = new AlertEscalator({ db: h.store.db, policy: { afterMs: 60_000, levels: ['yellow-card'], target: 'supervising-office' }, onEscalated: (a) => metrics.observeEscalations(a) });
  expect(await escalator.drain()).toBe(2);
  stream = await scrape();
  expect(stream.get('govflow_outbox_backlog')).toBe(4);
  expect(stream.get('govflow_alert_escalations_total{level="yellow-card"}')).toBe(2);
  expect(stream.get('govflow_alerts_open{level="yellow-card",escalated="true"}')).toBe(2);
  expect(stream.has('govflow_alerts_open{level="yellow-card",escalated="false"}')).toBe(false);
  expect(stream.get('govflow_alerts_open{level="reminder",escalated="false"}')).toBe(1);
  // The stream ended: no client is counted any more once the hub lets it go.
  await api.streams.close();
  expect((await scrape()).get('govflow_sse_clients')).toBe(0);
});

it('asks for the metrics token when one is configured', async () => {
  const app = new Hono<AppEnv>();
  registerMetricsRoute(app, { db: h.store.db } as Parameters<typeof registerMetricsRoute>[1], api.streams, { GOVFLOW_METRICS_TOKEN: 'scrape-secret-1' });
  app.onError(createErrorHandler({ logger: h.logger, recordDenial: async () => undefined }));
  expect((await app.request('/metrics')).status).toBe(401);
  expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  const ok = await app.request('/metrics', { headers: { authorization: 'Bearer scrape-secret-1' } });
  expect(ok.status).toBe(200);
  expect(await ok.text()).toContain('# TYPE govflow_outbox_backlog gauge');
});
