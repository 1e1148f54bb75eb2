/**
 * Live alert fan-out benchmark (not part of `npm test`): how long one alert takes to reach every
 * one of N supervisors watching `GET /api/v1/streams/alerts`.
 *   npx tsx bench/sse.ts [--clients 500] [--runs 5] [--out bench/sse-results.md]
 * The real server (`startServer`) runs in this process on PostgreSQL — BENCH_DATABASE_URL, else
 * TEST_DATABASE_URL, else the local `test` database — in a fresh schema that is dropped at the end,
 * so the path is the production one: command commits → outbox relay → LISTEN/NOTIFY bus → stream
 * hub → N SSE writes. The clients run in a child process (the other core), so the server's event
 * loop is not shared with N stream parsers. Each run raises one alert with a command (the `flag`
 * event of the API test fixture, which raises a yellow card in the same transaction) and times it
 * from the command being sent until the last client has parsed the alert.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createToken } from '../adapters/auth/api-tokens.ts';
import { createLogger } from '../api/http/logging/logger.ts';
import { startServer } from '../api/http/server/start-server.ts';
import { freshSchemaName, dropSchema } from '../test/support/test-database.ts';
import { int, summarise } from './runtime-stats.ts';
import { benchDatabaseUrl, option } from './options.ts';

const HERE = fileURLToPath(import.meta.url);

type ToChild = { t: 'connect'; url: string; token: string; clients: number } | { t: 'expect'; alertId: string } | { t: 'stop' };
type FromChild = { t: 'connected'; ready: number } | { t: 'received'; alertId: string; at: number[] } | { t: 'error'; message: string };

/** Wall time with sub-millisecond resolution, comparable between the two processes of this machine. */
const now = () => performance.timeOrigin + performance.now();

if (process.argv.includes('--child')) runClients();
else await main();

