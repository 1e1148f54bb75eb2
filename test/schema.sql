-- govflow schema, generated from the migrations by test/storage/migrations.test.ts (PGlite).
-- Do not edit: change a migration, then run `UPDATE_SCHEMA=1 npx vitest run test/storage/migrations.test.ts`.

create table alert_acknowledgements (
  id bigint not null,
  alert_id uuid not null,
  acknowledged_at timestamp with time zone not null,
  actor jsonb not null,
  comment text not null,
  region text not null,
  constraint alert_acknowledgements_pkey PRIMARY KEY (id)
);
CREATE INDEX alert_acknowledgements_by_alert ON alert_acknowledgements USING btree (alert_id);
CREATE TRIGGER alert_acknowledgements_append_only BEFORE DELETE OR UPDATE ON alert_acknowledgements FOR EACH ROW EXECUTE FUNCTION govflow_refuse_change();

create table alert_escalations (
  alert_id uuid not null,
  instance_id uuid not null,
  region text not null,
  department text not null,
  escalated_at timestamp with time zone not null,
  escalated_to text not null,
  waited_ms bigint not null,
  actor jsonb not null,
  constraint alert_escalations_pkey PRIMARY KEY (alert_id)
);
CREATE TRIGGER alert_escalations_append_only BEFORE DELETE OR UPDATE ON alert_escalations FOR EACH ROW EXECUTE FUNCTION govflow_refuse_change();

create table alerts (
  id uuid not null,
  instance_id uuid not null,
  seq integer not null,
  region text not null,
  department text not null,
  level text not null,
  clock text,
  rung integer,
  due_at timestamp with time zone,
  escalate_to text,
  message jsonb not null,
  raised_at timestamp with time zone not null,
  acknowledged_at timestamp with time zone,
  acknowledged_by text,
  escalated_at timestamp with time zone,
  escalated_to text,
  constraint alerts_pkey PRIMARY KEY (id)
);
CREATE INDEX alerts_awaiting_escalation ON alerts USING btree (raised_at) WHERE ((acknowledged_at IS NULL) AND (escalated_at IS NULL));
CREATE INDEX alerts_by_department ON alerts USING btree (region, department, raised_at);
CREATE INDEX alerts_by_instance ON alerts USING btree (instance_id);
CREATE INDEX alerts_open_by_level ON alerts USING btree (level) WHERE (acknowledged_at IS NULL);

