import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { createMemoryBus } from '../bus/memory-bus.ts';
import type { Database } from './database.ts';
import type { Store } from './store.ts';

export interface PGliteStoreOptions {
  /** Directory holding the database; `undefined` keeps it in memory (tests). */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from instead of running initdb (≈ 8 s saved). */
  loadDataDir?: Blob;
}

/**
 * Opens the embedded database. PGlite serves one connection, so the kysely dialect queues
 * queries and transactions; `SKIP LOCKED` and advisory locks still behave, trivially.
 * The parent of `dataDir` is created first, as PGlite does not create it.
 */
export async function openPGliteStore(options: PGliteStoreOptions): Promise<Store> {
  let dataDir: string | undefined;
  if (options.dataDir !== undefined) {
    dataDir = path.resolve(options.dataDir);
    await mkdir(path.dirname(dataDir), { recursive: true });
  }
  const pglite = new PGlite({
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(options.loadDataDir !== undefined ? { loadDataDir: options.loadDataDir } : {}),
  });
  await pglite.waitReady;
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  const bus = createMemoryBus();
  return {
    kind: 'pglite',
    schema: 'public',
    db,
    bus,
    async dumpDataDir() {
      return pglite.dumpDataDir('none');
    },
    async close() {
      await bus.close();
      // Destroying the kysely instance closes PGlite; without it the process would not exit.
      await db.destroy();
    },
  };
}