/** The child: N streaming clients that report when each one has parsed the awaited alert. */
function runClients(): void {
  const streams: Array<{ buffer: string; seen: Set<string>; ended: boolean }> = [];
  let waiting: { alertId: string; at: number[]; left: number; timer: NodeJS.Timeout } | undefined;
  const send = (m: FromChild) => process.send?.(m);
  process.on('message', (m: ToChild) => {
    if (m.t === 'stop') process.exit(0);
    if (m.t === 'expect') {
      const timer = setTimeout(() => {
        const ended = streams.filter((st) => st.ended).length;
        send({ t: 'error', message: `alert ${m.alertId}: ${waiting?.left ?? 0} of ${streams.length} clients still waiting after 30 s (${ended} streams ended)` });
      }, 30_000);
      waiting = { alertId: m.alertId, at: new Array(streams.length).fill(0), left: streams.length, timer };
      // An alert may have arrived before its id was known: look back.
      streams.forEach((s, i) => s.seen.has(m.alertId) && arrived(i));
      return;
    }
    if (m.t !== 'connect') return;
    let ready = 0;
    for (let i = 0; i < m.clients; i++) {
      const state = { buffer: '', seen: new Set<string>(), ended: false };
      streams.push(state);
      void (async () => {
        const response = await fetch(`${m.url}/api/v1/streams/alerts`, { headers: { authorization: `Bearer ${m.token}` } });
        if (!response.ok || !response.body) throw new Error(`stream ${i}: HTTP ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            state.ended = true;
            return;
          }
          state.buffer += value;
          let end;
          while ((end = state.buffer.indexOf('\n\n')) !== -1) {
            const block = state.buffer.slice(0, end);
            state.buffer = state.buffer.slice(end + 2);
            if (block.startsWith('event: ready')) {
              if (++ready === m.clients) send({ t: 'connected', ready });
            } else if (block.startsWith('event: alert')) {
              const data = block.split('\n').find((l) => l.startsWith('data: '));
              const alertId = data ? (JSON.parse(data.slice(6)) as { alertId?: string }).alertId : undefined;
              if (!alertId) continue;
              state.seen.add(alertId);
              if (waiting?.alertId === alertId) arrived(i);
            }
          }
        }
      })().catch((error: unknown) => send({ t: 'error', message: String(error) }));
    }
  });
  function arrived(i: number): void {
    if (!waiting || waiting.at[i] !== 0) return;
    waiting.at[i] = now();
    if (--waiting.left === 0) {
      clearTimeout(waiting.timer);
      send({ t: 'received', alertId: waiting.alertId, at: waiting.at });
      waiting = undefined;
    }
  }
}

function nextMessage(child: ChildProcess, want: FromChild['t'], timeoutMs: number): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${want}' from the clients within ${timeoutMs} ms`)), timeoutMs);
    const on = (m: FromChild) => {
      if (m.t === 'error') {
        clearTimeout(timer);
        child.off('message', on);
        reject(new Error(m.message));
      } else if (m.t === want) {
        clearTimeout(timer);
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
  });
}

async function main(): Promise<void> {
  const clients = Number(option('clients', '500'));
  const runs = Math.max(3, Number(option('runs', '5')));
  const out = option('out', 'bench/sse-results.md');
  const url = benchDatabaseUrl();
  const schema = freshSchemaName('bench sse');
  const server = await startServer({ port: 0, databaseUrl: url, schema, logger: createLogger({ level: 'warn' }), print: () => undefined });
  const child = fork(HERE, ['--child'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  try {
    const token = async (role: 'designer' | 'window' | 'supervisor') =>
      (await createToken(server.store.db, { role, department: 'market-regulation', region: '520000', name: `bench-${role}`, createdBy: 'bench' }, Date.now())).token;
    const [designer, window, supervisor] = [await token('designer'), await token('window'), await token('supervisor')];
    const call = async (method: string, p: string, bearer: string, body?: { json?: unknown; yaml?: string }) => {
      const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
      if (body?.json !== undefined) headers['content-type'] = 'application/json';
      if (body?.yaml !== undefined) headers['content-type'] = 'application/yaml';
      const response = await fetch(`${server.url}${p}`, { method, headers, ...(body ? { body: body.yaml ?? JSON.stringify(body.json) } : {}) });
      const parsed = (await response.json()) as Record<string, unknown>;
      if (!response.ok) throw new Error(`${method} ${p}: ${response.status} ${JSON.stringify(parsed)}`);
      return parsed;
    };
    await call('POST', '/api/v1/definitions', designer, { yaml: readFileSync(path.join(path.dirname(HERE), '../test/api/fixtures/api-permit.yaml'), 'utf8') });

    child.send({ t: 'connect', url: server.url, token: supervisor, clients } satisfies ToChild);
    const connectedAt = now();
    await nextMessage(child, 'connected', 120_000);
    process.stderr.write(`${clients} 个实时推送连接就绪 streams ready in ${int(now() - connectedAt)} ms\n`);

    const last: number[] = [];
    const median: number[] = [];
    const first: number[] = [];
    for (let run = 0; run <= runs; run++) {
      const started = await call('POST', '/api/v1/instances', window, { json: { definition: 'api-permit', data: { applicant: { name: '压测' } } } });
      const instanceId = started['instanceId'] as string;
      const received = nextMessage(child, 'received', 60_000);
      const sentAt = now();
      await call('POST', `/api/v1/instances/${instanceId}/events/flag`, window, { json: {} });
      const { rows } = await server.store.db.selectFrom('alerts').select('id').where('instance_id', '=', instanceId).execute().then((r) => ({ rows: r }));
      child.send({ t: 'expect', alertId: rows[0]!.id } satisfies ToChild);
      const { at } = (await received) as Extract<FromChild, { t: 'received' }>;
      const delays = at.map((t) => t - sentAt).sort((a, b) => a - b);
      // Run 0 warms up (JIT, first NOTIFY listener round trip) and is not counted.
      if (run === 0) continue;
      first.push(delays[0]!);
      median.push(delays[Math.floor(delays.length / 2)]!);
      last.push(delays.at(-1)!);
      process.stderr.write(`run ${run}: first ${delays[0]!.toFixed(1)} ms, median ${median.at(-1)!.toFixed(1)} ms, last ${last.at(-1)!.toFixed(1)} ms\n`);
    }
    const fmt = (values: number[]) => {
      const s = summarise(values);
      return `${s.median.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)})`;
    };
    const report = [
      '# 实时预警推送基准 Live alert fan-out benchmark',
      '',
      `\`npx tsx bench/sse.ts --clients ${clients} --runs ${runs}\` — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), PostgreSQL bus (LISTEN/NOTIFY).`,
      '',
      `One alert (a command that raises a yellow card) to ${clients} SSE clients of \`/api/v1/streams/alerts\`, timed from sending the command until each client has parsed the alert. Median over ${runs} runs after one warm-up run, with min and max:`,
      '',
      '| 指标 measure | 中位数 median (min, max) |',
      '|---|---|',
      `| 首个客户端收到 first client | ${fmt(first)} |`,
      `| 半数客户端收到 median client | ${fmt(median)} |`,
      `| 全部客户端收到 last client (all ${clients}) | ${fmt(last)} |`,
      '',
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    writeFileSync(out, report);
  } finally {
    child.send({ t: 'stop' } satisfies ToChild);
    await server.close();
    await dropSchema(url, schema);
  }
}
