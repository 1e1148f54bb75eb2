import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../adapters/storage/migrate.ts';
import { openPGliteStore } from '../../adapters/storage/open-pglite.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import type { Store } from '../../adapters/storage/store.ts';

/** Backends every storage contract test runs against. None is ever skipped. */
export const BACKENDS = ['pglite', 'postgres'] as const;
export type BackendKind = (typeof BACKENDS)[number];

/** The PostgreSQL the tests use: `TEST_DATABASE_URL`, else the local server's `test` database. */
export function testDatabaseUrl(): string {
  return process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** A migrated store for one test file, and how to dispose of it. */
export interface TestStore extends Store {
  /** Closes; on PostgreSQL also drops the schema, unless `keep` (a failed test keeps it for inspection). */
  dispose(keep: boolean): Promise<void>;
}

/** A fresh schema name: `gft_<label>_<random>`. */
export function freshSchemaName(label: string): string {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  return `gft_${slug}_${randomBytes(4).toString('hex')}`;
}

let snapshot: Blob | undefined;

/**
 * Opens a migrated store: PGlite loaded from the run's snapshot, or a new schema on PostgreSQL.
 * @throws when PostgreSQL is unreachable: its tests fail rather than skip.
 */
export async function openTestStore(kind: BackendKind, label: string): Promise<TestStore> {
  if (kind === 'pglite') {
    snapshot ??= new Blob([await readFile(inject('pgliteSnapshot'))]);
    const store = await openPGliteStore({ loadDataDir: snapshot });
    return { ...store, dispose: () => store.close() };
  }
  const schema = freshSchemaName(label);
  const url = testDatabaseUrl();
  const store = await openPostgresStore({ connectionString: url, schema }).catch((error: unknown) => {
    throw new Error(`PostgreSQL 不可达，测试失败而非跳过 PostgreSQL unreachable at ${url}; start it (see .ci/run)`, { cause: error });
  });
  await migrate(store.db);
  return {
    ...store,
    async dispose(keep: boolean) {
      await store.close();
      if (keep) {
        process.stderr.write(`保留失败测试的模式 keeping schema ${schema} of a failed test for inspection\n`);
        return;
      }
      await dropSchema(url, schema);
    },
  };
}

/** Drops a test schema with a short-lived connection. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}
