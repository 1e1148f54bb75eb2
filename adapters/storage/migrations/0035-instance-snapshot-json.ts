import type { Migration } from './migration.ts';

/**
 * An instance's snapshot is stored as `json`, the text the engine wrote, instead of `jsonb`. The
 * runtime writes it whole on every command and reads it whole on the next; nothing queries inside
 * it on a hot path (the case search reads two members of a page of rows). As `jsonb` every write
 * parsed it into a tree, sorted its keys and encoded it, and every read printed it back to text:
 * about a third of the JSON a command sends, and the costliest part of the database's work on a
 * timer storm. `json` is checked for being valid JSON and kept as it is.
 */
export const migration0035: Migration = {
  version: 35,
  name: 'instance-snapshot-json',
  statements: [`alter table instances alter column snapshot type json using cast(snapshot as json)`],
};
