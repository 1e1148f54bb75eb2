import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../adapters/storage/database.ts';
import { countNaturalDays, countWorkingDays, toLocalDate } from '../../../engine/calendar/index.ts';
import type { Calendar } from '../../../engine/calendar/types.ts';
import type { ClockState, InstanceSnapshot } from '../../../engine/index.ts';

/**
 * An independent recomputation of the statistics, written for the tests only: plain SQL reads of
 * `audit_events` (every row, in seq order), the instances' current snapshots and the `alerts` the
 * runtime wrote, then plain TypeScript. It shares no code with `engine/stats` or `adapters/stats`:
 * the definitions of docs/statistics.md are written out again here.
 */

/** What each category counts, as docs/statistics.md defines it. */
const SPEC: Record<string, { acceptClocks?: string[]; acceptEvents?: string[]; completed: string[]; notAccepted: string[]; denied: string[]; withdrawn: string[]; promised: string[]; statutory: string[] }> = {
  licensing: {
    acceptClocks: ['statutory', 'delivery'],
    completed: ['approved', 'deemed-granted', 'denied'],
    notAccepted: ['not-accepted'],
    denied: ['denied'],
    withdrawn: ['withdrawn'],
    promised: ['promised'],
    statutory: ['statutory'],
  },
  tender: { acceptEvents: ['register-entry'], completed: ['awarded', 'retender'], notAccepted: [], denied: ['retender'], withdrawn: ['terminated'], promised: [], statutory: [] },
  document: {
    acceptEvents: ['sign', 'submit-draft'],
    completed: ['handled', 'dispatched'],
    notAccepted: ['returned'],
    denied: [],
    withdrawn: [],
    promised: ['step:lead-extra-urgent', 'step:lead-urgent', 'step:lead-ordinary'],
    statutory: [],
  },
};

export interface BruteInstance {
  id: string;
  item: string;
  category: string;
  department: string;
  region: string;
  receivedAt: number;
  acceptedAt: number | null;
  endedAt: number | null;
  outcome: string | null;
  completed: boolean;
  promisedMet: boolean;
  statutoryMet: boolean;
  paused: boolean;
  pausedWd: number;
  durationWd: number | null;
  overduePromised: boolean;
  overdueStatutory: boolean;
  urgentOverdue: boolean;
  /** A limit clock (promised or statutory) has started and is paused now. */
  clockPaused: boolean;
  /** Levels of every alert raised on the instance, in no order. */
  levels: string[];
  /** Milestone instants from event types and states entered (tender and documents). */
  marks: Record<string, number>;
  dwell: Array<{ state: string; at: number; wd: number; ms: number }>;
  /** Leaf states an open instance is in now (empty once ended). */
  leavesNow: string[];
}

export interface BruteAlert {
  department: string;
  item: string;
  region: string;
  level: string;
  at: number;
}

const day = (ms: number) => toLocalDate(ms);

function leaves(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!value || typeof value !== 'object') return [];
  return Object.values(value).flatMap(leaves);
}

function allStates(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...allStates(v)]);
}

function firstRunning(snapshot: InstanceSnapshot, names: string[]): ClockState | undefined {
  return names.map((n) => snapshot.clocks[n]).find((c) => c !== undefined && c.status !== 'idle');
}

