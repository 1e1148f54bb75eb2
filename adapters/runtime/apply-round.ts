import type { Transaction } from 'kysely';
import { AdapterError } from '../errors.ts';
import type { Database, Executor } from '../storage/database.ts';
import type { ApplyContext } from './apply-commands.ts';
import type { Command, CommandOutcome, CommandResult } from './commands.ts';
import { parseStored, type LoadedInstance } from './loaded-instance.ts';
import { formatReceiptNo, loadRound, loadVersions, type RoundInputs, type RoundQuery } from './load-round.ts';
import { planCommand, type CommandPlan } from './plan-command.ts';
import { addPlan, emptyRoundRecords, type RoundRecords } from './round-records.ts';
import { RoundRetry } from './round-retry.ts';
import { storedOutcome } from './stored-outcome.ts';
import { writeRound } from './write-round.ts';

const keyOf = (c: Command) => (c.kind !== 'timer' ? c.idempotencyKey : undefined);

/** A command of a round that will write, as the round keeps it once its rows are laid out. */
export interface PlannedCommand {
  index: number;
  instanceId: string;
  /** The version the write checks (sends and timers); none for a start. */
  expectedVersion?: number;
  now: number;
  result: CommandResult;
  /** The instance row as the write will leave it, when the round was asked to remember it. */
  committed?: LoadedInstance;
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
  const records = emptyRoundRecords();
  const planned = await planRound(trx, commands, indexes, inputs, outcomes, ctx, records);
  if (planned.length === 0) return;
  await ctx.partitions.ensure(trx, planned.map((p) => p.now));
  const written = await writeRound(trx, records);
  if (written.updated.length < records.updates.length) {
    const updated = new Set(written.updated);
    const lost = planned.filter((p) => p.expectedVersion !== undefined && !updated.has(p.instanceId));
    const current = await loadVersions(trx, lost.map((l) => l.instanceId));
    throw new RoundRetry(new Map(lost.map(({ index, instanceId, expectedVersion }) => [index, { expected: expectedVersion ?? 0, current: current.get(instanceId) ?? 0 }])));
  }
  for (const { index, result } of planned) outcomes[index] = { ok: true, result };
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
 * Runs the engine for each command of a round against what was read, lays out the rows of
 * those that will write into `records` (each as soon as it is planned, so the plans' objects
 * die young) and returns them. Commands answered from a stored idempotency key, refused
 * (engine, unknown instance, business key taken) or stale (timers) get their outcome here.
 * Receipt numbers are taken from the front of `inputs.receiptNumbers`, one per start.
 *
 * @param remember also keep each instance row as the write will leave it (`committed`).
 * @throws TypeError when a planned row cannot be encoded: `records` is then not to be written.
 */
export async function planRound(
  executor: Executor,
  commands: readonly Command[],
  indexes: readonly number[],
  inputs: RoundInputs,
  outcomes: CommandOutcome[],
  ctx: ApplyContext,
  records: RoundRecords,
  remember = false,
): Promise<PlannedCommand[]> {
  const now = ctx.now();
  const planned: PlannedCommand[] = [];
  for (const i of indexes) {
    const c = commands[i] as Command;
    const key = keyOf(c);
    const first = key !== undefined ? inputs.stored.get(key) : undefined;
    if (first) {
      outcomes[i] = storedOutcome(c, first);
      continue;
    }
    let plan: CommandPlan | 'stale';
    try {
      const row = c.kind === 'timer' && c.loaded ? parseStored(c.loaded) : inputs.instances.get(c.instanceId);
      checkCommand(c, row, inputs.takenBusinessKeys);
      const receipt = c.kind === 'start' ? inputs.receiptNumbers.shift() : undefined;
      const definition = c.kind === 'start' ? c.definition : await ctx.registry.resolve(executor, row?.definitionId ?? '', row?.definitionVersion ?? 0);
      const receiptNo = receipt !== undefined ? formatReceiptNo(receipt, now) : undefined;
      plan = planCommand(ctx.engine, c, definition, row, c.kind === 'timer' ? c.firedAt : now, receiptNo);
      if (plan === 'stale') {
        outcomes[i] = { ok: true, result: skippedResult(c.instanceId, row) };
        continue;
      }
    } catch (error) {
      outcomes[i] = { ok: false, error };
      continue;
    }
    addPlan(records, plan);
    const p: PlannedCommand = { index: i, instanceId: plan.instanceId, now: plan.now, result: plan.result };
    if (plan.expectedVersion !== undefined) p.expectedVersion = plan.expectedVersion;
    if (remember) p.committed = committedRow(plan);
    planned.push(p);
  }
  return planned;
}

/** The instance row as a plan's write leaves it. */
function committedRow(plan: CommandPlan): LoadedInstance {
  const { snapshot } = plan;
  return {
    id: plan.instanceId,
    definitionId: snapshot.definition.id,
    definitionVersion: snapshot.definition.version,
    region: plan.region,
    department: plan.department,
    receiptNo: plan.result.receiptNo,
    status: snapshot.status,
    outcome: snapshot.outcome ?? null,
    snapshot,
    version: plan.audit.seq,
    auditHead: plan.audit.hash,
  };
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
