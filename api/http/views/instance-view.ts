import type { AlertRecord } from '../../../adapters/queries/alerts.ts';
import type { InstanceRecord } from '../../../adapters/queries/find-instance.ts';
import type { TaskRecord } from '../../../adapters/queries/list-tasks.ts';
import { activeStates, clockReading, type CompiledDefinition, type InstanceSnapshot } from '../../../engine/index.ts';
import { personalData } from './mask.ts';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** Amounts of `h`/`min` clocks are kept in ms; shown in the clock's own unit. */
function inUnit(amount: number, unit: string): number {
  if (unit === 'h') return Math.round((amount / 3_600_000) * 100) / 100;
  if (unit === 'min') return Math.round((amount / 60_000) * 100) / 100;
  return amount;
}

export interface ClockView {
  name: string;
  title: unknown;
  status: string;
  unit: string;
  limit: number;
  extended: number;
  due: string | null;
  provisional: boolean;
  consumed: number;
  remaining: number;
  overdue: boolean;
  pauses: number;
}

/** Each started clock with its due instant and what is consumed and left at `now`. Pure. */
export function clockViews(def: CompiledDefinition, snapshot: InstanceSnapshot, now: number): ClockView[] {
  const out: ClockView[] = [];
  for (const clock of def.clocks) {
    const state = snapshot.clocks[clock.name];
    if (!state) continue;
    const calendar = def.calendars.get(clock.calendar);
    const reading = calendar ? clockReading(calendar, clock, state, now) : { consumed: 0, remaining: state.limit, overdue: false };
    out.push({
      name: clock.name,
      title: clock.title,
      status: state.status,
      unit: state.unit,
      limit: inUnit(state.limit, state.unit),
      extended: inUnit(state.extensions.reduce((sum, e) => sum + e.amount, 0), state.unit),
      due: iso(state.due),
      provisional: state.provisional ?? false,
      consumed: inUnit(reading.consumed, state.unit),
      remaining: inUnit(reading.remaining, state.unit),
      overdue: reading.overdue,
      pauses: state.pauses.length,
    });
  }
  return out;
}

export interface EventView {
  event: string;
  title: unknown;
  roles: string[];
}

/** Events someone can send in the instance's current states (engine-raised ones left out). Pure. */
export function availableEvents(def: CompiledDefinition, snapshot: InstanceSnapshot): EventView[] {
  if (snapshot.status !== 'active') return [];
  const active = activeStates(snapshot.value);
  const byEvent = new Map<string, EventView>();
  for (const t of def.transitions) {
    if (!active.has(t.from) || t.eventless || def.internalEvents.has(t.event)) continue;
    if (t.roles.length === 1 && t.roles[0] === 'system') continue;
    const seen = byEvent.get(t.event);
    if (seen) seen.roles = [...new Set([...seen.roles, ...t.roles])];
    else byEvent.set(t.event, { event: t.event, title: def.events[t.event]?.title ?? { zh: t.event }, roles: [...t.roles] });
  }
  return [...byEvent.values()];
}

export function taskView(t: TaskRecord) {
  return {
    instanceId: t.instanceId,
    receiptNo: t.receiptNo,
    definition: t.definitionId,
    taskId: t.taskId,
    name: t.taskId.split('#').at(-1) ?? t.taskId,
    state: t.state,
    title: t.title,
    role: t.role,
    department: t.department,
    region: t.region,
    mode: t.mode,
    assignees: t.assignees,
    status: t.status,
    claimedBy: t.claimedBy,
    delegatedTo: t.delegatedTo,
    openedAt: t.openedAt,
    limitDue: t.limitDue,
    closedAt: t.closedAt,
    closeReason: t.closeReason,
  };
}

export function alertView(a: AlertRecord) {
  return {
    id: a.id,
    instanceId: a.instanceId,
    receiptNo: a.receiptNo,
    seq: a.seq,
    region: a.region,
    department: a.department,
    level: a.level,
    clock: a.clock,
    rung: a.rung,
    dueAt: a.dueAt,
    escalateTo: a.escalateTo,
    message: a.message,
    raisedAt: a.raisedAt,
    acknowledgedAt: a.acknowledgedAt,
    acknowledgedBy: a.acknowledgedBy,
  };
}

/**
 * The full view of one case: where it is, its clocks, open tasks, alerts and what can be sent
 * next. Personal data is whole only for the owning department and the applicant (`whole`).
 */
export function instanceView(
  def: CompiledDefinition,
  row: InstanceRecord,
  extra: { tasks: TaskRecord[]; alerts: AlertRecord[]; now: number; whole: boolean },
) {
  const snap = row.snapshot;
  return {
    id: row.id,
    receiptNo: row.receiptNo,
    definition: { id: row.definitionId, version: row.definitionVersion, title: def.title },
    department: row.department,
    region: row.region,
    businessKey: row.businessKey,
    status: row.status,
    outcome: row.outcome,
    state: snap.value,
    activeStates: [...activeStates(snap.value)],
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    endedAt: iso(snap.endedAt),
    personalDataMasked: !extra.whole,
    data: personalData(snap.data, extra.whole),
    clocks: clockViews(def, snap, extra.now),
    tasks: extra.tasks.map(taskView),
    alerts: extra.alerts.map(alertView),
    availableEvents: availableEvents(def, snap),
  };
}
