import { sql, type Transaction } from 'kysely';
import { expect, it } from 'vitest';
import { auditHash } from '../../adapters/audit/audit-hash.ts';
import type { AuditRow } from '../../adapters/audit/append-audit-events.ts';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import type { Database } from '../../adapters/storage/database.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { seedChain } from '../support/seed-chain.ts';

const N = 6;

/** Runs `fn` as a privileged session with the append-only triggers off, as an attacker would. */
async function tamper(db: import('kysely').Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<unknown>) {
  await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await fn(trx);
  });
}

const insertRow = (trx: Transaction<Database>, r: AuditRow) =>
  sql`insert into audit_events (instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg)
      values (${r.instanceId}, ${r.seq}, ${r.region}, ${r.type}, cast(${JSON.stringify(r.actor)} as jsonb),
              cast(${JSON.stringify(r.payload)} as jsonb), cast(${new Date(r.occurredAt).toISOString()} as timestamptz),
              ${r.prevHash}, ${r.hash}, ${r.hashAlg})`.execute(trx);

interface Case {
  name: string;
  /** Position tampered with: 1-based seq. */
  at: number;
  expected: { seq: number; kind: string };
  apply(trx: Transaction<Database>, rows: AuditRow[], id: string): Promise<unknown>;
}

const edit = (at: number): Case => ({
  name: `edit the payload of seq ${at}`,
  at,
  expected: { seq: at, kind: 'hash-mismatch' },
  apply: (trx, _rows, id) =>
    sql`update audit_events set payload = jsonb_set(payload, '{n}', '999') where instance_id = ${id} and seq = ${at}`.execute(trx),
});

const editAndRehash = (at: number): Case => ({
  name: `edit seq ${at} and recompute its hash`,
  at,
  expected: at === N ? { seq: at, kind: 'head-mismatch' } : { seq: at + 1, kind: 'prev-hash-mismatch' },
  apply: async (trx, rows, id) => {
    const row = rows[at - 1] as AuditRow;
    const forged = { ...row, actor: { id: 'intruder', role: 'window' } };
    await sql`update audit_events set actor = cast(${JSON.stringify(forged.actor)} as jsonb), hash = ${auditHash(forged)}
              where instance_id = ${id} and seq = ${at}`.execute(trx);
  },
});

const remove = (at: number): Case => ({
  name: `delete seq ${at}`,
  at,
  expected: { seq: at, kind: 'missing-event' },
  apply: (trx, _rows, id) => sql`delete from audit_events where instance_id = ${id} and seq = ${at}`.execute(trx),
});

const insertDuplicate = (at: number): Case => ({
  name: `insert a well-chained forgery with seq ${at}`,
  at,
  expected: { seq: at, kind: 'duplicate-seq' },
  apply: async (trx, rows) => {
    const row = rows[at - 1] as AuditRow;
    const forged = { ...row, payload: { n: -1, forged: true }, occurredAt: row.occurredAt + 1 };
    await insertRow(trx, { ...forged, hash: auditHash(forged) });
  },
});

const append: Case = {
  name: 'append a well-chained row after the last',
  at: N + 1,
  expected: { seq: N + 1, kind: 'unexpected-seq' },
  apply: async (trx, rows) => {
    const last = rows[N - 1] as AuditRow;
    const extra = { ...last, seq: N + 1, prevHash: last.hash, occurredAt: last.occurredAt + 1000, type: 'forged' };
    await insertRow(trx, { ...extra, hash: auditHash(extra) });
  },
};

const swap = (at: number): Case => ({
  name: `swap the order of seq ${at} and ${at + 1}`,
  at,
  // The row now in position `at` carries the previous hash of its old position.
  expected: { seq: at, kind: 'prev-hash-mismatch' },
  // The primary key includes occurred_at, so the two rows can trade seq in one statement.
  apply: (trx, _rows, id) =>
    sql`update audit_events set seq = case when seq = ${at} then cast(${at + 1} as integer) else cast(${at} as integer) end
        where instance_id = ${id} and seq in (${at}, ${at + 1})`.execute(trx),
});

const moveInTime = (at: number): Case => ({
  name: `move seq ${at} to another month`,
  at,
  expected: { seq: at, kind: 'hash-mismatch' },
  apply: (trx, _rows, id) =>
    sql`update audit_events set occurred_at = occurred_at + interval '20 days' where instance_id = ${id} and seq = ${at}`.execute(trx),
});

const cases: Case[] = [
  ...[1, 3, N].flatMap((k) => [edit(k), editAndRehash(k), remove(k), insertDuplicate(k)]),
  append,
  swap(1),
  swap(3),
  moveInTime(2),
];

describeEachBackend('audit tamper detection', (store) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s is detected and located', async (_name, c) => {
    const { db } = store();
    const bystander = await seedChain(db, { events: N });
    const { instanceId, rows } = await seedChain(db, { events: N, stepMs: 3 * 86_400_000 });
    expect((await verifyAudit(db, { instanceId })).ok).toBe(true);
    await tamper(db, (trx) => c.apply(trx, rows, instanceId));
    const one = await verifyAudit(db, { instanceId });
    expect(one.ok).toBe(false);
    expect(one.problems).toEqual([expect.objectContaining({ instanceId, ...c.expected })]);
    const all = await verifyAudit(db);
    expect(all.problems.filter((p) => p.instanceId === instanceId)).toEqual([expect.objectContaining(c.expected)]);
    expect(all.problems.some((p) => p.instanceId === bystander.instanceId)).toBe(false);
  });

  it('names audit rows whose instance does not exist', async () => {
    const { db } = store();
    const { instanceId } = await seedChain(db, { events: 2 });
    await tamper(db, (trx) => sql`delete from instances where id = ${instanceId}`.execute(trx));
    const report = await verifyAudit(db);
    expect(report.problems).toContainEqual(expect.objectContaining({ instanceId, seq: 1, kind: 'orphan-events' }));
  });
});
