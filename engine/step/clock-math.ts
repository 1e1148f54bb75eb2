import { addDays, addPeriod, elapsedInUnit, endOfLocalDay, subtractWorkingDays, toLocalDate } from '../calendar/index.ts';
import type { Calendar } from '../calendar/types.ts';
import type { ClockDef, LadderRung } from '../dsl/types.ts';
import { EngineError } from '../errors.ts';
import type { ClockState } from './types.ts';

export function calendarOf(calendars: ReadonlyMap<string, Calendar>, def: ClockDef): Calendar {
  const calendar = calendars.get(def.calendar);
  if (!calendar) throw new EngineError('DEFINITION_MISMATCH', `未知日历 unknown calendar '${def.calendar}' for clock '${def.name}'`);
  return calendar;
}

function isElapsedUnit(def: ClockDef): boolean {
  return def.limit.unit === 'h' || def.limit.unit === 'min';
}

/** Limit plus extensions plus excluded (paused) time, in the clock's unit. */
export function totalAmount(state: ClockState): number {
  return state.limit + state.extensions.reduce((sum, e) => sum + e.amount, 0) + state.excluded;
}

/** The due instant of a started clock. Pure. */
export function computeDue(calendar: Calendar, def: ClockDef, state: ClockState): { due: number; provisional: boolean } {
  const start = state.startedAt!;
  if (isElapsedUnit(def)) return { due: start + totalAmount(state), provisional: false };
  const result = addPeriod(calendar, start, { amount: totalAmount(state), unit: def.limit.unit }, { endAt: def.endAt });
  return { due: result.due, provisional: result.provisional };
}

/** Time excluded by a pause from `from` to `to`, in the clock's unit. Pure. */
export function pausedAmount(calendar: Calendar, def: ClockDef, from: number, to: number): number {
  if (isElapsedUnit(def)) return Math.max(0, to - from);
  return elapsedInUnit(calendar, from, to, def.limit.unit).amount;
}

/** The instant a ladder rung is reached for a clock whose due instant is `state.due`. Pure. */
export function rungInstant(calendar: Calendar, def: ClockDef, state: ClockState, rung: LadderRung): number {
  const due = state.due!;
  const unit = def.limit.unit;
  if (isElapsedUnit(def)) {
    if (rung.when === 'remaining') return due - rung.amount;
    if (rung.when === 'overdue') return due + rung.amount;
    return state.startedAt! + state.excluded + rung.amount;
  }
  if (rung.amount === 0 && rung.when !== 'consumed') return due;
  const dueDate = toLocalDate(due);
  if (rung.when === 'remaining') {
    return unit === 'wd' ? endOfLocalDay(subtractWorkingDays(calendar, dueDate, rung.amount).date) : endOfLocalDay(addDays(dueDate, -rung.amount));
  }
  if (rung.when === 'overdue') {
    return unit === 'wd' ? addPeriod(calendar, due, { amount: rung.amount, unit: 'wd' }).due : endOfLocalDay(addDays(dueDate, rung.amount));
  }
  return addPeriod(calendar, state.startedAt!, { amount: rung.amount + state.excluded, unit }).due;
}

/** Consumed and remaining time in the clock's unit at `now`, for display. Pure. */
export function clockReading(calendar: Calendar, def: ClockDef, state: ClockState, now: number): { consumed: number; remaining: number; overdue: boolean } {
  if (state.startedAt === undefined) return { consumed: 0, remaining: state.limit, overdue: false };
  const end = state.status === 'stopped' ? (state.stoppedAt ?? now) : state.status === 'paused' ? (state.pauses.at(-1)?.from ?? now) : now;
  const gross = pausedAmount(calendar, def, state.startedAt, end);
  const consumed = Math.max(0, gross - state.excluded);
  const allowed = totalAmount(state) - state.excluded;
  return { consumed, remaining: allowed - consumed, overdue: state.due !== undefined && end > state.due };
}
