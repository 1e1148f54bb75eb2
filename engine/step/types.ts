import type { DurationUnit } from '../calendar/types.ts';

/** Who sends an event. `system` is the engine itself (timers, automatic outcomes). */
export interface Actor {
  id: string;
  role: string;
  department?: string;
  region?: string;
}

/** An event as the runtime hands it to `step()`. */
export type EngineEvent = UserEvent | TimerEvent;

export interface UserEvent {
  type: string;
  payload?: Record<string, unknown>;
  actor: Actor;
}

/** A timer row that came due; `timerId` names which clock threshold it was. */
export interface TimerEvent {
  type: 'govflow.timer';
  timerId: string;
  /** Instant the timer was armed for (epoch ms); stale timers are recognised by it. */
  dueAt: number;
  actor: Actor;
}

export type ClockStatus = 'idle' | 'running' | 'paused' | 'stopped';

export interface ClockExtension {
  amount: number;
  at: number;
  by: string;
  reason?: string;
}

export interface ClockPause {
  from: number;
  to?: number;
  reason: string;
  /** Time excluded by this pause, in the clock's unit (ms for h/min). */
  excluded?: number;
}

/** Run-time state of one clock; plain JSON. Amounts are in the clock's unit (ms for h/min). */
export interface ClockState {
  status: ClockStatus;
  unit: DurationUnit;
  limit: number;
  startedAt?: number;
  stoppedAt?: number;
  extensions: ClockExtension[];
  pauses: ClockPause[];
  /** Sum of excluded time of closed pauses, in the clock's unit. */
  excluded: number;
  /** Due instant (epoch ms) as of the last start, resume or extension; absent while idle. */
  due?: number;
  provisional?: boolean;
  /** Ladder rungs already raised, by index, so a rung fires once per clock run. */
  raised: number[];
  expired?: boolean;
}

export type TaskMode = 'single' | 'all' | 'any' | 'vote';

export interface TaskVote {
  assignee: string;
  by: string;
  decision: 'approve' | 'reject';
  comment?: string;
  at: number;
}

export interface TaskState {
  /** Stable id: `<state path>#<task id>`. */
  id: string;
  state: string;
  title: { zh: string; en?: string };
  role: string;
  department: string;
  mode: TaskMode;
  /** Assignees (departments or users) for countersign modes; one entry for single tasks. */
  assignees: string[];
  threshold?: number;
  claimedBy?: string;
  delegatedTo?: string;
  votes: TaskVote[];
  openedAt: number;
  limitDue?: number;
}

/** The persisted state of one instance. Plain JSON: it survives `JSON.parse(JSON.stringify(s))`. */
export interface InstanceSnapshot {
  definition: { id: string; version: number };
  /** XState state value. */
  value: string | Record<string, unknown>;
  data: Record<string, unknown>;
  clocks: Record<string, ClockState>;
  tasks: Record<string, TaskState>;
  status: 'active' | 'done';
  outcome?: string;
  department: string;
  /** Timers this instance expects, by id → due instant; a fired timer that does not match is stale. */
  timers: Record<string, number>;
  /** Number of events applied, starting at 1 for the start event. */
  seq: number;
  startedAt: number;
  endedAt?: number;
  region?: string;
  /** Who moved the instance last, so that sender may withdraw (撤回) while the next step is untouched. */
  lastMove?: { by: string; at: number };
}

export type Effect =
  | { type: 'arm-timer'; timerId: string; dueAt: number; clock: string }
  | { type: 'cancel-timer'; timerId: string }
  | { type: 'open-task'; task: TaskState }
  | { type: 'update-task'; task: TaskState }
  | { type: 'close-task'; taskId: string; reason: 'completed' | 'left-state' | 'withdrawn' | 'returned' }
  | {
      type: 'raise-alert';
      alert: {
        level: string;
        /** The clock and ladder rung that raised it; absent for alerts written on a transition. */
        clock?: string;
        rung?: number;
        due?: number;
        escalateTo?: string;
        message: { zh: string; en?: string };
      };
    }
  | {
      type: 'notify';
      to: string;
      template: string;
      channel?: string;
      message?: { zh: string; en?: string };
    }
  | { type: 'clock'; clock: string; change: 'started' | 'paused' | 'resumed' | 'extended' | 'stopped' | 'expired'; due?: number; reason?: string }
  | { type: 'outcome'; outcome: string };

export interface StepResult {
  snapshot: InstanceSnapshot;
  /** True when the event changed nothing (a stale timer); the runtime writes nothing. */
  noop?: boolean;
  effects: Effect[];
  /** The event as recorded in the audit log (payload included, actor normalised). */
  record: { type: string; actor: Actor; payload?: Record<string, unknown>; from: InstanceSnapshot['value']; to: InstanceSnapshot['value'] };
}
