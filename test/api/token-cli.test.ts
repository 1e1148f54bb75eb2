import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { findToken } from '../../adapters/auth/api-tokens.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import { dropSchema, freshSchemaName, testDatabaseUrl } from '../support/test-database.ts';

/** `govflow token create|list` for the window's chief representative, on PostgreSQL, as a separate process. */

const ROOT = path.resolve(import.meta.dirname, '../..');
const schema = freshSchemaName('token cli');
const env = { ...process.env, DATABASE_URL: testDatabaseUrl(), GOVFLOW_SCHEMA: schema };
const govflow = (...args: string[]) => promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/govflow.mjs'), ...args], { env, cwd: ROOT });

afterAll(() => dropSchema(testDatabaseUrl(), schema));

it('issues a chief-representative token for a department and lists it', async () => {
  const created = await govflow('token', 'create', '--role', 'chief-representative', '--department', 'health', '--region', '520100', '--name', 'cr-21', '--json');
  const issued = JSON.parse(created.stdout) as { token: string; role: string; department: string; region: string; name: string };
  expect(issued).toMatchObject({ role: 'chief-representative', department: 'health', region: '520100', name: 'cr-21' });

  const store = await openPostgresStore({ connectionString: testDatabaseUrl(), schema, max: 1 });
  try {
    expect(await findToken(store.db, issued.token, Date.now())).toMatchObject({ role: 'chief-representative', department: 'health', name: 'cr-21' });
  } finally {
    await store.close();
  }
  expect((await govflow('token', 'list')).stdout).toMatch(/chief-representative +health +520100 +cr-21 +有效 active/);
});