create table api_tokens (
  id uuid not null,
  token_hash text not null,
  hash_alg text not null default 'sm3'::text,
  name text not null,
  role text not null,
  department text not null,
  region text not null,
  created_at timestamp with time zone not null,
  created_by text not null,
  expires_at timestamp with time zone,
  revoked_at timestamp with time zone,
  constraint api_tokens_pkey PRIMARY KEY (id),
  constraint api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_scope ON api_tokens USING btree (region, department, role);

create table audit_anchors (
  instance_id uuid not null,
  seq integer not null,
  hash text not null,
  partition_name text not null,
  anchored_at timestamp with time zone not null default now(),
  constraint audit_anchors_pkey PRIMARY KEY (instance_id)
);

create table audit_events (
  instance_id uuid not null,
  seq integer not null,
  region text not null,
  type text not null,
  actor jsonb not null,
  payload jsonb not null,
  occurred_at timestamp with time zone not null,
  prev_hash text not null,
  hash text not null,
  hash_alg text not null default 'sm3'::text,
  tx_id xid8 not null default pg_current_xact_id(),
  position bigint not null default nextval('feed_position'::regclass),
  constraint audit_events_pkey PRIMARY KEY (instance_id, seq, occurred_at),
  constraint audit_events_seq_check CHECK ((seq > 0))
) partition by RANGE (occurred_at);
CREATE INDEX audit_events_by_position ON ONLY audit_events USING btree ("position");
CREATE INDEX audit_events_projection_order ON ONLY audit_events USING btree (tx_id, "position");
CREATE TRIGGER audit_events_append_only BEFORE DELETE OR UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION govflow_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION govflow_refuse_change();

create table code_attempt_clients (
  receipt_no text not null,
  client text not null,
  attempts integer not null,
  window_started_at timestamp with time zone not null,
  blocked_until timestamp with time zone,
  constraint code_attempt_clients_pkey PRIMARY KEY (receipt_no, client)
);
CREATE INDEX code_attempt_clients_by_window ON code_attempt_clients USING btree (window_started_at);

create table code_attempts (
  receipt_no text not null,
  attempts integer not null,
  window_started_at timestamp with time zone not null,
  guarded_until timestamp with time zone,
  constraint code_attempts_pkey PRIMARY KEY (receipt_no)
);
CREATE INDEX code_attempts_by_window ON code_attempts USING btree (window_started_at);

create table definitions (
  id text not null,
  version integer not null,
  title jsonb not null,
  department text,
  source text not null,
  resolved jsonb not null,
  hash text not null,
  hash_alg text not null default 'sm3'::text,
  published_by jsonb not null,
  published_at timestamp with time zone not null,
  constraint definitions_pkey PRIMARY KEY (id, version),
  constraint definitions_version_check CHECK ((version > 0))
);
CREATE TRIGGER definitions_immutable BEFORE DELETE OR UPDATE ON definitions FOR EACH ROW EXECUTE FUNCTION govflow_refuse_change();

create table feed_origin (
  audit_from bigint not null
);

create table govflow_migrations (
  version integer not null,
  name text not null,
  applied_at timestamp with time zone not null default now(),
  constraint govflow_migrations_pkey PRIMARY KEY (version)
);

create table idempotency_keys (
  key text not null,
  instance_id uuid not null,
  command text not null,
  region text not null,
  result jsonb not null,
  created_at timestamp with time zone not null default now(),
  constraint idempotency_keys_pkey PRIMARY KEY (key)
);
CREATE INDEX idempotency_keys_created_brin ON idempotency_keys USING brin (created_at);

create table instances (
  id uuid not null,
  definition_id text not null,
  definition_version integer not null,
  region text not null,
  department text not null,
  business_key text,
  receipt_no text not null,
  status text not null,
  outcome text,
  snapshot json not null,
  version integer not null,
  audit_head text not null,
  created_at timestamp with time zone not null,
  updated_at timestamp with time zone not null,
  constraint instances_definition_id_business_key_key UNIQUE (definition_id, business_key),
  constraint instances_definition_id_definition_version_fkey FOREIGN KEY (definition_id, definition_version) REFERENCES definitions(id, version),
  constraint instances_pkey PRIMARY KEY (id),
  constraint instances_receipt_no_key UNIQUE (receipt_no),
  constraint instances_version_check CHECK ((version > 0))
) with (fillfactor=70);
CREATE INDEX instances_by_department ON instances USING btree (department, created_at);
CREATE INDEX instances_by_region ON instances USING btree (region, created_at);

create table outbox (
  idempotency_key text not null,
  instance_id uuid not null,
  region text not null,
  topic text not null,
  payload jsonb not null,
  created_at timestamp with time zone not null default now(),
  available_at timestamp with time zone not null default now(),
  attempts integer not null default 0,
  last_error text,
  delivered_at timestamp with time zone,
  position bigint not null default nextval('feed_position'::regclass),
  constraint outbox_pkey PRIMARY KEY ("position")
);
CREATE INDEX outbox_pending ON outbox USING btree (available_at) WHERE (delivered_at IS NULL);

create table receipt_codes (
  receipt_no text not null,
  instance_id uuid not null,
  party text not null,
  region text not null,
  code_hash text not null,
  code_salt text not null,
  hash_alg text not null default 'scrypt'::text,
  issued_at timestamp with time zone not null,
  constraint receipt_codes_instance_id_key UNIQUE (instance_id),
  constraint receipt_codes_party_check CHECK ((party = ANY (ARRAY['applicant'::text, 'bidder'::text]))),
  constraint receipt_codes_pkey PRIMARY KEY (receipt_no)
);

create table security_audit (
  id bigint not null,
  occurred_at timestamp with time zone not null,
  outcome text not null,
  request_id text,
  actor jsonb,
  region text,
  method text not null,
  path text not null,
  action text not null,
  resource text,
  status integer not null,
  code text not null,
  reason text not null,
  ip text,
  constraint security_audit_outcome_check CHECK ((outcome = ANY (ARRAY['denied'::text, 'granted'::text]))),
  constraint security_audit_pkey PRIMARY KEY (id)
);
CREATE INDEX security_audit_by_region ON security_audit USING btree (region, occurred_at);
CREATE TRIGGER security_audit_append_only BEFORE DELETE OR UPDATE ON security_audit FOR EACH ROW EXECUTE FUNCTION govflow_refuse_change();
CREATE TRIGGER security_audit_no_truncate BEFORE TRUNCATE ON security_audit FOR EACH STATEMENT EXECUTE FUNCTION govflow_refuse_change();

create table stats_alert_daily (
  department text not null,
  day date not null,
  definition_id text not null,
  region text not null,
  level text not null,
  n integer not null,
  constraint stats_alert_daily_pkey PRIMARY KEY (department, day, definition_id, region, level)
);
CREATE INDEX stats_alert_daily_by_day ON stats_alert_daily USING btree (day);
CREATE INDEX stats_alert_daily_by_item ON stats_alert_daily USING btree (definition_id, day);

create table stats_alert_monthly (
  department text not null,
  day date not null,
  definition_id text not null,
  region text not null,
  level text not null,
  n integer not null,
  constraint stats_alert_monthly_pkey PRIMARY KEY (department, day, definition_id, region, level)
);
CREATE INDEX stats_alert_monthly_by_day ON stats_alert_monthly USING btree (day);
CREATE INDEX stats_alert_monthly_by_item ON stats_alert_monthly USING btree (definition_id, day);

create table stats_checkpoint (
  name text not null,
  tx_id xid8 not null,
  position bigint not null,
  events bigint not null default 0,
  batches bigint not null default 0,
  updated_at timestamp with time zone not null default now(),
  constraint stats_checkpoint_pkey PRIMARY KEY (name)
);

create table stats_daily (
  department text not null,
  day date not null,
  definition_id text not null,
  region text not null,
  received integer not null default 0,
  accepted integer not null default 0,
  not_accepted integer not null default 0,
  denied integer not null default 0,
  withdrawn integer not null default 0,
  completed integer not null default 0,
  promised_met integer not null default 0,
  statutory_met integer not null default 0,
  paused_cases integer not null default 0,
  paused_wd bigint not null default 0,
  constraint stats_daily_pkey PRIMARY KEY (department, day, definition_id, region)
);
CREATE INDEX stats_daily_by_day ON stats_daily USING btree (day);
CREATE INDEX stats_daily_by_item ON stats_daily USING btree (definition_id, day);

create table stats_department_daily (
  day date not null,
  department text not null,
  region text not null,
  received integer not null default 0,
  accepted integer not null default 0,
  not_accepted integer not null default 0,
  denied integer not null default 0,
  withdrawn integer not null default 0,
  completed integer not null default 0,
  promised_met integer not null default 0,
  statutory_met integer not null default 0,
  paused_cases integer not null default 0,
  paused_wd bigint not null default 0,
  durations jsonb not null default '{}'::jsonb,
  alerts jsonb not null default '{}'::jsonb,
  constraint stats_department_daily_pkey PRIMARY KEY (day, department, region)
);
CREATE INDEX stats_department_daily_by_region ON stats_department_daily USING btree (region, day);

create table stats_department_monthly (
  day date not null,
  department text not null,
  region text not null,
  received integer not null default 0,
  accepted integer not null default 0,
  not_accepted integer not null default 0,
  denied integer not null default 0,
  withdrawn integer not null default 0,
  completed integer not null default 0,
  promised_met integer not null default 0,
  statutory_met integer not null default 0,
  paused_cases integer not null default 0,
  paused_wd bigint not null default 0,
  durations jsonb not null default '{}'::jsonb,
  alerts jsonb not null default '{}'::jsonb,
  constraint stats_department_monthly_pkey PRIMARY KEY (day, department, region)
);
CREATE INDEX stats_department_monthly_by_region ON stats_department_monthly USING btree (region, day);

create table stats_duration_daily (
  department text not null,
  day date not null,
  definition_id text not null,
  region text not null,
  wd integer not null,
  n integer not null,
  constraint stats_duration_daily_pkey PRIMARY KEY (department, day, definition_id, region, wd)
);
CREATE INDEX stats_duration_daily_by_day ON stats_duration_daily USING btree (day);
CREATE INDEX stats_duration_daily_by_item ON stats_duration_daily USING btree (definition_id, day);

create table stats_duration_monthly (
  department text not null,
  day date not null,
  definition_id text not null,
  region text not null,
  wd integer not null,
  n integer not null,
  constraint stats_duration_monthly_pkey PRIMARY KEY (department, day, definition_id, region, wd)
);
CREATE INDEX stats_duration_monthly_by_day ON stats_duration_monthly USING btree (day);
CREATE INDEX stats_duration_monthly_by_item ON stats_duration_monthly USING btree (definition_id, day);

create table stats_dwell_daily (
  definition_id text not null,
  state text not null,
  day date not null,
  wd integer not null,
  n integer not null,
  ms bigint not null,
  constraint stats_dwell_daily_pkey PRIMARY KEY (definition_id, state, day, wd)
);

create table stats_instances (
  instance_id uuid not null,
  definition_id text not null,
  definition_version integer not null,
  category text not null,
  department text not null,
  region text not null,
  seq integer not null,
  received_at timestamp with time zone not null,
  accepted_at timestamp with time zone,
  decided_at timestamp with time zone,
  ended_at timestamp with time zone,
  outcome text,
  outcome_class text,
  state text not null,
  state_since timestamp with time zone not null,
  paused_wd integer not null default 0,
  duration_wd integer,
  promised_due timestamp with time zone,
  promised_running boolean not null default false,
  promised_met boolean,
  statutory_due timestamp with time zone,
  statutory_running boolean not null default false,
  statutory_met boolean,
  urgent boolean not null default false,
  cards jsonb not null default '{}'::jsonb,
  milestones jsonb not null default '{}'::jsonb,
  leaves jsonb not null default '{}'::jsonb,
  error text,
  card_light smallint not null default 
CASE
    WHEN (COALESCE(((cards ->> 'red-card'::text))::integer, 0) > 0) THEN 2
    WHEN ((COALESCE(((cards ->> 'yellow-card'::text))::integer, 0) > 0) OR (COALESCE(((cards ->> 'step-overdue'::text))::integer, 0) > 0) OR (COALESCE(((cards ->> 'reminder'::text))::integer, 0) > 0)) THEN 1
    ELSE 0
END,
  clock_paused boolean not null default (((promised_due IS NOT NULL) AND (NOT promised_running) AND (promised_met IS NULL)) OR ((statutory_due IS NOT NULL) AND (NOT statutory_running) AND (statutory_met IS NULL))),
  constraint stats_instances_pkey PRIMARY KEY (instance_id)
);
CREATE INDEX stats_instances_by_department ON stats_instances USING btree (department, received_at);
CREATE INDEX stats_instances_open_board ON stats_instances USING btree (department) INCLUDE (region, definition_id, card_light, clock_paused, promised_running, promised_due, statutory_running, statutory_due) WHERE (ended_at IS NULL);
CREATE INDEX stats_instances_open_by_state ON stats_instances USING btree (definition_id, state) WHERE (ended_at IS NULL);
CREATE INDEX stats_instances_promised_running ON stats_instances USING btree (promised_due) INCLUDE (department, definition_id, region, urgent) WHERE promised_running;
CREATE INDEX stats_instances_statutory_running ON stats_instances USING btree (statutory_due) INCLUDE (department, definition_id, region, urgent) WHERE statutory_running;

create table stats_interval_daily (
  department text not null,
  day date not null,
  definition_id text not null,
  region text not null,
  interval text not null,
  value integer not null,
  n integer not null,
  constraint stats_interval_daily_pkey PRIMARY KEY (department, day, definition_id, region, "interval", value)
);
CREATE INDEX stats_interval_daily_by_interval ON stats_interval_daily USING btree ("interval", day);

create table stats_monthly (
  department text not null,
  day date not null,
  definition_id text not null,
  region text not null,
  received integer not null default 0,
  accepted integer not null default 0,
  not_accepted integer not null default 0,
  denied integer not null default 0,
  withdrawn integer not null default 0,
  completed integer not null default 0,
  promised_met integer not null default 0,
  statutory_met integer not null default 0,
  paused_cases integer not null default 0,
  paused_wd bigint not null default 0,
  constraint stats_monthly_pkey PRIMARY KEY (department, day, definition_id, region)
);
CREATE INDEX stats_monthly_by_day ON stats_monthly USING btree (day);
CREATE INDEX stats_monthly_by_item ON stats_monthly USING btree (definition_id, day);

create table stats_replay_state (
  instance_id uuid not null,
  snapshot jsonb not null,
  constraint stats_replay_state_pkey PRIMARY KEY (instance_id)
);

create table tasks (
  instance_id uuid not null,
  task_id text not null,
  state text not null,
  title jsonb not null,
  role text not null,
  department text not null,
  region text not null,
  mode text not null,
  assignees jsonb not null,
  status text not null,
  claimed_by text,
  delegated_to text,
  opened_at timestamp with time zone not null,
  limit_due timestamp with time zone,
  closed_at timestamp with time zone,
  close_reason text,
  detail jsonb not null,
  updated_at timestamp with time zone not null,
  constraint tasks_pkey PRIMARY KEY (instance_id, task_id),
  constraint tasks_status_check CHECK ((status = ANY (ARRAY['open'::text, 'closed'::text])))
);
CREATE INDEX tasks_open_by_assignee ON tasks USING gin (assignees) WHERE (status = 'open'::text);
CREATE INDEX tasks_open_by_department ON tasks USING btree (region, department, role) WHERE (status = 'open'::text);

create table timers (
  instance_id uuid not null,
  timer_id text not null,
  clock text not null,
  due_at timestamp with time zone not null,
  fire_order smallint not null default 0,
  region text not null,
  armed_at timestamp with time zone not null,
  attempts integer not null default 0,
  retry_at timestamp with time zone,
  last_error text,
  constraint timers_pkey PRIMARY KEY (instance_id, timer_id)
);
CREATE INDEX timers_due_at ON timers USING btree (due_at, fire_order, instance_id);

create sequence alert_acknowledgements_id_seq;
create sequence feed_position;
create sequence receipt_no_seq;
create sequence security_audit_id_seq;

CREATE OR REPLACE FUNCTION drop_expired_audit_partitions(p_keep interval DEFAULT '6 mons'::interval)
 RETURNS SETOF text
 LANGUAGE plpgsql
AS $function$
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
     end $function$;

CREATE OR REPLACE FUNCTION ensure_audit_partitions(p_at timestamp with time zone, p_months_ahead integer DEFAULT 2)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
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
     end $function$;

CREATE OR REPLACE FUNCTION govflow_refuse_change()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
     begin
       raise exception 'govflow: % 只可追加，不可修改或删除 (append-only: % refused)', tg_table_name, tg_op
         using errcode = 'GF001';
     end $function$;

CREATE OR REPLACE FUNCTION stats_add_counts(a jsonb, b jsonb)
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
       select case when b = '{}' then a when a = '{}' then b else (
         select jsonb_object_agg(key, n) from (
           select key, sum(cast(value as bigint)) as n
           from (select * from jsonb_each_text(a) union all select * from jsonb_each_text(b)) as e
           group by key) as s) end
     $function$;
