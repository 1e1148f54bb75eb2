import { sql, type Kysely } from 'kysely';
import { AdapterError } from '../errors.ts';
import type { Database } from './database.ts';
import { migrations as bundled, type Migration } from './migrations/index.ts';

export interface MigrationReport {
  /** Versions applied by this call, in order; empty when the schema was current. */
  applied: Array<{ version: number; name: string }>;
  /** Highest version now in the database. */
  current: number;
}

/**
 * Brings the schema in the connection's `current_schema()` up to date, in one transaction,
 * under a transaction-scoped advisory lock so several engine processes may start at once.
 * Then makes sure audit partitions exist for this month and the next two.
 *
 * @throws AdapterError `SCHEMA_NEWER_THAN_CODE` when the database has a version this build
 *   does not know; `MIGRATION_MISMATCH` when an applied version has another name.
 */
export async function migrate(db: Kysely<Database>, list: readonly Migration[] = bundled): Promise<MigrationReport> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.govflow.migrate'))`.execute(trx);
    await sql`create table if not exists govflow_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`.execute(trx);
    const rows = await trx.selectFrom('govflow_migrations').select(['version', 'name']).orderBy('version').execute();
    const known = new Map(list.map((m) => [m.version, m]));
    for (const row of rows) {
      const mine = known.get(row.version);
      if (!mine) {
        throw new AdapterError(
          'SCHEMA_NEWER_THAN_CODE',
          `数据库架构版本 ${row.version}（${row.name}）比本程序新 database schema version ${row.version} (${row.name}) is newer than this build`,
          { version: row.version, name: row.name },
        );
      }
      if (mine.name !== row.name) {
        throw new AdapterError(
          'MIGRATION_MISMATCH',
          `迁移 ${row.version} 名称不符：数据库 ${row.name}，代码 ${mine.name} migration ${row.version} name differs: database ${row.name}, code ${mine.name}`,
          { version: row.version, database: row.name, code: mine.name },
        );
      }
    }
    const done = new Set(rows.map((r) => r.version));
    const applied: MigrationReport['applied'] = [];
    for (const m of [...list].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements) await sql.raw(statement).execute(trx);
      await trx.insertInto('govflow_migrations').values({ version: m.version, name: m.name }).execute();
      applied.push({ version: m.version, name: m.name });
    }
    await sql`select ensure_audit_partitions(now(), 2)`.execute(trx);
    const current = Math.max(0, ...rows.map((r) => r.version), ...applied.map((a) => a.version));
    return { applied, current };
  });
}
