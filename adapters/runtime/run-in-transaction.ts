import type { Kysely } from 'kysely';
import type { Database } from '../storage/database.ts';
import { applyCommands, settleConflicts, type ApplyContext } from './apply-commands.ts';
import type { Command, CommandOutcome } from './commands.ts';
import { RoundRetry, isTransientDatabaseError } from './round-retry.ts';

const MAX_ATTEMPTS = 5;

/**
 * Applies commands in a transaction of their own, without savepoints (two round trips fewer
 * per command). When the writes cannot stand the whole transaction is rolled back: commands
 * that lost a race get `ConflictError`, the rest run again in a fresh transaction.
 * Outcomes are acknowledged only once the transaction has committed.
 */
export async function applyInOwnTransaction(
  db: Kysely<Database>,
  commands: readonly Command[],
  ctx: ApplyContext,
): Promise<CommandOutcome[]> {
  const outcomes: CommandOutcome[] = new Array(commands.length);
  let pending = commands.map((_, i) => i);
  for (let attempt = 1; ; attempt++) {
    const batch = pending.map((i) => commands[i] as Command);
    try {
      const results = await db.transaction().execute((trx) => applyCommands(trx, batch, ctx, { savepoints: false }));
      pending.forEach((index, k) => {
        outcomes[index] = results[k] as CommandOutcome;
      });
      return outcomes;
    } catch (error) {
      ctx.partitions.forget();
      if (attempt >= MAX_ATTEMPTS || !(error instanceof RoundRetry || isTransientDatabaseError(error))) throw error;
      if (error instanceof RoundRetry) {
        const local: CommandOutcome[] = new Array(batch.length);
        settleConflicts(batch, error, local);
        pending = pending.filter((index, k) => {
          const settled = local[k];
          if (settled) outcomes[index] = settled;
          return !settled;
        });
        if (pending.length === 0) return outcomes;
      }
    }
  }
}
