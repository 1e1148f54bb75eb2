import { sql } from 'kysely';
import type { Executor } from './database.ts';

/**
 * A stable text rendering of govflow's schema, read from the catalog of `current_schema()`:
 * tables (without their month partitions, which depend on today's date), columns, partition
 * keys, constraints, indexes, triggers, sequences and functions, each sorted by name.
 * Checked in as `test/schema.sql` so every schema change shows up as a reviewable diff.
 */
export async function dumpSchema(executor: Executor): Promise<string> {
  const out: string[] = [];
  const tables = await rows<{ oid: string; name: string; partkey: string | null; options: string | null }>(
    executor,
    sql`select cast(c.oid as text) as oid, c.relname as name,
          case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partkey,
          array_to_string(c.reloptions, ', ') as options
        from pg_class c where c.relnamespace = cast(current_schema() as regnamespace)
          and c.relkind in ('r', 'p') and not c.relispartition order by c.relname`,
  );
  for (const t of tables) {
    const columns = await rows<{ name: string; type: string; notnull: boolean; def: string | null }>(
      executor,
      sql`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
            pg_get_expr(d.adbin, d.adrelid) as def
          from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
          where a.attrelid = cast(${t.oid} as oid) and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    );
    const constraints = await rows<{ name: string; def: string }>(
      executor,
      sql`select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
          where conrelid = cast(${t.oid} as oid) and contype <> 'n' order by conname`,
    );
    const lines = [
      ...columns.map((c) => `  ${c.name} ${c.type}${c.notnull ? ' not null' : ''}${c.def !== null ? ` default ${c.def}` : ''}`),
      ...constraints.map((c) => `  constraint ${c.name} ${c.def}`),
    ];
    out.push(`create table ${t.name} (\n${lines.join(',\n')}\n)${t.partkey ? ` partition by ${t.partkey}` : ''}${t.options ? ` with (${t.options})` : ''};`);
    const indexes = await rows<{ def: string }>(
      executor,
      sql`select pg_get_indexdef(i.indexrelid) as def from pg_index i join pg_class c on c.oid = i.indexrelid
          where i.indrelid = cast(${t.oid} as oid) and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
          order by c.relname`,
    );
    out.push(...indexes.map((i) => `${i.def};`));
    const triggers = await rows<{ def: string }>(
      executor,
      sql`select pg_get_triggerdef(oid) as def from pg_trigger where tgrelid = cast(${t.oid} as oid) and not tgisinternal order by tgname`,
    );
    out.push(...triggers.map((g) => `${g.def};`));
    out.push('');
  }
  const sequences = await rows<{ name: string }>(
    executor,
    sql`select relname as name from pg_class where relnamespace = cast(current_schema() as regnamespace)
        and relkind = 'S' order by relname`,
  );
  out.push(...sequences.map((s) => `create sequence ${s.name};`), '');
  const functions = await rows<{ def: string }>(
    executor,
    sql`select pg_get_functiondef(p.oid) as def from pg_proc p
        where p.pronamespace = cast(current_schema() as regnamespace) order by p.proname, p.oid`,
  );
  out.push(...functions.map((f) => `${f.def.trimEnd()};\n`));
  const schema = (await rows<{ s: string }>(executor, sql`select current_schema() as s`))[0]?.s ?? 'public';
  return `${out.join('\n').replaceAll(`${schema}.`, '').trimEnd()}\n`;
}

async function rows<T>(executor: Executor, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await query.execute(executor)).rows as T[];
}
