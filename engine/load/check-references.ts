import type { Calendar } from '../calendar/types.ts';
import { parseDuration } from '../calendar/index.ts';
import type { DefinitionDoc, EventSpec, LadderRungSpec } from '../dsl/types.ts';
import { compileExpression, EXPRESSION_ROOTS, ExpressionSyntaxError } from '../expr/cel.ts';
import type { Report } from './check-structure.ts';
import { known } from './check-structure.ts';
import { validatorFor } from './json-schemas.ts';
import { DEFAULT_CALENDAR } from '../compile/clock-defs.ts';
import type { PathSegment } from './source-document.ts';
import type { StateNode, TransitionSite } from './state-tree.ts';

export const TASK_EVENTS = ['task.claim', 'task.transfer', 'task.delegate', 'task.urge', 'task.copy', 'task.complete', 'task.return', 'task.withdraw'] as const;
const ACTOR_FIELDS = ['id', 'role', 'department', 'region'];
const INSTANCE_FIELDS = ['id', 'department', 'region', 'receiptNo', 'startedAt'];
const TASK_FIELDS = ['id', 'outcome', 'approvals', 'rejections', 'total'];

/** Events raised by the engine itself: clock expiry and countersign completion. */
export function internalEvents(def: DefinitionDoc, nodes: Map<string, StateNode>): Set<string> {
  const out = new Set<string>();
  for (const clock of Object.values(def.clocks ?? {})) if (clock['on-expiry']) out.add(clock['on-expiry']);
  for (const node of nodes.values()) {
    if (node.spec['on-limit']) out.add(node.spec['on-limit']);
    const task = node.spec.task;
    if (task && (task.mode ?? 'single') !== 'single') out.add(`${task.id ?? node.name}.completed`);
  }
  return out;
}

