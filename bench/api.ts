/**
 * The HTTP API under concurrent requests (not part of `npm test`):
 *   npx tsx bench/api.ts [--callers 64] [--seconds 4] [--runs 3]
 * Each run: a fresh schema, the API as the service builds it (token auth, validation, case
 * lookup, command, JSON answer) over one runtime, `--callers` cases accepted by the window, then
 * every caller posts `note` events to its own case for `--seconds`. Requests go through the Hono
 * app in process (no socket), so the figure is the service's own cost. The runtime runs one
 * transaction per command or group commit (the service's default), alternating run by run.
 */
import { createToken } from '../adapters/auth/api-tokens.ts';
import { systemClock } from '../adapters/runtime/clock.ts';
import { compileStoredWith } from '../adapters/runtime/compile-stored.ts';
import { SYSTEM_ACTOR } from '../adapters/runtime/engine-port.ts';
import { createRuntime } from '../adapters/runtime/runtime.ts';
import { createApi } from '../api/http/app.ts';
import { DefinitionCatalog } from '../api/http/definitions/definition-catalog.ts';
import { createLogger } from '../api/http/logging/logger.ts';
import { loadApiFixture, templateSources } from '../test/api/support/api-harness.ts';
import { calendars } from '../test/support/runtime-fixture.ts';
import { formatReport, median } from './report.ts';
import { freshStore } from './runtime-workloads.ts';
import { benchDatabaseUrl, option } from './options.ts';

const callers = Number(option('callers', '64'));
const seconds = Number(option('seconds', '4'));
const runs = Number(option('runs', '3'));
const url = benchDatabaseUrl();
const REGION = '520000';

interface RunFigures {
  perSecond: number;
  p50: number;
  p99: number;
}

async function once(groupCommit: boolean): Promise<RunFigures> {
  const store = await freshStore(url, 8);
  const runtime = createRuntime({ db: store.db, compileStored: compileStoredWith(calendars), defaultRegion: REGION, groupCommit: groupCommit ? {} : false });
  const logger = createLogger({ level: 'warn', destination: { write: () => undefined } });
  const catalog = new DefinitionCatalog({ db: store.db, runtime, calendars, templates: templateSources });
  const api = createApi({ db: store.db, runtime, bus: store.bus, catalog, clock: systemClock, logger, defaultRegion: REGION }, {});
  try {
    await runtime.publish(loadApiFixture('api-permit'), SYSTEM_ACTOR);
    const { token } = await createToken(store.db, { role: 'window', department: 'market-regulation', region: REGION, name: 'bench-window', createdBy: 'bench' }, Date.now());
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const response = await api.app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await response.text();
      if (response.status !== 200 && response.status !== 201) throw new Error(`${path}: HTTP ${response.status} ${text}`);
      return JSON.parse(text) as { instanceId: string };
    };
    const ids: string[] = [];
    for (let c = 0; c < callers; c++) {
      const { instanceId } = await post('/api/v1/instances', { definition: 'api-permit', data: { applicant: { name: `申请人${c}` } } });
      await post(`/api/v1/instances/${instanceId}/events/accept`, {});
      ids.push(instanceId);
    }
    const latencies: number[] = [];
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    await Promise.all(
      ids.map(async (id, c) => {
        for (let n = 0; performance.now() < end; n++) {
          const s = performance.now();
          await post(`/api/v1/instances/${id}/events/note`, { payload: { text: `备注 ${c}-${n}` } });
          latencies.push(performance.now() - s);
        }
      }),
    );
    const perSecond = latencies.length / ((performance.now() - t0) / 1000);
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0;
    return { perSecond, p50: at(0.5), p99: at(0.99) };
  } finally {
    await api.streams.close();
    await runtime.close();
    await store.drop();
  }
}

const figures = { single: [] as RunFigures[], group: [] as RunFigures[] };
for (let r = 0; r < runs; r++) {
  for (const mode of ['single', 'group'] as const) {
    const f = await once(mode === 'group');
    figures[mode].push(f);
    process.stderr.write(`api ${mode} run ${r + 1}: ${Math.round(f.perSecond)} requests/s, p99 ${f.p99.toFixed(1)} ms\n`);
  }
}
const rows = (label: string, list: RunFigures[]) => [
  { name: `${label}: requests/s`, values: list.map((f) => f.perSecond) },
  { name: `${label}: p50 latency ms`, values: list.map((f) => f.p50) },
  { name: `${label}: p99 latency ms`, values: list.map((f) => f.p99) },
];
const ratio = median(figures.group.map((f) => f.perSecond)) / median(figures.single.map((f) => f.perSecond));
process.stdout.write(
  `${formatReport(`HTTP API 接口吞吐 — ${callers} callers posting note events to their own cases, ${seconds} s per run, requests through the app in process`, [
    ...rows('one transaction per command', figures.single),
    ...rows('group commit (the service default)', figures.group),
  ])}\n\nGroup commit ÷ one transaction per command (requests/s, medians): ${ratio.toFixed(2)}×.\n`,
);
