import type { AnyStateMachine } from 'xstate';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { Calendar } from '../calendar/types.ts';
import type { ClockDef, DefinitionDoc, EventSpec, Material, TaskSpec, Text } from '../dsl/types.ts';
import { compileExpression, type CompiledExpression } from '../expr/cel.ts';
import { internalEvents } from '../load/check-references.ts';
import { validatorFor } from '../load/json-schemas.ts';
import type { StateNode, TransitionSite } from '../load/state-tree.ts';
import { buildClockDefs } from './clock-defs.ts';
import { buildMachine } from './machine.ts';

/** A transition ready to run: who may take it, its guard, assignments and effects. */
export interface RuntimeTransition {
  key: number;
  from: string;
  event: string;
  /** `always` and `on-done` transitions run on their own, without a sender. */
  eventless: boolean;
  target?: string;
  roles: string[];
  department: string;
  guard?: CompiledExpression;
  assign: Array<{ path: string[]; expr: CompiledExpression }>;
  effects: NonNullable<TransitionSite['spec']['effects']>;
  /** Clocks that, when this transition starts them, count from the instance's start. */
  backdate: string[];
}

export interface RuntimeTask extends TaskSpec {
  id: string;
  state: string;
  assigneesExpr?: CompiledExpression;
}

/** A checked definition compiled for execution. Not JSON: hold it in memory, persist `resolved`. */
export interface CompiledDefinition {
  id: string;
  version: number;
  title: Text;
  department: string;
  region?: string;
  category?: string;
  basis: NonNullable<DefinitionDoc['basis']>;
  materials: Material[];
  fees?: Text;
  params: Record<string, unknown>;
  template?: { id: string; version: number };
  file: string;
  /** The YAML as written. */
  source: string;
  /** The definition after template expansion, as plain JSON. */
  resolved: DefinitionDoc;
  states: Map<string, StateNode>;
  clocks: ClockDef[];
  transitions: RuntimeTransition[];
  /** Transitions by event name, for permission checks before the machine runs. */
  transitionsByEvent: Map<string, RuntimeTransition[]>;
  tasks: Map<string, RuntimeTask>;
  events: Record<string, EventSpec>;
  internalEvents: Set<string>;
  payloadValidators: Map<string, ValidateFunction>;
  validateData?: ValidateFunction;
  calendars: ReadonlyMap<string, Calendar>;
  machine: AnyStateMachine;
}

export interface CompileInput {
  def: DefinitionDoc;
  params: Record<string, unknown>;
  nodes: Map<string, StateNode>;
  sites: TransitionSite[];
  source: string;
  file: string;
  template?: { id: string; version: number };
  calendars: ReadonlyMap<string, Calendar>;
}

/** Compiles a checked definition to an XState v5 machine plus the tables `step()` needs. Pure. */
export function compileDefinition(input: CompileInput): CompiledDefinition {
  const { def, nodes, sites } = input;
  const internal = internalEvents(def, nodes);
  const events = def.events ?? {};
  const transitions: RuntimeTransition[] = sites.map((site, key) => ({
    key,
    from: site.from,
    event: site.event,
    eventless: site.eventless,
    target: site.spec.target,
    roles: site.spec.roles ?? events[site.event]?.roles ?? (internal.has(site.event) || site.eventless ? ['system'] : []),
    department: site.spec.department ?? 'owner',
    guard: site.spec.guard !== undefined ? compileExpression(site.spec.guard) : undefined,
    assign: Object.entries(site.spec.assign ?? {}).map(([field, expr]) => ({ path: field.split('.'), expr: compileExpression(expr) })),
    effects: site.spec.effects ?? [],
    backdate: site.spec.backdate ?? [],
  }));
  const transitionsByEvent = new Map<string, RuntimeTransition[]>();
  for (const t of transitions) transitionsByEvent.set(t.event, [...(transitionsByEvent.get(t.event) ?? []), t]);
  const tasks = new Map<string, RuntimeTask>();
  for (const node of nodes.values()) {
    const task = node.spec.task;
    if (!task) continue;
    tasks.set(node.name, {
      ...task,
      id: task.id ?? node.name,
      state: node.name,
      assigneesExpr: typeof task.assignees === 'string' ? compileExpression(task.assignees) : undefined,
    });
  }
  const payloadValidators = new Map<string, ValidateFunction>();
  for (const [name, spec] of Object.entries(events)) if (spec.payload) payloadValidators.set(name, validatorFor(spec.payload));
  const clocks = buildClockDefs(def, nodes);
  const materials = (def.materials ?? []).map((m) => (typeof m === 'string' ? { name: m, required: true } : m));
  return {
    id: def.id,
    version: def.version,
    title: def.title,
    department: def.department ?? '',
    region: def.region,
    category: def.category,
    basis: def.basis ?? [],
    materials,
    fees: def.fees,
    params: input.params,
    template: input.template,
    file: input.file,
    source: input.source,
    resolved: JSON.parse(JSON.stringify(def)) as DefinitionDoc,
    states: nodes,
    clocks,
    transitions,
    transitionsByEvent,
    tasks,
    events,
    internalEvents: internal,
    payloadValidators,
    validateData: def.data ? validatorFor(def.data) : undefined,
    calendars: input.calendars,
    machine: buildMachine(def, nodes, transitions),
  };
}
