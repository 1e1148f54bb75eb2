import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { createPostgresBus } from '../bus/postgres-bus.ts';
import type { Database } from './database.ts';
import { prepareMarkedStatements } from './prepared-statements.ts';
import type { Store } from './store.ts';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding govflow's tables; created when missing. Default `public`. */
  schema?: string;
  /** Pool size. Default 10. */
  max?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens a pool on PostgreSQL with `search_path` set to the govflow schema on every
 * connection, so one server can hold several independent govflow schemas (tests do).
 *
 * @throws Error when the schema name is not a plain lower-case identifier, or the server is unreachable.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`模式名无效 invalid schema name: ${schema}`);
  }
  const config: pg.ClientConfig = { connectionString: options.connectionString, options: `-c search_path=${schema}` };
  const pool = new pg.Pool({ ...config, max: options.max ?? 10 });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  pool.on('connect', prepareMarkedStatements);
  await pool.query(`create schema if not exists ${schema}`).catch((error: unknown) => {
    // Several nodes creating the schema at once: `if not exists` still races in the catalog.
    if ((error as { code?: string }).code !== '23505') throw error;
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const bus = createPostgresBus(config, schema, pool);
  return {
    kind: 'postgres',
    schema,
    db,
    bus,
    async dumpDataDir() {
      return undefined;
    },
    async close() {
      await bus.close();
      await db.destroy();
    },
  };
}
