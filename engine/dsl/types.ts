import type { Duration } from '../calendar/types.ts';

export interface Text {
  zh: string;
  en?: string;
}

export interface Basis {
  law: string;
  article: string;
  text?: string;
}

export interface Material {
  name: string;
  required?: boolean;
  copies?: number;
  note?: string;
}

/** An effect written in YAML on a transition, a state entry or a ladder rung. */
export interface EffectSpec {
  notify?: string;
  template?: string;
  channel?: 'sms' | 'mail' | 'portal' | 'system';
  alert?: string;
  escalate?: string;
  message?: Text;
}

export interface TransitionSpec {
  target?: string;
  guard?: string;
  roles?: string[];
  department?: string;
  assign?: Record<string, string>;
  effects?: EffectSpec[];
  title?: Text;
  backdate?: string[];
}

export interface TaskSpec {
  id?: string;
  title?: Text;
  role: string;
  department?: string;
  mode?: 'single' | 'all' | 'any' | 'vote';
  assignees?: string | string[];
  threshold?: number;
  operations?: Array<'claim' | 'transfer' | 'delegate' | 'urge' | 'copy'>;
  urgers?: string[];
}

export interface LadderRungSpec {
  remaining?: string | 0;
  overdue?: string | 0;
  consumed?: string;
  level: string;
  escalate?: string;
  notify?: string;
  message?: Text;
}

export interface StateSpec {
  title?: Text;
  type?: 'atomic' | 'compound' | 'parallel' | 'final';
  outcome?: string;
  initial?: string;
  states?: Record<string, StateSpec>;
  on?: Record<string, TransitionSpec | TransitionSpec[]>;
  always?: TransitionSpec | TransitionSpec[];
  'on-done'?: TransitionSpec | TransitionSpec[];
  task?: TaskSpec;
  limit?: string;
  ladder?: LadderRungSpec[];
  'on-limit'?: string;
  entry?: EffectSpec[];
  'return-to'?: string[];
  'withdraw-to'?: string;
  hook?: string;
  next?: string;
  description?: string;
}

export interface ClockSpec {
  title?: Text;
  limit: string;
  calendar?: string;
  'end-at'?: 'midnight' | 'office-close';
  'runs-in': string[];
  'paused-in'?: string[];
  'extend-on'?: Array<{ event: string; by: string; max?: number }>;
  ladder?: LadderRungSpec[];
  'on-expiry'?: string;
}

export interface EventSpec {
  title?: Text;
  roles?: string[];
  payload?: Record<string, unknown>;
}

export interface ParamSpec {
  type: 'duration' | 'integer' | 'number' | 'string' | 'boolean' | 'list' | 'enum';
  title?: Text;
  values?: string[];
  default?: unknown;
  required?: boolean;
}

export interface HookSpec {
  initial: string;
  states: Record<string, StateSpec>;
}

/** A definition document as written (after YAML parsing and schema validation). */
export interface DefinitionDoc {
  kind?: 'process' | 'template';
  id: string;
  version: number;
  extends?: string;
  title: Text;
  description?: string;
  department?: string;
  region?: string;
  category?: string;
  calendar?: string;
  basis?: Basis[];
  materials?: Array<string | Material>;
  fees?: Text;
  params?: Record<string, unknown>;
  hooks?: Record<string, HookSpec>;
  data?: Record<string, unknown>;
  events?: Record<string, EventSpec>;
  initial?: string;
  states?: Record<string, StateSpec>;
  clocks?: Record<string, ClockSpec>;
}

/** A ladder rung with its threshold parsed. */
export interface LadderRung {
  when: 'remaining' | 'overdue' | 'consumed';
  /** Threshold in the clock's unit (ms for h/min clocks). */
  amount: number;
  level: string;
  escalate?: string;
  notify?: string;
  message?: Text;
}

/** A clock after template expansion, with durations parsed. Step limits become clocks named `step:<state>`. */
export interface ClockDef {
  name: string;
  title: Text;
  limit: Duration;
  calendar: string;
  endAt: 'midnight' | 'office-close';
  runsIn: string[];
  pausedIn: string[];
  extendOn: Array<{ event: string; by: Duration; max?: number }>;
  ladder: LadderRung[];
  onExpiry?: string;
  /** Step clocks start afresh each time their state is entered. */
  restartOnEntry: boolean;
}