/** Reads everything and derives each instance's facts. */
export async function bruteForce(db: Kysely<Database>, calendar: Calendar, asOf: number): Promise<{ instances: BruteInstance[]; alerts: BruteAlert[] }> {
  const { rows } = await sql<{
    instance_id: string;
    seq: number;
    type: string;
    payload: Record<string, unknown>;
    occurred_at: Date;
    definition_id: string;
    status: string;
    outcome: string | null;
    snapshot: InstanceSnapshot;
    category: string;
  }>`
    select a.instance_id, a.seq, a.type, a.payload, a.occurred_at, i.definition_id, i.status, i.outcome, i.snapshot,
      d.resolved ->> 'category' as category
    from audit_events a
    join instances i on i.id = a.instance_id
    join definitions d on d.id = i.definition_id and d.version = i.definition_version
    order by a.instance_id, a.seq`.execute(db);
  const wd = (from: number, to: number) => countWorkingDays(calendar, day(from), day(to)).days;
  const byInstance = new Map<string, typeof rows>();
  for (const r of rows) byInstance.set(r.instance_id, [...(byInstance.get(r.instance_id) ?? []), r]);
  const instances: BruteInstance[] = [];
  for (const [id, events] of byInstance) {
    const first = events[0]!;
    const last = events[events.length - 1]!;
    const spec = SPEC[first.category] ?? { completed: [], notAccepted: [], denied: [], withdrawn: [], promised: [], statutory: [] };
    const snapshot = first.snapshot;
    const receivedAt = first.occurred_at.getTime();
    let acceptedAt: number | null = null;
    if (spec.acceptClocks) {
      const starts = spec.acceptClocks.map((c) => snapshot.clocks[c]?.startedAt).filter((v): v is number => v !== undefined);
      acceptedAt = starts.length > 0 ? Math.min(...starts) : null;
    } else if (spec.acceptEvents) {
      acceptedAt = events.find((e) => spec.acceptEvents!.includes(e.type))?.occurred_at.getTime() ?? null;
    }
    const done = first.status === 'done';
    const endedAt = done ? last.occurred_at.getTime() : null;
    const outcome = done ? first.outcome : null;
    const completed = outcome !== null && spec.completed.includes(outcome);
    const promised = firstRunning(snapshot, spec.promised);
    const statutory = firstRunning(snapshot, spec.statutory);
    const met = (c: ClockState | undefined) => !c || c.stoppedAt === undefined || c.due === undefined || c.stoppedAt <= c.due;
    const pausedWd = (statutory?.pauses ?? []).reduce((t, p) => t + (p.to === undefined ? 0 : wd(p.from, p.to)), 0);
    const marks: Record<string, number> = {};
    const mark = (name: string, at: number) => {
      marks[name] ??= at;
    };
    const dwell: BruteInstance['dwell'] = [];
    let current = new Map<string, number>();
    let previousStates = new Set<string>();
    for (const e of events) {
      const at = e.occurred_at.getTime();
      const to = e.payload['to'];
      const now = new Map<string, number>();
      for (const leaf of leaves(to)) now.set(leaf, current.get(leaf) ?? at);
      for (const [state, since] of current) if (!now.has(state)) dwell.push({ state, at, wd: wd(since, at), ms: at - since });
      current = now;
      const states = new Set(allStates(to));
      const entered = [...states].filter((s) => !previousStates.has(s));
      previousStates = states;
      if (e.type === 'register-entry') mark('registered', at);
      if (e.type === 'issue-award-notice') mark('awarded', at);
      if (e.type === 'sign-contract') mark('contract-signed', at);
      if (e.type === 'deposits-refunded') mark('deposits-refunded', at);
      if (e.type === 'sign') mark('signed-in', at);
      if (first.category === 'document' && entered.some((s) => s === 'circulation' || s === 'reply')) mark('handled', at);
    }
    const urgency = snapshot.data['urgency'];
    const overduePromised = promised?.status === 'running' && promised.due !== undefined && promised.due < asOf;
    instances.push({
      id,
      item: first.definition_id,
      category: first.category,
      department: String(first.payload['department']),
      region: String(first.payload['region']),
      receivedAt,
      acceptedAt,
      endedAt,
      outcome,
      completed,
      promisedMet: met(promised),
      statutoryMet: met(statutory),
      paused: (statutory?.pauses.length ?? 0) > 0,
      pausedWd,
      durationWd: completed && endedAt !== null ? Math.max(0, wd(acceptedAt ?? receivedAt, endedAt) - pausedWd) : null,
      overduePromised,
      overdueStatutory: statutory?.status === 'running' && statutory.due !== undefined && statutory.due < asOf,
      urgentOverdue: overduePromised && (urgency === 'extra-urgent' || urgency === 'urgent'),
      clockPaused: promised?.status === 'paused' || statutory?.status === 'paused',
      levels: [],
      marks,
      dwell,
      leavesNow: done ? [] : [...current.keys()],
    });
  }
  const alertRows = await sql<{ instance_id: string; department: string; item: string; region: string; level: string; raised_at: Date }>`
    select a.instance_id, a.department, i.definition_id as item, a.region, a.level, a.raised_at
    from alerts a join instances i on i.id = a.instance_id`.execute(db);
  const byId = new Map(instances.map((i) => [i.id, i]));
  for (const r of alertRows.rows) byId.get(r.instance_id)?.levels.push(r.level);
  const alerts = alertRows.rows.map((r) => ({ department: r.department, item: r.item, region: r.region, level: r.level, at: r.raised_at.getTime() }));
  return { instances, alerts };
}