/** Events, roles, clocks, expressions, tasks and schemas. Pure. */
export function checkReferences(
  def: DefinitionDoc,
  nodes: Map<string, StateNode>,
  sites: TransitionSite[],
  params: Record<string, unknown>,
  calendars: ReadonlyMap<string, Calendar>,
  report: Report,
): void {
  const events = def.events ?? {};
  const internal = internalEvents(def, nodes);
  const dataFields = schemaFields(def.data);
  checkSchemaCompiles(def.data, ['data'], report);
  for (const [name, event] of Object.entries(events)) checkSchemaCompiles(event.payload, ['events', name, 'payload'], report);

  const checkExpr = (source: string, path: PathSegment[], event: EventSpec | undefined, isTaskDone: boolean) => {
    let compiled;
    try {
      compiled = compileExpression(source);
    } catch (error) {
      const offset = error instanceof ExpressionSyntaxError ? error.offset : 0;
      report(path, `表达式语法错误 expression does not parse at character ${offset + 1}: ${(error as Error).message}`);
      return;
    }
    for (const ref of compiled.references) {
      const at = `at character ${ref.offset + 1}`;
      if (!(EXPRESSION_ROOTS as readonly string[]).includes(ref.root)) {
        report(path, `未知名称 unknown name '${ref.root}' ${at}; expressions may use: ${EXPRESSION_ROOTS.join(', ')}`);
        continue;
      }
      if (ref.field === undefined) continue;
      const allowed = fieldsOf(ref.root, dataFields, event, params, isTaskDone);
      if (allowed && !allowed.includes(ref.field)) {
        report(path, `未知字段 unknown field '${ref.root}.${ref.field}' ${at}; known: ${known(allowed) || '(none)'}`);
      }
    }
  };

  for (const site of sites) {
    const event = site.eventless ? undefined : events[site.event];
    const isInternal = internal.has(site.event);
    if (!site.eventless) {
      if ((TASK_EVENTS as readonly string[]).includes(site.event)) {
        report(site.path.slice(0, -1).concat(site.event), `'${site.event}' 是内置操作 is built in; use 'return-to', 'withdraw-to' or task 'operations'`, true);
      } else if (!event && !isInternal) {
        report(onKey(site), `未声明的事件 undeclared event '${site.event}'; declared events: ${known(Object.keys(events)) || '(none)'}`, true);
      } else if (!isInternal && !(site.spec.roles ?? event?.roles)?.length) {
        report(onKey(site), `无人可发送 no role may send event '${site.event}'; add 'roles' to the transition or to events.${site.event}`, true);
      }
    }
    (site.spec.backdate ?? []).forEach((clock, i) => {
      if (!def.clocks?.[clock]) report([...site.path, 'backdate', i], `未知时钟 unknown clock '${clock}'; clocks: ${known(Object.keys(def.clocks ?? {})) || '(none)'}`);
    });
    const isTaskDone = site.event.endsWith('.completed');
    if (site.spec.guard !== undefined) checkExpr(site.spec.guard, [...site.path, 'guard'], event, isTaskDone);
    for (const [field, expr] of Object.entries(site.spec.assign ?? {})) {
      const first = field.split('.')[0]!;
      if (dataFields && !dataFields.includes(first)) report([...site.path, 'assign', field], `未知数据字段 unknown data field '${first}'; data fields: ${known(dataFields)}`, true);
      checkExpr(expr, [...site.path, 'assign', field], event, isTaskDone);
    }
  }

  const taskIds = new Map<string, string>();
  for (const node of nodes.values()) {
    const task = node.spec.task;
    if (!task) continue;
    const id = task.id ?? node.name;
    const first = taskIds.get(id);
    if (first) report([...node.path, 'task'], `任务编号重复 task id '${id}' is also used in state '${first}'`, true);
    taskIds.set(id, node.name);
    const mode = task.mode ?? 'single';
    if (mode !== 'single' && task.assignees === undefined) report([...node.path, 'task'], `会签任务需要 assignees: mode '${mode}' needs 'assignees'`, true);
    if (mode === 'vote' && task.threshold === undefined) report([...node.path, 'task'], `票签任务需要 threshold: mode 'vote' needs 'threshold' (0–1)`, true);
    if (typeof task.assignees === 'string') checkExpr(task.assignees, [...node.path, 'task', 'assignees'], undefined, false);
    if (mode !== 'single' && !sites.some((s) => s.event === `${id}.completed`)) {
      report([...node.path, 'task'], `会签结果无人处理 no state handles '${id}.completed'; add it under 'on'`, true);
    }
  }

  checkClocks(def, nodes, sites, events, calendars, report);
}

function onKey(site: TransitionSite): PathSegment[] {
  const i = site.path.lastIndexOf('on');
  return site.path.slice(0, i + 2);
}

function schemaFields(schema: Record<string, unknown> | undefined): string[] | undefined {
  const props = schema?.properties as Record<string, unknown> | undefined;
  return props ? Object.keys(props) : undefined;
}

function fieldsOf(root: string, dataFields: string[] | undefined, event: EventSpec | undefined, params: Record<string, unknown>, isTaskDone: boolean): string[] | undefined {
  switch (root) {
    case 'data':
      return dataFields;
    case 'payload':
      return event ? (schemaFields(event.payload) ?? []) : [];
    case 'params':
      return Object.keys(params);
    case 'actor':
      return ACTOR_FIELDS;
    case 'instance':
      return INSTANCE_FIELDS;
    case 'task':
      return isTaskDone ? TASK_FIELDS : [];
    default:
      return undefined;
  }
}

function checkSchemaCompiles(schema: Record<string, unknown> | undefined, path: PathSegment[], report: Report): void {
  if (!schema) return;
  try {
    validatorFor(schema);
  } catch (error) {
    report(path, `JSON Schema 无效 invalid JSON Schema: ${(error as Error).message}`);
  }
}

function tryDuration(text: string | 0 | undefined, path: PathSegment[], report: Report): { amount: number; unit: string } | undefined {
  if (text === undefined) return undefined;
  if (text === 0) return { amount: 0, unit: '*' };
  try {
    return parseDuration(String(text));
  } catch (error) {
    report(path, (error as Error).message);
    return undefined;
  }
}

