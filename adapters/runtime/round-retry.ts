/**
 * Thrown inside a round when its writes cannot stand: some instances moved on since they
 * were loaded (`conflicts`, by command index, with the version they are at now), or an
 * idempotency key was committed by someone else meanwhile (`retry`). The round is rolled
 * back and run again without the conflicting commands.
 */
export class RoundRetry extends Error {
  readonly conflicts: Map<number, { expected: number; current: number }>;

  constructor(conflicts: Map<number, { expected: number; current: number }>) {
    super('round must be retried');
    this.name = 'RoundRetry';
    this.conflicts = conflicts;
  }
}

/** PostgreSQL errors after which a rolled-back round may simply run again. */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // 40001 serialization failure, 40P01 deadlock detected, 23505 unique violation (a racing insert).
  return code === '40001' || code === '40P01' || code === '23505';
}

/**
 * Splits commands into rounds in which no instance and no idempotency key appears twice;
 * rounds run one after another, so a later command sees what an earlier one wrote.
 * Returns indexes into `items`. Pure.
 */
export function splitRounds<T>(items: readonly T[], keysOf: (item: T) => string[]): number[][] {
  const rounds: Array<{ indexes: number[]; keys: Set<string> }> = [];
  const lastRoundOf = new Map<string, number>();
  items.forEach((item, index) => {
    const keys = keysOf(item);
    let round = 0;
    for (const k of keys) round = Math.max(round, (lastRoundOf.get(k) ?? -1) + 1);
    const target = (rounds[round] ??= { indexes: [], keys: new Set() });
    target.indexes.push(index);
    for (const k of keys) {
      target.keys.add(k);
      lastRoundOf.set(k, round);
    }
  });
  return rounds.map((r) => r.indexes);
}
