import type { Migration } from './migration.ts';

/** Published definitions (immutable) and the instances pinned to them. */
export const migration0001: Migration = {
  version: 1,
  name: 'definitions-instances',
  statements: [
    `create function govflow_refuse_change() returns trigger language plpgsql as $$
     begin
       raise exception 'govflow: % 只可追加，不可修改或删除 (append-only: % refused)', tg_table_name, tg_op
         using errcode = 'GF001';
     end $$`,

    `create table definitions (
       id text not null,
       version integer not null check (version > 0),
       title jsonb not null,
       department text,
       source text not null,
       resolved jsonb not null,
       hash text not null,
       hash_alg text not null default 'sm3',
       published_by jsonb not null,
       published_at timestamptz not null,
       primary key (id, version)
     )`,
    `create trigger definitions_immutable before update or delete on definitions
       for each row execute function govflow_refuse_change()`,

    `create sequence receipt_no_seq`,
    `create table instances (
       id uuid primary key,
       definition_id text not null,
       definition_version integer not null,
       region text not null,
       department text not null,
       business_key text,
       receipt_no text not null unique,
       status text not null,
       outcome text,
       snapshot jsonb not null,
       version integer not null check (version > 0),
       audit_head text not null,
       created_at timestamptz not null,
       updated_at timestamptz not null,
       foreign key (definition_id, definition_version) references definitions (id, version),
       unique (definition_id, business_key)
     )`,
    `create index instances_region_status on instances (region, status)`,
    `create index instances_department_status on instances (department, status, created_at)`,
  ],
};
