import { sql, type Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/append-audit-events.ts';
import type { AuditPartitions } from '../audit/audit-partitions.ts';
import { AdapterError, ConflictError } from '../errors.ts';
import type { Database } from '../storage/database.ts';
import type { Command, CommandOutcome } from './commands.ts';
import type { DefinitionRegistry } from './definition-registry.ts';
import type { EnginePort } from './engine-port.ts';
import { insertStoredResults, loadStoredResults } from './idempotency.ts';
import { loadInstances, loadTakenBusinessKeys, loadVersions } from './load-instances.ts';
import { planCommand, type CommandPlan } from './plan-command.ts';
import { drawReceiptNumbers } from './receipt-numbers.ts';
import { RoundRetry, isTransientDatabaseError, splitRounds } from './round-retry.ts';
import { storedOutcome } from './stored-outcome.ts';
import { writeAlerts, writeOutbox } from './write-alerts-outbox.ts';
import { insertInstances, updateInstances } from './write-instances.ts';
import { writeTasks } from './write-tasks.ts';
import { writeTimers } from './write-timers.ts';

export interface ApplyContext {
  engine: EnginePort;
  registry: DefinitionRegistry;
  partitions: AuditPartitions;
  /** `now` of start and send commands; a timer command carries its own. */
  now: () => number;
}

export interface ApplyOptions {
  /**
   * Run each round under a savepoint and retry it there. Needed when the transaction is not
   * ours to roll back (a caller's, or a shared group commit); otherwise a `RoundRetry` or a
   * transient error propagates for the owner to retry the whole transaction.
   */
  savepoints: boolean;
}

const MAX_ATTEMPTS = 5;

/**
 * Applies commands in `trx`: per round, load → engine → one bulk write per table. Commands that
 * fail (engine refusal, conflict, unknown instance) get an error outcome and write nothing; the
 * others are unaffected. Outcomes are in the order of `commands`.
 */
export async function applyCommands(
  trx: Transaction<Database>,
  commands: readonly Command[],
  ctx: ApplyContext,
  options: ApplyOptions,
): Promise<CommandOutcome[]> {
  const outcomes: CommandOutcome[] = new Array(commands.length);
  const rounds = splitRounds(commands, (c) => [
    `i:${c.instanceId}`,
    ...(c.kind !== 'timer' && c.idempotencyKey ? [`k:${c.idempotencyKey}`] : []),
    ...(c.kind === 'start' && c.businessKey !== undefined ? [`b:${c.definition.id}\u0000${c.businessKey}`] : []),
  ]);
  for (const round of rounds) {
    let pending = round;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (options.savepoints) await sql`savepoint govflow_round`.execute(trx);
      try {
        await applyRound(trx, commands, pending, outcomes, ctx);
        if (options.savepoints) await sql`release savepoint govflow_round`.execute(trx);
        pending = [];
      } catch (error) {
        ctx.partitions.forget();
        if (!options.savepoints) throw error;
        await sql`rollback to savepoint govflow_round`.execute(trx);
        if (attempt >= MAX_ATTEMPTS || !(error instanceof RoundRetry || isTransientDatabaseError(error))) throw error;
        if (error instanceof RoundRetry) settleConflicts(commands, error, outcomes);
        pending = pending.filter((i) => !(error instanceof RoundRetry && error.conflicts.has(i)));
      }
    }
  }
  return outcomes;
}

/** Turns a retry's conflicts into `ConflictError` outcomes. */
export function settleConflicts(commands: readonly Command[], retry: RoundRetry, outcomes: CommandOutcome[]): void {
  for (const [index, v] of retry.conflicts) {
    const command = commands[index];
    if (command) outcomes[index] = { ok: false, error: new ConflictError(command.instanceId, v.expected, v.current) };
  }
}

