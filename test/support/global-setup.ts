import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../adapters/storage/migrate.ts';
import { openPGliteStore } from '../../adapters/storage/open-pglite.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of a `dumpDataDir()` tarball of a migrated PGlite database. */
    pgliteSnapshot: string;
  }
}

/**
 * Builds one migrated PGlite database per test run (initdb costs ~8 s of CPU) and hands its
 * tarball to every test file, which loads it in about a second. Wire it in vitest.config.ts:
 * `globalSetup: ['test/support/global-setup.ts']`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-pglite-'));
  const file = path.join(dir, 'migrated.tar');
  const store = await openPGliteStore({});
  try {
    await migrate(store.db);
    const blob = await store.dumpDataDir();
    if (!blob) throw new Error('PGlite returned no snapshot');
    await writeFile(file, Buffer.from(await blob.arrayBuffer()));
  } finally {
    await store.close();
  }
  project.provide('pgliteSnapshot', file);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
