import { sql, type Transaction } from 'kysely';
import type { AuditPartitions } from '../audit/audit-partitions.ts';
import { ConflictError } from '../errors.ts';
import type { Database } from '../storage/database.ts';
import type { Command, CommandOutcome } from './commands.ts';
import type { DefinitionRegistry } from './definition-registry.ts';
import { applyRound } from './apply-round.ts';
import type { EnginePort } from './engine-port.ts';
import type { InstanceCache, ReceiptPool } from './instance-cache.ts';
import { RoundRetry, isTransientDatabaseError, splitRounds } from './round-retry.ts';

export interface ApplyContext {
  engine: EnginePort;
  registry: DefinitionRegistry;
  partitions: AuditPartitions;
  /** Instance rows this process last committed (see `InstanceCache`). */
  cache: InstanceCache;
  /** Receipt numbers drawn ahead (see `ReceiptPool`). */
  receipts: ReceiptPool;
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

/** What may not appear twice in one round: an instance, an idempotency key, a business key. */
export function roundKeys(c: Command): string[] {
  return [
    `i:${c.instanceId}`,
    ...(c.kind !== 'timer' && c.idempotencyKey ? [`k:${c.idempotencyKey}`] : []),
    ...(c.kind === 'start' && c.businessKey !== undefined ? [`b:${c.definition.id}\u0000${c.businessKey}`] : []),
  ];
}

/**
 * Applies commands in `trx`, in rounds with no instance or idempotency key twice: per round one
 * read statement, the engine, one write statement (see `applyRound`). Commands that fail (engine
 * refusal, conflict, unknown instance) get an error outcome and write nothing; the others are
 * unaffected. Outcomes are in the order of `commands`.
 *
 * @throws RoundRetry or a transient database error when `savepoints` is off (the owner retries);
 *   any other database error, with every command of the call unapplied.
 */
export async function applyCommands(
  trx: Transaction<Database>,
  commands: readonly Command[],
  ctx: ApplyContext,
  options: ApplyOptions,
): Promise<CommandOutcome[]> {
  const outcomes: CommandOutcome[] = new Array(commands.length);
  // The caller's transaction may commit or roll back after we return: what this process
  // remembers of these instances can no longer be trusted either way.
  for (const c of commands) ctx.cache.delete(c.instanceId);
  for (const round of splitRounds(commands, roundKeys)) {
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
