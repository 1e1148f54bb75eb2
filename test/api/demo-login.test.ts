import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { TOKEN_ROLES, type TokenRole } from '../../adapters/auth/api-tokens.ts';
import { createLogger } from '../../api/http/logging/logger.ts';
import { DEMO_DEPARTMENT, DEMO_REGION, issueDemoLogin } from '../../api/http/server/demo-login.ts';
import { startServer, type RunningServer } from '../../api/http/server/start-server.ts';

/**
 * The demo login of `npm start` on an empty embedded database: one token per role, the chief
 * representative's included, printed in the banner and read back from it as a person would.
 */

let server: RunningServer;
let dataDir: string;
let banner = '';
const tokens = new Map<TokenRole, string>();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'govflow-demo-login-'));
  execFileSync('tar', ['-xf', inject('pgliteSnapshot'), '-C', dataDir], { stdio: 'ignore' });
  server = await startServer({
    port: 0,
    dataDir,
    processesDir: path.resolve(import.meta.dirname, 'fixtures'),
    logger: createLogger({ destination: { write: () => undefined } }),
    print: (text) => void (banner += text),
  });
  const roles = TOKEN_ROLES.map((r) => r.replace('-', '\\-')).join('|');
  for (const m of banner.matchAll(new RegExp(`\\s(${roles})\\s+(gf_[A-Za-z0-9_-]{43})\\s*$`, 'gm'))) tokens.set(m[1] as TokenRole, m[2]!);
});
afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function call(method: string, url: string, role: TokenRole, json?: unknown) {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${tokens.get(role)}`, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('demo login on an empty embedded database', () => {
  it('prints one token for every role, the chief representative included, each on its own line', () => {
    expect([...tokens.keys()].sort()).toEqual([...TOKEN_ROLES].sort());
    expect(new Set(tokens.values()).size).toBe(TOKEN_ROLES.length);
    expect(banner).toMatch(/首席代表 chief representative\s+chief-representative\s+gf_/);
  });

  it("gives the chief representative the demo department and lets it urge that department's task", async () => {
    const me = await call('GET', '/api/v1/me', 'chief-representative');
    expect(me.body).toMatchObject({ kind: 'staff', role: 'chief-representative', department: DEMO_DEPARTMENT, region: DEMO_REGION });
    const started = await call('POST', '/api/v1/instances', 'window', { definition: 'api-permit', data: { applicant: { name: '演示' } } });
    expect(started.status).toBe(201);
    const urged = await call('POST', `/api/v1/instances/${String(started.body['instanceId'])}/tasks/received/urge`, 'chief-representative', { message: '请尽快受理' });
    expect(urged.status).toBe(200);
  });

  it('issues the demo login only once', async () => {
    expect(await issueDemoLogin(server.store.db, Date.now())).toBeUndefined();
  });
});

describe('service settings', () => {
  it('refuses a GOVFLOW_GROUP_COMMIT that is neither on nor off before opening anything', async () => {
    const before = process.env['GOVFLOW_GROUP_COMMIT'];
    process.env['GOVFLOW_GROUP_COMMIT'] = 'yes';
    try {
      await expect(startServer({ port: 0, dataDir: path.join(dataDir, 'never-opened') })).rejects.toThrow("GOVFLOW_GROUP_COMMIT 须为 on 或 off must be on or off, got 'yes'");
    } finally {
      if (before === undefined) delete process.env['GOVFLOW_GROUP_COMMIT'];
      else process.env['GOVFLOW_GROUP_COMMIT'] = before;
    }
  });
});
