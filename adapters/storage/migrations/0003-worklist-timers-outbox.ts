import type { Migration } from './migration.ts';

/**
 * The runtime's side tables. Every hot table carries `region` so a later move to a sharded
 * PostgreSQL can distribute by it; none has a foreign key to `instances`, which keeps writes
 * to them free of key-share locks on the instance row the scheduler locks. Timers due at the
 * same instant fire in `fire_order`, the order the engine armed them in (a ladder rung at
 * `remaining: 0` before the expiry armed beside it).
 */
export const migration0003: Migration = {
  version: 3,
  name: 'worklist-timers-outbox',
  statements: [
    `create table timers (
       instance_id uuid not null,
       timer_id text not null,
       clock text not null,
       due_at timestamptz not null,
       fire_order smallint not null default 0,
       region text not null,
       armed_at timestamptz not null,
       attempts integer not null default 0,
       retry_at timestamptz,
       last_error text,
       primary key (instance_id, timer_id)
     )`,
    `create index timers_due_at on timers (due_at, fire_order)`,

    `create table tasks (
       instance_id uuid not null,
       task_id text not null,
       state text not null,
       title jsonb not null,
       role text not null,
       department text not null,
       region text not null,
       mode text not null,
       assignees jsonb not null,
       status text not null check (status in ('open', 'closed')),
       claimed_by text,
       delegated_to text,
       opened_at timestamptz not null,
       limit_due timestamptz,
       closed_at timestamptz,
       close_reason text,
       detail jsonb not null,
       updated_at timestamptz not null,
       primary key (instance_id, task_id)
     )`,
    `create index tasks_open_by_department on tasks (region, department, role) where status = 'open'`,
    `create index tasks_open_by_assignee on tasks using gin (assignees) where status = 'open'`,

    `create table alerts (
       id uuid primary key,
       instance_id uuid not null,
       seq integer not null,
       region text not null,
       department text not null,
       level text not null,
       clock text,
       rung integer,
       due_at timestamptz,
       escalate_to text,
       message jsonb not null,
       raised_at timestamptz not null,
       acknowledged_at timestamptz,
       acknowledged_by text
     )`,
    `create index alerts_by_department on alerts (region, department, raised_at)`,
    `create index alerts_by_instance on alerts (instance_id)`,

    `create table outbox (
       id uuid primary key,
       idempotency_key text not null unique,
       instance_id uuid not null,
       region text not null,
       topic text not null,
       payload jsonb not null,
       created_at timestamptz not null default now(),
       available_at timestamptz not null default now(),
       attempts integer not null default 0,
       last_error text,
       delivered_at timestamptz
     )`,
    `create index outbox_pending on outbox (available_at) where delivered_at is null`,

    `create table idempotency_keys (
       key text primary key,
       instance_id uuid not null,
       command text not null,
       region text not null,
       result jsonb not null,
       created_at timestamptz not null default now()
     )`,
  ],
};