/** Hours and minutes are both elapsed time and mix freely; days do not mix with them or each other. */
function sameUnit(a: string, b: string): boolean {
  const elapsed = (u: string) => u === 'h' || u === 'min';
  return a === b || (elapsed(a) && elapsed(b));
}

function checkLadder(ladder: LadderRungSpec[] | undefined, unit: string | undefined, path: PathSegment[], report: Report): void {
  (ladder ?? []).forEach((rung, i) => {
    for (const key of ['remaining', 'overdue', 'consumed'] as const) {
      const d = tryDuration(rung[key], [...path, i, key], report);
      if (d && unit && d.unit !== '*' && !sameUnit(d.unit, unit)) {
        report([...path, i, key], `单位不一致 threshold unit '${d.unit}' differs from the clock's unit '${unit}'; write it in ${unit}`);
      }
    }
  });
}

function checkClocks(
  def: DefinitionDoc,
  nodes: Map<string, StateNode>,
  sites: TransitionSite[],
  events: Record<string, EventSpec>,
  calendars: ReadonlyMap<string, Calendar>,
  report: Report,
): void {
  const handled = new Set(sites.map((s) => s.event));
  const calendarOk = (id: string | undefined, path: PathSegment[]) => {
    if (id !== undefined && !calendars.has(id)) report(path, `未知日历 unknown calendar '${id}'; known: ${known(calendars.keys()) || '(none)'}`);
  };
  calendarOk(def.calendar, ['calendar']);
  for (const [name, clock] of Object.entries(def.clocks ?? {})) {
    const path: PathSegment[] = ['clocks', name];
    const limit = tryDuration(clock.limit, [...path, 'limit'], report);
    calendarOk(clock.calendar, [...path, 'calendar']);
    if (!clock.calendar && !def.calendar && !calendars.has(DEFAULT_CALENDAR)) {
      report([...path, 'limit'], `需要日历 clock '${name}' needs a calendar and the default '${DEFAULT_CALENDAR}' is not loaded; set 'calendar'`);
    }
    for (const key of ['runs-in', 'paused-in'] as const) {
      (clock[key] ?? []).forEach((state, i) => {
        if (!nodes.has(state)) report([...path, key, i], `未知状态 unknown state '${state}'; known states: ${known(nodes.keys())}`);
      });
    }
    (clock['extend-on'] ?? []).forEach((ext, i) => {
      if (!events[ext.event]) report([...path, 'extend-on', i, 'event'], `未声明的事件 undeclared event '${ext.event}'; declared events: ${known(Object.keys(events))}`);
      const by = tryDuration(ext.by, [...path, 'extend-on', i, 'by'], report);
      if (by && limit && !sameUnit(by.unit, limit.unit)) report([...path, 'extend-on', i, 'by'], `单位不一致 extension unit '${by.unit}' differs from the limit's unit '${limit.unit}'`);
    });
    checkLadder(clock.ladder, limit?.unit, [...path, 'ladder'], report);
    const expiry = clock['on-expiry'];
    if (expiry && !handled.has(expiry)) report([...path, 'on-expiry'], `到期事件无人处理 no state handles '${expiry}'; add it under 'on' of the states where it matters`);
  }
  for (const node of nodes.values()) {
    const limit = tryDuration(node.spec.limit, [...node.path, 'limit'], report);
    if (node.spec.ladder && !node.spec.limit) report([...node.path, 'ladder'], `预警需要时限 a step ladder needs a step 'limit'`, true);
    const onLimit = node.spec['on-limit'];
    if (onLimit && !node.spec.limit) report([...node.path, 'on-limit'], `需要环节时限 'on-limit' needs a step 'limit'`);
    if (onLimit && !handled.has(onLimit)) report([...node.path, 'on-limit'], `到期事件无人处理 no state handles '${onLimit}'; add it under 'on' of the states where it matters`);
    checkLadder(node.spec.ladder, limit?.unit, [...node.path, 'ladder'], report);
  }
}