/**
 * The traffic-light board recomputed case by case from the instances' snapshots and the alerts
 * table: red when the statutory clock runs past due at `asOf` or a red card was raised; else
 * yellow when the promised clock runs past due or a reminder, yellow card or overrun step was
 * raised; else green. Open cases only, by department, among those `covers` accepts.
 */
export function bruteBoard(data: { instances: BruteInstance[] }, covers: (i: BruteInstance) => boolean) {
  const out = new Map<string, { department: string; open: number; green: number; yellow: number; red: number; paused: number }>();
  for (const i of data.instances.filter((x) => x.endedAt === null && covers(x))) {
    const row = out.get(i.department) ?? { department: i.department, open: 0, green: 0, yellow: 0, red: 0, paused: 0 };
    out.set(i.department, row);
    row.open += 1;
    if (i.clockPaused) row.paused += 1;
    if (i.overdueStatutory || i.levels.includes('red-card')) row.red += 1;
    else if (i.overduePromised || i.levels.some((l) => l === 'reminder' || l === 'yellow-card' || l === 'step-overdue')) row.yellow += 1;
    else row.green += 1;
  }
  return [...out.values()].sort((a, b) => (a.department < b.department ? -1 : a.department > b.department ? 1 : 0));
}

/** The nearest-rank 90th percentile, from a sorted copy. */
export function p90(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((9 * sorted.length) / 10) - 1]!;
}

const inPeriod = (at: number | null, from: string, to: string) => at !== null && day(at) >= from && day(at) <= to;

export interface BruteFilter {
  from: string;
  to: string;
  department?: string;
  item?: string;
  items?: string[];
  /** Exact region, or a prefix for a covering division code (`5201` for 520100). */
  region?: (region: string) => boolean;
  month?: string;
}

