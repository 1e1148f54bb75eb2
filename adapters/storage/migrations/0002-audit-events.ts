import type { Migration } from './migration.ts';

/**
 * The audit log: append-only, hash-chained per instance, range-partitioned by calendar month
 * (Asia/Shanghai). `ensure_audit_partitions` creates months ahead; `drop_expired_audit_partitions`
 * is the retention job and never drops a month that ended less than six months ago
 * (网络安全法 Art. 21: network logs are kept for no less than six months). Before a month is
 * dropped, the last hash of every instance in it is kept in `audit_anchors`, so the chain of
 * the months that remain still verifies.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'audit-events',
  statements: [
    `create table audit_events (
       instance_id uuid not null,
       seq integer not null check (seq > 0),
       region text not null,
       type text not null,
       actor jsonb not null,
       payload jsonb not null,
       occurred_at timestamptz not null,
       prev_hash text not null,
       hash text not null,
       hash_alg text not null default 'sm3',
       primary key (instance_id, seq, occurred_at)
     ) partition by range (occurred_at)`,
    `create trigger audit_events_append_only before update or delete on audit_events
       for each row execute function govflow_refuse_change()`,
    `create trigger audit_events_no_truncate before truncate on audit_events
       for each statement execute function govflow_refuse_change()`,

    `create table audit_anchors (
       instance_id uuid primary key,
       seq integer not null,
       hash text not null,
       partition_name text not null,
       anchored_at timestamptz not null default now()
     )`,

    `create function ensure_audit_partitions(p_at timestamptz, p_months_ahead integer default 2)
     returns integer language plpgsql as $$
     declare
       first_month date := date_trunc('month', p_at at time zone 'Asia/Shanghai')::date;
       m date;
       part text;
       created integer := 0;
     begin
       perform pg_advisory_xact_lock(hashtext(current_schema() || '.audit_events.partitions'));
       for i in 0 .. p_months_ahead loop
         m := (first_month + make_interval(months => i))::date;
         part := 'audit_events_' || to_char(m, 'YYYY_MM');
         if to_regclass(format('%I.%I', current_schema(), part)) is null then
           execute format('create table %I.%I partition of audit_events for values from (%L) to (%L)',
             current_schema(), part,
             m::timestamp at time zone 'Asia/Shanghai',
             (m + interval '1 month')::timestamp at time zone 'Asia/Shanghai');
           created := created + 1;
         end if;
       end loop;
       return created;
     end $$`,

    `create function drop_expired_audit_partitions(p_keep interval default interval '6 months')
     returns setof text language plpgsql as $$
     declare
       horizon timestamptz := now() - greatest(p_keep, interval '6 months');
       part text;
       upper_bound timestamptz;
     begin
       perform pg_advisory_xact_lock(hashtext(current_schema() || '.audit_events.partitions'));
       for part in
         select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
         where i.inhparent = 'audit_events'::regclass and c.relname ~ '^audit_events_[0-9]{4}_[0-9]{2}$'
         order by c.relname
       loop
         upper_bound := (to_date(substr(part, 14), 'YYYY_MM') + interval '1 month')::timestamp
           at time zone 'Asia/Shanghai';
         continue when upper_bound > horizon;
         execute format(
           'insert into audit_anchors (instance_id, seq, hash, partition_name)
              select distinct on (instance_id) instance_id, seq, hash, %L from %I.%I
              order by instance_id, seq desc
            on conflict (instance_id) do update
              set seq = excluded.seq, hash = excluded.hash,
                  partition_name = excluded.partition_name, anchored_at = now()
              where excluded.seq > audit_anchors.seq',
           part, current_schema(), part);
         execute format('drop table %I.%I', current_schema(), part);
         return next part;
       end loop;
     end $$`,
  ],
};
