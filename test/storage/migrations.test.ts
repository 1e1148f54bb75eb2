import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { isAdapterError } from '../../adapters/errors.ts';
import { migrate } from '../../adapters/storage/migrate.ts';
import { migrations } from '../../adapters/storage/migrations/index.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import { dumpSchema } from '../../adapters/storage/schema-dump.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { readFeed } from '../../api/http/streams/feed.ts';
import { actors, loadFixture } from '../support/runtime-fixture.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { dropSchema, freshSchemaName, testDatabaseUrl } from '../support/test-database.ts';

const SCHEMA_FILE = path.resolve(import.meta.dirname, '../schema.sql');
const HEADER =
  '-- govflow schema, generated from the migrations by test/storage/migrations.test.ts (PGlite).\n' +
  '-- Do not edit: change a migration, then run `UPDATE_SCHEMA=1 npx vitest run test/storage/migrations.test.ts`.\n\n';

describeEachBackend('migrations', (store, kind) => {
  it('numbers migrations in ascending order, each once, and applies nothing twice', async () => {
    const versions = migrations.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    const report = await migrate(store().db);
    expect(report).toEqual({ applied: [], current: versions.at(-1) });
    const rows = await store().db.selectFrom('govflow_migrations').select(['version', 'name']).orderBy('version').execute();
    expect(rows).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
  });

  it('refuses a database that is newer than the code, or whose history differs', async () => {
    const { db } = store();
    const future = (migrations.at(-1)?.version ?? 0) + 1;
    const extra = [...migrations, { version: future, name: 'from-the-future', statements: ['select 1'] }];
    await migrate(db, extra);
    await expect(migrate(db)).rejects.toSatisfy((e) => isAdapterError(e, 'SCHEMA_NEWER_THAN_CODE'));
    const renamed = extra.map((m) => (m.version === 1 ? { ...m, name: 'renamed' } : m));
    await expect(migrate(db, renamed)).rejects.toSatisfy((e) => isAdapterError(e, 'MIGRATION_MISMATCH'));
    await db.deleteFrom('govflow_migrations').where('version', '=', future).execute();
  });

  it.runIf(kind === 'pglite')('matches the checked-in schema dump test/schema.sql (UPDATE_SCHEMA=1 rewrites it)', async () => {
    const dump = HEADER + (await dumpSchema(store().db));
    if (process.env['UPDATE_SCHEMA'] === '1') await writeFile(SCHEMA_FILE, dump);
    const checkedIn = await readFile(SCHEMA_FILE, 'utf8').catch(() => '(missing: run with UPDATE_SCHEMA=1)');
    expect(dump, 'schema changed: review the diff and run with UPDATE_SCHEMA=1 to update test/schema.sql').toBe(checkedIn);
  });

  it.runIf(kind === 'postgres')('lets several nodes migrate one fresh schema at once; one of them applies it', async () => {
    const schema = freshSchemaName('concurrent migrate');
    const nodes = await Promise.all([1, 2, 3].map(() => openPostgresStore({ connectionString: testDatabaseUrl(), schema, max: 2 })));
    try {
      const reports = await Promise.all(nodes.map((n) => migrate(n.db)));
      expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 0, migrations.length]);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from govflow_migrations`.execute(nodes[0]!.db);
      expect(rows[0]?.n).toBe(migrations.length);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await dropSchema(testDatabaseUrl(), schema);
    }
  });

  it.runIf(kind === 'postgres')('carries a database written before the shared feed over to it: old outbox rows stay in order, old audit rows stay out', async () => {
    const schema = freshSchemaName('feed upgrade');
    const node = await openPostgresStore({ connectionString: testDatabaseUrl(), schema, max: 2 });
    try {
      const { db } = node;
      await migrate(db, migrations.filter((m) => m.version < 36));
      const permit = loadFixture('runtime-permit');
      const runtime = createRuntime({ db });
      const { instanceId } = await runtime.start(permit, { applicant: '升级前' }, actors.applicant);
      await runtime.send(instanceId, 'accept', { actor: actors.window });
      await sql`insert into outbox (idempotency_key, instance_id, region, topic, payload)
        values (${`${instanceId}:2:1`}, ${instanceId}, '520000', 'instance.changed', '{"seq": 2}')`.execute(db);
      const old = await sql<{ outbox: string; audit: string }>`
        select (select max(position) from outbox) as outbox, (select max(position) from audit_events) as audit`.execute(db);
      await migrate(db);
      const { rows } = await sql<{ audit_from: string }>`select audit_from from feed_origin`.execute(db);
      const from = Number(rows[0]!.audit_from);
      expect(from).toBeGreaterThan(Math.max(Number(old.rows[0]!.outbox), Number(old.rows[0]!.audit)));

      await runtime.send(instanceId, 'note', { actor: actors.window, payload: { n: 1 } });
      const feed = await readFeed(db, 0, 100);
      expect(feed.map((m) => [m.topic, m.payload['seq']])).toEqual([
        ['notify', 2],
        ['instance.changed', 2],
        ['instance.changed', 3],
      ]);
      expect(feed.map((m) => m.position >= from)).toEqual([false, false, true]);
      expect(feed.map((m) => m.position)).toEqual([...feed.map((m) => m.position)].sort((a, b) => a - b));
    } finally {
      await node.close();
      await dropSchema(testDatabaseUrl(), schema);
    }
  });
});
