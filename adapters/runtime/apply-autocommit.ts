import type { Kysely } from 'kysely';
import { ConflictError } from '../errors.ts';
import type { Database } from '../storage/database.ts';
import type { ApplyContext } from './apply-commands.ts';
import { roundKeys } from './apply-commands.ts';
import { planRound, roundQuery, type PlannedCommand } from './apply-round.ts';
import type { Command, CommandOutcome } from './commands.ts';
import type { LoadedInstance } from './loaded-instance.ts';
import { loadRound, loadVersions, type RoundInputs } from './load-round.ts';
import { emptyRoundRecords } from './round-records.ts';
import { isTransientDatabaseError, splitRounds } from './round-retry.ts';
import { writeRound } from './write-round.ts';

const MAX_ATTEMPTS = 5;

/**
 * Applies commands without an explicit transaction: per round at most one read and exactly one
 * write statement, which is atomic by itself (see `writeRound`) and commits on its own. A
 * command on an instance this process last wrote (`ctx.cache`) and a start with a pre-drawn
 * receipt number need no read at all, so the common command is a single round trip.
 *
 * Each command's outcome is final once returned: applied and committed, or refused with nothing
 * written. A command that lost a race on a fresh read gets `ConflictError`; one that ran on a
 * cached row another node had moved on runs again on a fresh read. A unique violation (an
 * idempotency key recorded meanwhile, a business key taken) writes nothing for the round, which
 * runs again on fresh reads and so finds the first result or the refusal.
 */
export async function applyAutocommit(db: Kysely<Database>, commands: readonly Command[], ctx: ApplyContext): Promise<CommandOutcome[]> {
  const outcomes: CommandOutcome[] = new Array(commands.length);
  for (const round of splitRounds(commands, roundKeys)) {
    try {
      await runRound(db, commands, round, outcomes, ctx);
    } catch (error) {
      for (const i of round) outcomes[i] ??= { ok: false, error };
    }
  }
  return outcomes;
}

async function runRound(db: Kysely<Database>, commands: readonly Command[], indexes: readonly number[], outcomes: CommandOutcome[], ctx: ApplyContext): Promise<void> {
  const fresh = new Set<number>();
  let pending = indexes;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const cached = new Map<string, LoadedInstance>();
    for (const i of pending) {
      const c = commands[i] as Command;
      const row = fresh.has(i) || !usesCache(c) ? undefined : ctx.cache.get(c.instanceId);
      if (row) cached.set(c.instanceId, row);
      else if (c.kind !== 'start' || c.businessKey !== undefined) fresh.add(i);
    }
    const inputs = await readRound(db, commands, pending, fresh, cached, ctx);
    const records = emptyRoundRecords();
    const plans = await planRound(db, commands, pending, inputs, outcomes, ctx, records, true);
    ctx.receipts.add(inputs.receiptNumbers);
    if (plans.length === 0) return;
    await ctx.partitions.ensure(db, plans.map((p) => p.now));
    let updated: Set<string>;
    try {
      updated = new Set((await writeRound(db, records)).updated);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isTransientDatabaseError(error)) throw error;
      for (const { index, instanceId } of plans) {
        fresh.add(index);
        ctx.cache.delete(instanceId);
      }
      pending = plans.map((p) => p.index);
      continue;
    }
    pending = settleRound(plans, updated, fresh, outcomes, ctx);
    const again = new Set(pending);
    const lost = plans.filter((p) => outcomes[p.index] === undefined && !again.has(p.index));
    if (lost.length > 0) await refuseLost(db, lost, outcomes);
  }
}

/** Sends with an expected version are checked against a fresh read, never a remembered one. */
function usesCache(c: Command): boolean {
  return c.kind === 'send' && c.expectedVersion === undefined;
}

/** Reads what the round needs that memory does not hold; tops up the receipt numbers. */
async function readRound(
  db: Kysely<Database>,
  commands: readonly Command[],
  pending: readonly number[],
  fresh: ReadonlySet<number>,
  cached: ReadonlyMap<string, LoadedInstance>,
  ctx: ApplyContext,
): Promise<RoundInputs> {
  const query = roundQuery(pending.filter((i) => fresh.has(i)).map((i) => commands[i] as Command));
  // Numbers are taken before the read is awaited, so concurrent rounds never count on the same ones.
  const starts = pending.filter((i) => commands[i]?.kind === 'start').length;
  const receipts = ctx.receipts.take(starts);
  const short = starts - receipts.length;
  query.starts = short > 0 ? short + ctx.receipts.block : 0;
  const inputs = await loadRound(db, query);
  ctx.receipts.add(inputs.receiptNumbers.slice(short));
  inputs.receiptNumbers = [...receipts, ...inputs.receiptNumbers.slice(0, short)];
  for (const [id, row] of cached) inputs.instances.set(id, row);
  return inputs;
}

/**
 * Records the committed commands (outcome and cache) and returns the indexes to run again:
 * those that ran on a cached row someone else had moved on. Lost commands that ran on a fresh
 * read are left without an outcome, for `refuseLost`.
 */
function settleRound(plans: readonly PlannedCommand[], updated: ReadonlySet<string>, fresh: Set<number>, outcomes: CommandOutcome[], ctx: ApplyContext): number[] {
  const again: number[] = [];
  for (const { index, instanceId, expectedVersion, result, committed } of plans) {
    if (expectedVersion === undefined || updated.has(instanceId)) {
      outcomes[index] = { ok: true, result };
      if (committed) ctx.cache.set(committed);
    } else {
      ctx.cache.delete(instanceId);
      if (!fresh.has(index)) {
        fresh.add(index);
        again.push(index);
      }
    }
  }
  return again;
}

async function refuseLost(db: Kysely<Database>, lost: readonly PlannedCommand[], outcomes: CommandOutcome[]): Promise<void> {
  const current = await loadVersions(db, lost.map((l) => l.instanceId));
  for (const { index, instanceId, expectedVersion } of lost) {
    outcomes[index] = { ok: false, error: new ConflictError(instanceId, expectedVersion ?? 0, current.get(instanceId) ?? 0) };
  }
}
