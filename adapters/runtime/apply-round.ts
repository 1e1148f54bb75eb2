import type { Transaction } from 'kysely';
import { AdapterError } from '../errors.ts';
import type { Database, Executor } from '../storage/database.ts';
import type { ApplyContext } from './apply-commands.ts';
import type { Command, CommandOutcome, CommandResult } from './commands.ts';
import type { LoadedInstance } from './loaded-instance.ts';
import { formatReceiptNo, loadRound, loadVersions, type RoundInputs, type RoundQuery } from './load-round.ts';
import { planCommand, type CommandPlan } from './plan-command.ts';
import { roundRecords } from './round-records.ts';
import { RoundRetry } from './round-retry.ts';
import { storedOutcome } from './stored-outcome.ts';
import { writeRound } from './write-round.ts';

const keyOf = (c: Command) => (c.kind !== 'timer' ? c.idempotencyKey : undefined);

/** A command's plan and its index in the batch. */
export interface PlannedCommand {
  index: number;
  plan: CommandPlan;
}

/**
 * One round (no instance and no idempotency key twice): one statement reads, the engine runs,
 * one statement writes. Fills `outcomes` at the round's indexes. Commands the engine or the
 * checks refuse get an error outcome and write nothing.
 *
 * @throws RoundRetry when an instance moved on since it was read; the caller rolls the round
 *   back and runs it again. A unique violation (an idempotency key committed by someone else
 *   meanwhile) propagates as a transient database error, for the same.
 */
export async function applyRound(
  trx: Transaction<Database>,
  commands: readonly Command[],
  indexes: readonly number[],
  outcomes: CommandOutcome[],
  ctx: ApplyContext,
): Promise<void> {
  const round = indexes.map((i) => commands[i] as Command);
  const inputs = await loadRound(trx, roundQuery(round.filter((c) => c.kind !== 'timer' || !c.loaded)));
  for (const c of round) if (c.kind === 'timer' && c.loaded) inputs.instances.set(c.instanceId, c.loaded);
  const plans = await planRound(trx, commands, indexes, inputs, outcomes, ctx);
  if (plans.length === 0) return;
  await ctx.partitions.ensure(trx, plans.map((p) => p.plan.now));
  const records = roundRecords(plans.map((p) => p.plan));
  const written = await writeRound(trx, records);
  if (written.updated.length < records.updates.length) {
    const updated = new Set(written.updated);
    const lost = plans.filter(({ plan }) => plan.expectedVersion !== undefined && !updated.has(plan.instanceId));
    const current = await loadVersions(trx, lost.map((l) => l.plan.instanceId));
    throw new RoundRetry(new Map(lost.map(({ index, plan }) => [index, { expected: plan.expectedVersion ?? 0, current: current.get(plan.instanceId) ?? 0 }])));
  }
  for (const { index, plan } of plans) outcomes[index] = { ok: true, result: plan.result };
}

/** What a round of `commands` reads: their idempotency keys, instances, business keys, receipt numbers. */
export function roundQuery(round: readonly Command[]): RoundQuery {
  return {
    keys: round.flatMap((c) => keyOf(c) ?? []),
    instanceIds: round.filter((c) => c.kind !== 'start').map((c) => c.instanceId),
    businessKeys: round.flatMap((c) => (c.kind === 'start' && c.businessKey !== undefined ? [{ definitionId: c.definition.id, businessKey: c.businessKey }] : [])),
    starts: round.filter((c) => c.kind === 'start').length,
  };
}

/**
 * Runs the engine for each command of a round against what was read, and returns the plans
 * of those that will write. Commands answered from a stored idempotency key, refused (engine,
 * unknown instance, business key taken) or stale (timers) get their outcome here.
 * Receipt numbers are taken from the front of `inputs.receiptNumbers`, one per start.
 */
export async function planRound(
  executor: Executor,
  commands: readonly Command[],
  indexes: readonly number[],
  inputs: RoundInputs,
  outcomes: CommandOutcome[],
  ctx: ApplyContext,
): Promise<PlannedCommand[]> {
  const now = ctx.now();
  const plans: PlannedCommand[] = [];
  for (const i of indexes) {
    const c = commands[i] as Command;
    const key = keyOf(c);
    const first = key !== undefined ? inputs.stored.get(key) : undefined;
    if (first) {
      outcomes[i] = storedOutcome(c, first);
      continue;
    }
    try {
      const row = inputs.instances.get(c.instanceId);
      checkCommand(c, row, inputs.takenBusinessKeys);
      const receipt = c.kind === 'start' ? inputs.receiptNumbers.shift() : undefined;
      const definition = c.kind === 'start' ? c.definition : await ctx.registry.resolve(executor, row?.definitionId ?? '', row?.definitionVersion ?? 0);
      const receiptNo = receipt !== undefined ? formatReceiptNo(receipt, now) : undefined;
      const plan = planCommand(ctx.engine, c, definition, row, c.kind === 'timer' ? c.firedAt : now, receiptNo);
      if (plan === 'stale') outcomes[i] = { ok: true, result: skippedResult(c.instanceId, row) };
      else plans.push({ index: i, plan });
    } catch (error) {
      outcomes[i] = { ok: false, error };
    }
  }
  return plans;
}

/** Refusals that need no engine: unknown instance, business key already used. */
function checkCommand(c: Command, row: LoadedInstance | undefined, takenBusinessKeys: Set<string>): void {
  if (c.kind !== 'start' && !row) {
    throw new AdapterError('INSTANCE_NOT_FOUND', `未找到实例 ${c.instanceId} instance ${c.instanceId} not found`, { instanceId: c.instanceId });
  }
  if (c.kind === 'start' && c.businessKey !== undefined && takenBusinessKeys.has(`${c.definition.id}\u0000${c.businessKey}`)) {
    throw new AdapterError(
      'BUSINESS_KEY_TAKEN',
      `业务编号 ${c.businessKey} 已有办件 business key ${c.businessKey} is already used for ${c.definition.id}`,
      { definitionId: c.definition.id, businessKey: c.businessKey },
    );
  }
}

function skippedResult(instanceId: string, row: LoadedInstance | undefined): CommandResult {
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
