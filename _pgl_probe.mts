import { PGlite } from '@electric-sql/pglite';
const db = new PGlite();
await db.exec(`create table t (id int, position bigint generated always as identity); insert into t (id) values (1),(2);`);
console.log((await db.query(`select pg_current_snapshot()::text s, pg_current_xact_id()::text x, (select coalesce(jsonb_agg(x::text),'[]') from pg_snapshot_xip(pg_current_snapshot()) x) xip, pg_xact_status(pg_current_xact_id()) st`)).rows);
console.log((await db.query(`select * from t`)).rows);
console.log((await db.query(`select bool_and(pg_xact_status(cast(x as xid8)) is distinct from 'in progress') ok from unnest(cast($1 as text[])) x`, [['5','6']])).rows);
