import type { Actor, CompiledDefinition } from './engine-port.ts';
import type { StoredInstance } from './loaded-instance.ts';

/** A user event as a caller sends it: the event name and its payload. The actor is passed beside it. */
export interface UserEventInput {
  type: string;
  payload?: Record<string, unknown>;
}

/** Start a new instance of a published definition. */
export interface StartCommand {
  kind: 'start';
  instanceId: string;
  definition: CompiledDefinition;
  data: Record<string, unknown>;
  actor: Actor;
  department: string;
  region: string;
  businessKey?: string;
  idempotencyKey?: string;
}

/** Send a user event to an instance. */
export interface SendCommand {
  kind: 'send';
  instanceId: string;
  event: UserEventInput;
  actor: Actor;
  idempotencyKey?: string;
  /** Refuse with `ConflictError` unless the instance is at this version. */
  expectedVersion?: number;
}

/** A claimed timer row, applied by the scheduler. */
export interface TimerCommand {
  kind: 'timer';
  instanceId: string;
  timerId: string;
  dueAt: number;
  /** Database clock at the claim, epoch ms: the event's `now`. */
  firedAt: number;
  /** The instance row as the claim locked it, when the claim read it (saves a read). */
  loaded?: StoredInstance;
}

export type Command = StartCommand | SendCommand | TimerCommand;

/** What a command returns; the same value again for a repeated idempotency key. */
export interface CommandResult {
  instanceId: string;
  receiptNo: string;
  /** Instance version after the command; equals the seq of its audit event. */
  version: number;
  status: string;
  outcome: string | null;
  /** Engine state value after the command. */
  state: unknown;
  /** True when this is the stored result of an earlier command with the same idempotency key. */
  duplicate: boolean;
  /** True for a stale timer that changed nothing (the instance no longer expected it). */
  skipped?: boolean;
}

/** Per command: its result, or the error that refused it (nothing of it was written). */
export type CommandOutcome = { ok: true; result: CommandResult } | { ok: false; error: unknown };
