/**
 * One numbered schema change. Statements run in order inside the migration transaction;
 * they are kept apart (not one script) because PGlite's extended protocol takes one
 * statement per call. A migration is never edited once it has landed: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}