/** The measures of `docs/statistics.md` for the instances and alerts that match. */
export function bruteMeasures(data: { instances: BruteInstance[]; alerts: BruteAlert[] }, f: BruteFilter, withOverdue = true) {
  const from = f.month ? (`${f.month}-01` > f.from ? `${f.month}-01` : f.from) : f.from;
  const to = f.month ? (`${f.month}-31` < f.to ? `${f.month}-31` : f.to) : f.to;
  const match = (x: { department: string; item: string; region: string }) =>
    (f.department === undefined || x.department === f.department) &&
    (f.item === undefined || x.item === f.item) &&
    (f.items === undefined || f.items.includes(x.item)) &&
    (f.region === undefined || f.region(x.region));
  const mine = data.instances.filter(match);
  const ended = mine.filter((i) => inPeriod(i.endedAt, from, to));
  const completed = ended.filter((i) => i.completed);
  const spec = (i: BruteInstance) => SPEC[i.category];
  const durations = completed.map((i) => i.durationWd as number);
  const levels = new Map<string, number>();
  for (const a of data.alerts.filter((a) => match(a) && inPeriod(a.at, from, to))) levels.set(a.level, (levels.get(a.level) ?? 0) + 1);
  const other: Record<string, number> = {};
  for (const [level, n] of [...levels].sort(([a], [b]) => a.localeCompare(b))) if (!['reminder', 'yellow-card', 'red-card', 'step-overdue'].includes(level)) other[level] = n;
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  const count = (list: BruteInstance[], pred: (i: BruteInstance) => boolean) => list.filter(pred).length;
  const accepted = count(mine, (i) => inPeriod(i.acceptedAt, from, to));
  const notAccepted = count(ended, (i) => spec(i)?.notAccepted.includes(i.outcome ?? '') ?? false);
  const denied = count(ended, (i) => spec(i)?.denied.includes(i.outcome ?? '') ?? false);
  const onTimePromised = count(completed, (i) => i.promisedMet);
  const onTimeStatutory = count(completed, (i) => i.statutoryMet);
  return {
    received: count(mine, (i) => inPeriod(i.receivedAt, from, to)),
    accepted,
    notAccepted,
    denied,
    refused: notAccepted + denied,
    withdrawn: count(ended, (i) => spec(i)?.withdrawn.includes(i.outcome ?? '') ?? false),
    completed: completed.length,
    completionRate: ratio(completed.length, accepted),
    onTime: { promised: onTimePromised, statutory: onTimeStatutory },
    onTimeRate: { promised: ratio(onTimePromised, completed.length), statutory: ratio(onTimeStatutory, completed.length) },
    durationWd: { average: durations.length === 0 ? null : durations.reduce((a, b) => a + b, 0) / durations.length, p90: p90(durations) },
    paused: { cases: count(completed, (i) => i.paused), workingDays: completed.reduce((t, i) => t + i.pausedWd, 0) },
    overdueNow: withOverdue ? { promised: count(mine, (i) => i.overduePromised), statutory: count(mine, (i) => i.overdueStatutory) } : null,
    cards: {
      reminder: levels.get('reminder') ?? 0,
      yellowCard: levels.get('yellow-card') ?? 0,
      redCard: levels.get('red-card') ?? 0,
      stepOverdue: levels.get('step-overdue') ?? 0,
      other,
    },
  };
}

/** Dwell per state of one definition over exits in the period, and the instances waiting in it now. */
export function bruteDwell(data: { instances: BruteInstance[] }, item: string, from: string, to: string) {
  const out = new Map<string, { count: number; ms: number; wds: number[]; waitingNow: number }>();
  const get = (state: string) => {
    if (!out.has(state)) out.set(state, { count: 0, ms: 0, wds: [], waitingNow: 0 });
    return out.get(state)!;
  };
  for (const i of data.instances.filter((x) => x.item === item)) {
    for (const leaf of i.leavesNow) get(leaf).waitingNow += 1;
    for (const d of i.dwell.filter((x) => inPeriod(x.at, from, to))) {
      const s = get(d.state);
      s.count += 1;
      s.ms += d.ms;
      s.wds.push(d.wd);
    }
  }
  return out;
}

/** Interval values (tender, documents), over instances whose end milestone lies in the period. */
export function bruteIntervals(data: { instances: BruteInstance[] }, calendar: Calendar, from: string, to: string) {
  const rules: Record<string, { from: string; to: string; unit: 'd' | 'wd' | 'h' }> = {
    'registration-to-award': { from: 'registered', to: 'awarded', unit: 'd' },
    'deposit-refund': { from: 'contract-signed', to: 'deposits-refunded', unit: 'd' },
    'sign-in-latency': { from: 'received', to: 'signed-in', unit: 'h' },
    'handling-time': { from: 'signed-in', to: 'handled', unit: 'wd' },
  };
  const out: Record<string, number[]> = {};
  for (const [name, rule] of Object.entries(rules)) {
    out[name] = [];
    for (const i of data.instances) {
      const start = rule.from === 'received' ? i.receivedAt : i.marks[rule.from];
      const end = i.marks[rule.to];
      if (start === undefined || end === undefined || !inPeriod(end, from, to)) continue;
      const value =
        rule.unit === 'wd'
          ? countWorkingDays(calendar, day(start), day(end)).days
          : rule.unit === 'd'
            ? countNaturalDays(day(start), day(end))
            : Math.floor((end - start) / 3_600_000);
      out[name]!.push(value);
    }
  }
  return out;
}
