import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { TokenRole } from '../../../adapters/auth/api-tokens.ts';
import { createLogger } from '../../../api/http/logging/logger.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../../api/http/server/start-server.ts';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface DashboardServer {
  server: RunningServer;
  /** The demo tokens the server printed, by role. */
  tokens: Map<TokenRole, string>;
  logLines: string[];
  call(method: string, url: string, options?: { role?: TokenRole; json?: unknown; yaml?: string }): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- inspected field by field
  close(): Promise<void>;
}

/**
 * The real server (`startServer`, as `npm start` runs it) on an embedded database in a fresh
 * directory, unpacked from the run's migrated snapshot (initdb would cost ~8 s), so the first
 * start prints its demo tokens — which are read from the banner, as a person would.
 */
export async function startDashboardServer(options: Partial<ServerOptions> = {}): Promise<DashboardServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'govflow-dashboard-'));
  // The snapshot is a plain tar of the data directory (dumpDataDir('none')).
  execFileSync('tar', ['-xf', inject('pgliteSnapshot'), '-C', dataDir], { stdio: 'ignore' });
  let banner = '';
  const logLines: string[] = [];
  const server = await startServer({
    port: 0,
    dataDir,
    logger: createLogger({ destination: { write: (line: string) => void logLines.push(line) } }),
    print: (text) => void (banner += text),
    timerPollMs: 100,
    ...options,
  });
  const tokens = new Map<TokenRole, string>();
  for (const m of banner.matchAll(/\s(window|officer|head|designer|supervisor|auditor|admin)\s+(gf_[A-Za-z0-9_-]+)/g)) tokens.set(m[1] as TokenRole, m[2]!);
  if (!tokens.has('supervisor')) throw new Error(`演示令牌未打印 no demo tokens in the banner:\n${banner}`);
  return {
    server,
    tokens,
    logLines,
    async call(method, url, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.role) headers['authorization'] = `Bearer ${tokens.get(opts.role)}`;
      let body: string | undefined;
      if (opts.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(opts.json);
      } else if (opts.yaml !== undefined) {
        headers['content-type'] = 'application/yaml';
        body = opts.yaml;
      }
      const response = await fetch(`${server.url}${url}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      return { status: response.status, body: text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The drill definition whose first ladder rung is due the moment its clock starts. */
export async function drillYaml(): Promise<string> {
  return readFile(path.join(ROOT, 'test/dashboard/fixtures/supervision-drill.yaml'), 'utf8');
}