async function applyRound(
  trx: Transaction<Database>,
  commands: readonly Command[],
  indexes: readonly number[],
  outcomes: CommandOutcome[],
  ctx: ApplyContext,
): Promise<void> {
  const keys = indexes.flatMap((i) => {
    const c = commands[i];
    return c && c.kind !== 'timer' && c.idempotencyKey ? [c.idempotencyKey] : [];
  });
  const stored = await loadStoredResults(trx, keys);
  const live: number[] = [];
  for (const i of indexes) {
    const c = commands[i] as Command;
    const first = c.kind !== 'timer' && c.idempotencyKey ? stored.get(c.idempotencyKey) : undefined;
    if (first) outcomes[i] = storedOutcome(c, first);
    else live.push(i);
  }
  const liveCommands = live.map((i) => commands[i] as Command);
  const loaded = await loadInstances(trx, liveCommands.filter((c) => c.kind !== 'start').map((c) => c.instanceId));
  const taken = await loadTakenBusinessKeys(
    trx,
    liveCommands.flatMap((c) => (c.kind === 'start' && c.businessKey !== undefined ? [{ definitionId: c.definition.id, businessKey: c.businessKey }] : [])),
  );
  const now = ctx.now();
  const receipts = await drawReceiptNumbers(trx, live.filter((i) => commands[i]?.kind === 'start').length, now);
  const plans: Array<{ index: number; plan: CommandPlan }> = [];
  for (const i of live) {
    const c = commands[i] as Command;
    try {
      const row = loaded.get(c.instanceId);
      if (c.kind !== 'start' && !row) {
        throw new AdapterError('INSTANCE_NOT_FOUND', `未找到实例 ${c.instanceId} instance ${c.instanceId} not found`, { instanceId: c.instanceId });
      }
      if (c.kind === 'start' && c.businessKey !== undefined && taken.has(`${c.definition.id}\u0000${c.businessKey}`)) {
        throw new AdapterError(
          'BUSINESS_KEY_TAKEN',
          `业务编号 ${c.businessKey} 已有办件 business key ${c.businessKey} is already used for ${c.definition.id}`,
          { definitionId: c.definition.id, businessKey: c.businessKey },
        );
      }
      const definition =
        c.kind === 'start' ? c.definition : await ctx.registry.resolve(trx, row?.definitionId ?? '', row?.definitionVersion ?? 0);
      const receiptNo = c.kind === 'start' ? receipts.shift() : undefined;
      const plan = planCommand(ctx.engine, c, definition, row, c.kind === 'timer' ? c.firedAt : now, receiptNo);
      if (plan === 'stale') {
        outcomes[i] = { ok: true, result: skippedResult(c.instanceId, row) };
      } else {
        plans.push({ index: i, plan });
      }
    } catch (error) {
      outcomes[i] = { ok: false, error };
    }
  }
  if (plans.length === 0) return;
  const list = plans.map((p) => p.plan);
  await ctx.partitions.ensure(trx, list.map((p) => p.now));
  await insertInstances(trx, list);
  const lost = await updateInstances(trx, list);
  if (lost.length > 0) {
    const current = await loadVersions(trx, lost);
    const lostSet = new Set(lost);
    const conflicts = new Map<number, { expected: number; current: number }>();
    for (const { index, plan } of plans) {
      if (lostSet.has(plan.instanceId)) conflicts.set(index, { expected: plan.expectedVersion ?? 0, current: current.get(plan.instanceId) ?? 0 });
    }
    throw new RoundRetry(conflicts);
  }
  const idem = plans.flatMap(({ plan }) => {
    const c = plan.command;
    if (c.kind === 'timer' || !c.idempotencyKey) return [];
    const { duplicate: _omit, ...result } = plan.result;
    return [{ key: c.idempotencyKey, instanceId: plan.instanceId, command: c.kind, region: plan.region, result }];
  });
  const keysTaken = await insertStoredResults(trx, idem);
  if (keysTaken.length > 0) throw new RoundRetry(new Map());
  await appendAuditEvents(trx, list.map((p) => p.audit));
  await writeTimers(trx, list);
  await writeTasks(trx, list);
  await writeAlerts(trx, list);
  await writeOutbox(trx, list);
  for (const { index, plan } of plans) outcomes[index] = { ok: true, result: plan.result };
}

function skippedResult(instanceId: string, row: { receiptNo: string; version: number; status: string; outcome: string | null; snapshot: { value: unknown } } | undefined) {
  return {
    instanceId,
    receiptNo: row?.receiptNo ?? '',
    version: row?.version ?? 0,
    status: row?.status ?? '',
    outcome: row?.outcome ?? null,
    state: row?.snapshot.value,
    duplicate: false,
    skipped: true,
  };
}
