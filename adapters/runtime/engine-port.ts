import type { CompiledDefinition } from '../../engine/compile/compile-definition.ts';
import type { Actor, EngineEvent, InstanceSnapshot, StepResult } from '../../engine/step/types.ts';

export type { CompiledDefinition } from '../../engine/compile/compile-definition.ts';
export type { Actor, Effect, EngineEvent, InstanceSnapshot, StepResult, TaskState } from '../../engine/step/types.ts';

/** What `startInstance` needs; the runtime records all of it in the start event for replay. */
export interface StartInput {
  data: Record<string, unknown>;
  actor: Actor;
  now: number;
  department?: string;
  region?: string;
}

/** The two pure engine functions the runtime drives. */
export interface EnginePort {
  startInstance(def: CompiledDefinition, input: StartInput): StepResult;
  step(def: CompiledDefinition, snapshot: InstanceSnapshot, event: EngineEvent, now: number): StepResult;
}

/** The actor of everything the engine does on its own (fired timers). */
export const SYSTEM_ACTOR: Actor = { id: 'govflow', role: 'system' };
