import type { Actor, TaskState } from '../step/types.ts';

/** What guards and assignments may see while one event is applied. */
export interface StepScope {
  actor: Actor;
  payload: Record<string, unknown>;
  now: number;
  instance: { id?: string; department: string; region?: string; receiptNo?: string; startedAt: number };
  /** The countersign result, for `<task>.completed` events. */
  task: Record<string, unknown>;
  openTasks: Record<string, TaskState>;
  params: Record<string, unknown>;
  /** True when the sender of the last move may still withdraw it. */
  canWithdraw: boolean;
  /** Keys of transitions whose guard passed. */
  taken: number[];
  /** Transitions that matched the event but that this actor may not take. */
  forbidden: number[];
  /**
   * Set when a guard or an assignment read anything besides the event's type and the state (the
   * actor, payload, data, task or scope fields). A transition that left it unset depended on the
   * state value and the event type alone.
   */
  readScope?: boolean;
  error?: { message: string; expression: string };
}

export interface ScopedEvent {
  type: string;
}
