import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { BACKENDS, openTestStore, type BackendKind, type TestStore } from './test-database.ts';

/**
 * Declares `body` once per backend (PGlite and PostgreSQL), each with its own migrated store
 * opened before the block's tests and disposed after them; the PostgreSQL schema is kept when
 * a test failed. `body` receives a getter, valid inside tests and hooks.
 */
export function describeEachBackend(title: string, body: (store: () => TestStore, kind: BackendKind) => void): void {
  for (const kind of BACKENDS) {
    describe(`${title} [${kind}]`, () => {
      let store: TestStore | undefined;
      let failed = false;
      beforeAll(async () => {
        store = await openTestStore(kind, title);
      });
      beforeEach(({ onTestFailed }) => {
        onTestFailed(() => {
          failed = true;
        });
      });
      afterAll(async () => {
        await store?.dispose(failed);
      });
      body(() => {
        if (!store) throw new Error('store not open yet');
        return store;
      }, kind);
    });
  }
}
