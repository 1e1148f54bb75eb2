import type { Migration } from './migration.ts';

/**
 * `ensure_audit_partitions` looks for the months' partitions before it takes its advisory lock,
 * and takes it only when one is missing (then looks again under it). The lock is held until the
 * caller's transaction ends, so before this every node's, thread's and connection's first
 * command of a month waited for the others' whole transactions, although the partitions had long
 * existed: the first claims of a timer storm ran one after the other.
 */
export const migration0038: Migration = {
  version: 38,
  name: 'audit-partitions-unlocked-check',
  statements: [
    `create or replace function ensure_audit_partitions(p_at timestamptz, p_months_ahead integer default 2)
     returns integer language plpgsql as $$
     declare
       first_month date := date_trunc('month', p_at at time zone 'Asia/Shanghai')::date;
       m date;
       part text;
       locked boolean := false;
       created integer := 0;
     begin
       for i in 0 .. p_months_ahead loop
         m := (first_month + make_interval(months => i))::date;
         part := 'audit_events_' || to_char(m, 'YYYY_MM');
         if to_regclass(format('%I.%I', current_schema(), part)) is null then
           if not locked then
             perform pg_advisory_xact_lock(hashtext(current_schema() || '.audit_events.partitions'));
             locked := true;
           end if;
           -- Under the lock, from pg_class itself: a name cache entry made by the first look
           -- would still say missing when another transaction created the month meanwhile.
           if not exists (select from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
                          where n.nspname = current_schema() and c.relname = part) then
             execute format('create table %I.%I partition of audit_events for values from (%L) to (%L)',
               current_schema(), part,
               m::timestamp at time zone 'Asia/Shanghai',
               (m + interval '1 month')::timestamp at time zone 'Asia/Shanghai');
             created := created + 1;
           end if;
         end if;
       end loop;
       return created;
     end $$`,
  ],
};
