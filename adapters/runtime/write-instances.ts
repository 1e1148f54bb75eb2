import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import type { CommandPlan } from './plan-command.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** Inserts the instances of start plans, at version 1. */
export async function insertInstances(executor: Executor, plans: readonly CommandPlan[]): Promise<void> {
  const starts = plans.filter((p) => p.insert);
  if (starts.length === 0) return;
  const records = starts.map((p) => ({
    id: p.instanceId,
    definition_id: p.insert?.definitionId,
    definition_version: p.insert?.definitionVersion,
    region: p.region,
    department: p.department,
    business_key: p.insert?.businessKey ?? null,
    receipt_no: p.insert?.receiptNo,
    status: p.snapshot.status,
    outcome: p.snapshot.outcome ?? null,
    snapshot: p.snapshot,
    audit_head: p.audit.hash,
    created_at: iso(p.now),
  }));
  await sql`
    insert into instances (id, definition_id, definition_version, region, department, business_key, receipt_no,
                           status, outcome, snapshot, version, audit_head, created_at, updated_at)
    select id, definition_id, definition_version, region, department, business_key, receipt_no,
           status, outcome, snapshot, 1, audit_head, created_at, created_at
    from jsonb_to_recordset(cast(${JSON.stringify(records)} as jsonb)) as x(
      id uuid, definition_id text, definition_version integer, region text, department text, business_key text,
      receipt_no text, status text, outcome text, snapshot jsonb, audit_head text, created_at timestamptz)`.execute(executor);
}

/**
 * Writes the new snapshots of send and timer plans, each only if the row is still at the
 * version the plan was computed from. Returns the ids that were not: they lost a race.
 */
export async function updateInstances(executor: Executor, plans: readonly CommandPlan[]): Promise<string[]> {
  const updates = plans.filter((p) => p.expectedVersion !== undefined);
  if (updates.length === 0) return [];
  const records = updates.map((p) => ({
    id: p.instanceId,
    expected: p.expectedVersion,
    version: p.audit.seq,
    snapshot: p.snapshot,
    status: p.snapshot.status,
    outcome: p.snapshot.outcome ?? null,
    audit_head: p.audit.hash,
    updated_at: iso(p.now),
  }));
  const { rows } = await sql<{ id: string }>`
    update instances as i
    set snapshot = x.snapshot, version = x.version, status = x.status, outcome = x.outcome,
        audit_head = x.audit_head, updated_at = x.updated_at
    from jsonb_to_recordset(cast(${JSON.stringify(records)} as jsonb)) as x(
      id uuid, expected integer, version integer, snapshot jsonb, status text, outcome text,
      audit_head text, updated_at timestamptz)
    where i.id = x.id and i.version = x.expected
    returning i.id`.execute(executor);
  const written = new Set(rows.map((r) => r.id));
  return updates.filter((p) => !written.has(p.instanceId)).map((p) => p.instanceId);
}
