import type { AlertRecord } from '../../../adapters/queries/alerts.ts';
import { pausedAmount } from '../../../engine/step/clock-math.ts';
import type { CompiledDefinition, InstanceSnapshot } from '../../../engine/index.ts';
import { clockViews, type ClockView } from '../views/instance-view.ts';
import { maskPersonalData } from '../../../adapters/outbox/mask-personal-data.ts';
import { maskStrings } from '../views/mask.ts';

/** Amounts of `h`/`min` clocks are kept in ms; shown in the clock's own unit. */
function inUnit(amount: number, unit: string): number {
  if (unit === 'h') return Math.round((amount / 3_600_000) * 100) / 100;
  if (unit === 'min') return Math.round((amount / 60_000) * 100) / 100;
  return amount;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A clock as a bar: time used, time paused (excluded), time remaining, in the clock's unit. */
export interface ClockBar extends ClockView {
  /** Excluded time (行政许可法 Art. 45), closed pauses plus the one running now. */
  paused: number;
  startedAt: string | null;
  stoppedAt: string | null;
  pauseList: Array<{ from: string; to: string | null; reason: string }>;
}

/**
 * Each started clock of a case as a bar: `consumed` (used), `paused` and `remaining`; a negative
 * `remaining` is the overrun. A paused clock's current pause counts up to `now`. Pure.
 */
export function clockBars(def: CompiledDefinition, snapshot: InstanceSnapshot, now: number): ClockBar[] {
  return clockViews(def, snapshot, now).map((view) => {
    const state = snapshot.clocks[view.name]!;
    const clockDef = def.clocks.find((c) => c.name === view.name);
    const calendar = clockDef ? def.calendars.get(clockDef.calendar) : undefined;
    const open = state.status === 'paused' ? state.pauses.at(-1) : undefined;
    const running = open && open.to === undefined && clockDef && calendar ? pausedAmount(calendar, clockDef, open.from, now) : 0;
    return {
      ...view,
      paused: inUnit(state.excluded + running, state.unit),
      startedAt: iso(state.startedAt),
      stoppedAt: iso(state.stoppedAt),
      pauseList: state.pauses.map((p) => ({ from: new Date(p.from).toISOString(), to: iso(p.to), reason: p.reason })),
    };
  });
}

/**
 * An alert as supervisors see it, with links to its case and clock. Free text is masked (ids are
 * left alone: a UUID's last group can hold a run of digits that looks like a mobile number).
 */
export function supervisionAlertView(a: AlertRecord) {
  return {
    id: a.id,
    level: a.level,
    message: maskStrings(a.message),
    raisedAt: a.raisedAt,
    dueAt: a.dueAt,
    region: a.region,
    department: a.department,
    status: a.acknowledgedAt ? 'acknowledged' : a.escalatedAt ? 'escalated' : 'open',
    acknowledgedAt: a.acknowledgedAt,
    acknowledgedBy: a.acknowledgedBy === null ? null : maskPersonalData(a.acknowledgedBy),
    escalateTo: a.escalateTo,
    escalatedAt: a.escalatedAt,
    escalatedTo: a.escalatedTo,
    instance: { id: a.instanceId, receiptNo: a.receiptNo, definition: a.definitionId, title: a.definitionTitle, status: a.caseStatus, href: `/api/v1/instances/${a.instanceId}` },
    clock: a.clock === null ? null : { name: a.clock, rung: a.rung, href: `/api/v1/supervision/cases/${a.instanceId}` },
    history: `/api/v1/alerts/${a.id}/history`,
  };
}
