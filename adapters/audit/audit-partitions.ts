import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** `YYYY-MM` of an instant in Asia/Shanghai (UTC+8 all year since 1991). Pure. */
export function shanghaiMonth(epochMs: number): string {
  return new Date(epochMs + SHANGHAI_OFFSET_MS).toISOString().slice(0, 7);
}

/**
 * Makes sure the month partitions of `audit_events` exist for the instants about to be
 * written. Remembers the months it has seen, so the common case costs no query; creating a
 * partition is DDL, so it is done before the command's own statements where possible.
 */
export class AuditPartitions {
  readonly #known = new Set<string>();

  /** Ensures the partitions of every month in `instants` (epoch ms) exist. */
  async ensure(executor: Executor, instants: Iterable<number>): Promise<void> {
    const missing = new Map<string, number>();
    let last = Number.NaN;
    for (const at of instants) {
      // A round's instants are mostly one and the same (a claimed batch's firing instant).
      if (at === last) continue;
      last = at;
      const month = shanghaiMonth(at);
      if (!this.#known.has(month) && !missing.has(month)) missing.set(month, at);
    }
    for (const [month, at] of missing) {
      await ensureAuditPartitions(executor, at, 1);
      this.#known.add(month);
    }
  }

  /** Forgets what it has seen: call after a rollback, which may have undone a creation. */
  forget(): void {
    this.#known.clear();
  }
}

/**
 * Creates the partitions of the month holding `at` and `monthsAhead` months after it, if missing.
 * Serialised by an advisory lock, so concurrent nodes do not race. Returns how many it created.
 */
export async function ensureAuditPartitions(executor: Executor, at: number | 'now', monthsAhead = 2): Promise<number> {
  const instant = at === 'now' ? sql`now()` : sql`cast(${new Date(at).toISOString()} as timestamptz)`;
  const { rows } = await sql<{ created: number }>`select ensure_audit_partitions(${instant}, ${monthsAhead}) as created`.execute(
    executor,
  );
  return rows[0]?.created ?? 0;
}

/**
 * Retention: drops the month partitions that ended more than `keep` ago by the database clock,
 * anchoring each instance's last hash first. `keep` is a PostgreSQL interval; anything shorter
 * than six months is raised to six months by the database function itself (网络安全法 Art. 21).
 * Returns the names of the dropped partitions.
 */
export async function dropExpiredAuditPartitions(executor: Executor, keep: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select name from drop_expired_audit_partitions(cast(${keep} as interval)) as name`.execute(executor);
  return rows.map((r) => r.name);
}

/** Names of the existing month partitions, oldest first. */
export async function listAuditPartitions(executor: Executor): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = cast('audit_events' as regclass) order by c.relname`.execute(executor);
  return rows.map((r) => r.name);
}
