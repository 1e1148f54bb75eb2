import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, testDatabaseUrl } from '../support/test-database.ts';

/** `govflow serve` as a separate process on PostgreSQL: it serves, then stops cleanly on SIGTERM. */

const ROOT = path.resolve(import.meta.dirname, '../..');
const schema = freshSchemaName('serve cli');

afterAll(() => dropSchema(testDatabaseUrl(), schema));

it('serves until SIGTERM, then closes and exits 0', async () => {
  const server = spawn(process.execPath, ['bin/govflow.mjs', 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: testDatabaseUrl(), GOVFLOW_SCHEMA: schema },
  });
  let stderr = '';
  server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(server, 'exit');
  let url: string | undefined;
  for await (const line of createInterface({ input: server.stdout })) {
    url = /listening on (\S+)/.exec(line)?.[1];
    if (url) break;
  }
  expect(url, stderr).toMatch(/^http:\/\//);
  const health = await fetch(new URL('/healthz', url));
  expect(health.status).toBe(200);
  server.kill('SIGTERM');
  expect(await exited).toEqual([0, null]);
  expect(stderr).toContain('SIGTERM: stopping');
});
