import type { Kysely } from 'kysely';
import type { RealtimeBus } from '../bus/realtime-bus.ts';
import type { Database } from './database.ts';

/** An open database: the kysely handle, the realtime bus that fits its driver, and `close()`. */
export interface Store {
  kind: 'postgres' | 'pglite';
  /** Schema holding the tables (`public` on PGlite). */
  schema: string;
  db: Kysely<Database>;
  bus: RealtimeBus;
  /** PGlite only: a tarball of the data directory (test snapshots); `undefined` on PostgreSQL. */
  dumpDataDir(): Promise<Blob | undefined>;
  /** Closes the pool or the embedded database and the bus. Always call it. */
  close(): Promise<void>;
}
