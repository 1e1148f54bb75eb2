import type { Executor } from '../storage/database.ts';
import { withAlertTables } from './alert-tables.ts';

/** One thing that happened to an alert. */
export type AlertHistoryEntry =
  | { kind: 'raised'; at: string; actor: { id: string; role: string }; level: string; clock: string | null; rung: number | null; message: { zh: string; en?: string } }
  | { kind: 'escalated'; at: string; actor: unknown; to: string; waitedMs: number }
  | { kind: 'acknowledged' | 'commented'; at: string; actor: unknown; comment: string };

/**
 * The history of one alert in the order things can happen: raised (by the clock's ladder, i.e.
 * the engine), escalated (by the escalation job — only ever before the first acknowledgement,
 * which its row lock and condition guarantee), acknowledged with a comment, and comments added
 * after it, in the order they were recorded. The order is causal rather than by timestamp: the
 * escalation is stamped by the database clock and acknowledgements by the API node's clock.
 */
export async function alertHistory(
  executor: Executor,
  alert: { id: string; raisedAt: string; level: string; clock: string | null; rung: number | null; message: { zh: string; en?: string } },
): Promise<AlertHistoryEntry[]> {
  const db = withAlertTables(executor);
  const [escalation, acknowledgements] = await Promise.all([
    db.selectFrom('alert_escalations').select(['escalated_at', 'escalated_to', 'waited_ms', 'actor']).where('alert_id', '=', alert.id).executeTakeFirst(),
    db.selectFrom('alert_acknowledgements').select(['acknowledged_at', 'actor', 'comment']).where('alert_id', '=', alert.id).orderBy('acknowledged_at').orderBy('id').execute(),
  ]);
  const entries: AlertHistoryEntry[] = [
    { kind: 'raised', at: alert.raisedAt, actor: { id: 'govflow', role: 'system' }, level: alert.level, clock: alert.clock, rung: alert.rung, message: alert.message },
  ];
  if (escalation) {
    entries.push({ kind: 'escalated', at: escalation.escalated_at.toISOString(), actor: escalation.actor, to: escalation.escalated_to, waitedMs: Number(escalation.waited_ms) });
  }
  acknowledgements.forEach((a, i) => {
    entries.push({ kind: i === 0 ? 'acknowledged' : 'commented', at: a.acknowledged_at.toISOString(), actor: a.actor, comment: a.comment });
  });
  return entries;
}
