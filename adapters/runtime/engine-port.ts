import { startInstance, step } from '../../engine/index.ts';
import type { Actor, CompiledDefinition, EngineEvent, InstanceSnapshot, StartInput, StepResult } from '../../engine/index.ts';

export type {
  Actor,
  CompiledDefinition,
  Effect,
  EngineEvent,
  InstanceSnapshot,
  RuntimeTransition,
  StartInput,
  StepResult,
  TaskState,
} from '../../engine/index.ts';

/** The two pure engine functions the runtime drives. */
export interface EnginePort {
  startInstance(def: CompiledDefinition, input: StartInput): StepResult;
  step(def: CompiledDefinition, snapshot: InstanceSnapshot, event: EngineEvent, now: number): StepResult;
}

/** The engine in `engine/`. */
export const defaultEngine: EnginePort = { startInstance, step };

/** The actor of everything the engine does on its own (fired timers). */
export const SYSTEM_ACTOR: Actor = { id: 'govflow', role: 'system' };
