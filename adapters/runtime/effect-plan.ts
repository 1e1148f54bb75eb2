import { randomUUID } from 'node:crypto';
import type { Effect, TaskState } from './engine-port.ts';

export interface TimerArm {
  timerId: string;
  dueAt: number;
  clock: string;
  /** Position among the step's arms: ties at one due instant fire in this order. */
  order: number;
}

export interface TaskClose {
  taskId: string;
  reason: string;
}

export interface AlertRow {
  id: string;
  level: string;
  /** Clock and ladder rung that raised it; absent for an alert written on a transition. */
  clock?: string;
  rung?: number;
  dueAt?: number;
  escalateTo?: string;
  message: { zh: string; en?: string };
}

export interface OutboxRow {
  idempotencyKey: string;
  topic: string;
  payload: Record<string, unknown>;
}

/** The side-table writes one step's effects come to, each timer and task reduced to its last change. */
export interface EffectPlan {
  arm: TimerArm[];
  cancel: string[];
  openTasks: TaskState[];
  closeTasks: TaskClose[];
  alerts: AlertRow[];
  outbox: OutboxRow[];
}

/**
 * Reduces a step's effects to table writes. A timer armed then cancelled in one step ends
 * cancelled (and the reverse ends armed); the same holds for tasks. Outbox keys are
 * `<instance>:<seq>:<n>`, stable across retries, so a receiver can drop repeats.
 * Pure apart from the row ids it draws.
 */
export function planEffects(instanceId: string, seq: number, effects: readonly Effect[]): EffectPlan {
  const timers = new Map<string, TimerArm | null>();
  const tasks = new Map<string, TaskState | TaskClose>();
  const alerts: AlertRow[] = [];
  const outbox: OutboxRow[] = [];
  for (const effect of effects) {
    switch (effect.type) {
      case 'arm-timer':
        timers.delete(effect.timerId);
        timers.set(effect.timerId, { timerId: effect.timerId, dueAt: effect.dueAt, clock: effect.clock, order: 0 });
        break;
      case 'cancel-timer':
        timers.set(effect.timerId, null);
        break;
      case 'open-task':
      case 'update-task':
        tasks.set(effect.task.id, effect.task);
        break;
      case 'close-task':
        tasks.set(effect.taskId, { taskId: effect.taskId, reason: effect.reason });
        break;
      case 'raise-alert': {
        const { alert } = effect;
        const row: AlertRow = { id: randomUUID(), level: alert.level, message: alert.message };
        if (alert.clock !== undefined) row.clock = alert.clock;
        if (alert.rung !== undefined) row.rung = alert.rung;
        if (alert.due !== undefined) row.dueAt = alert.due;
        if (alert.escalateTo !== undefined) row.escalateTo = alert.escalateTo;
        alerts.push(row);
        outbox.push({ idempotencyKey: `${instanceId}:${seq}:${outbox.length}`, topic: 'alert', payload: { instanceId, seq, ...alert, alertId: row.id } });
        break;
      }
      case 'notify':
        outbox.push({ idempotencyKey: `${instanceId}:${seq}:${outbox.length}`, topic: 'notify', payload: { instanceId, seq, ...effect } });
        break;
      case 'clock':
      case 'outcome':
        // Both live in the snapshot; the instance row's status/outcome columns carry the outcome.
        break;
    }
  }
  const arm: TimerArm[] = [];
  const cancel: string[] = [];
  for (const [timerId, t] of timers) {
    if (t) arm.push({ timerId: t.timerId, dueAt: t.dueAt, clock: t.clock, order: arm.length });
    else cancel.push(timerId);
  }
  const openTasks: TaskState[] = [];
  const closeTasks: TaskClose[] = [];
  for (const t of tasks.values()) {
    if ('reason' in t) closeTasks.push(t);
    else openTasks.push(t);
  }
  return { arm, cancel, openTasks, closeTasks, alerts, outbox };
}
