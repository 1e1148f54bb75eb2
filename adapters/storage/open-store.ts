import { openPGliteStore } from './open-pglite.ts';
import { openPostgresStore } from './open-postgres.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  /** PostgreSQL URL. Default `DATABASE_URL`; when neither is set the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory. Default `GOVFLOW_DATA_DIR`, else `./data`. */
  dataDir?: string;
  /** PostgreSQL schema. Default `GOVFLOW_SCHEMA`, else `public`. */
  schema?: string;
  /** PostgreSQL pool size. Default 10. */
  poolSize?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the store the environment asks for: PostgreSQL via `pg` when a URL is given,
 * otherwise PGlite embedded in this process. Does not migrate; call `migrate()`.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const env = options.env ?? process.env;
  const url = options.databaseUrl ?? env['DATABASE_URL'];
  if (url) {
    return openPostgresStore({
      connectionString: url,
      schema: options.schema ?? env['GOVFLOW_SCHEMA'] ?? 'public',
      ...(options.poolSize !== undefined ? { max: options.poolSize } : {}),
    });
  }
  return openPGliteStore({ dataDir: options.dataDir ?? env['GOVFLOW_DATA_DIR'] ?? './data' });
}
