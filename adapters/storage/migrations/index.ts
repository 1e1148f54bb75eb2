import type { Migration } from './migration.ts';
import { migration0001 } from './0001-definitions-instances.ts';
import { migration0002 } from './0002-audit-events.ts';
import { migration0003 } from './0003-worklist-timers-outbox.ts';

export type { Migration } from './migration.ts';

/**
 * Every migration, bundled by static import so the embedded database and a bundled build
 * need no migrations folder on disk. Append only; numbers are dense and ascending.
 */
export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003];
