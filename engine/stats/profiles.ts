import type { Text } from '../dsl/types.ts';

/**
 * How an outcome counts: `granted` and `denied` are completions (办结), `not-accepted` and
 * `denied` are refusals, `withdrawn` ends a case without a decision.
 */
export type OutcomeClass = 'granted' | 'denied' | 'not-accepted' | 'withdrawn' | 'other';

/** The first event at which any trigger holds sets a milestone; later ones leave it alone. */
export interface MilestoneRule {
  /** A clock of this name started (engine effect `clock … started`). */
  clockStarted?: readonly string[];
  /** The instance entered one of these states (compound states count too). */
  entered?: readonly string[];
  /** An audit event of one of these types was applied. */
  events?: readonly string[];
}

/** Time from one milestone to a later one, reported per day of the later one. */
export interface IntervalRule {
  title: Text;
  /** A milestone name, or `received` (the start event). */
  from: string;
  to: string;
  /** `d` natural days and `wd` working days (start day not counted), `h` whole hours. */
  unit: 'd' | 'wd' | 'h';
}

/**
 * What statistics read from the definitions of one category. Everything is named by clock,
 * state, event and outcome names written in the YAML, so a new definition in the category is
 * measured without code changes as long as it keeps those names.
 */
export interface StatsProfile {
  category: string;
  title: Text;
  /** Named instants. `accepted` and `decided`, when declared, feed the acceptance figures. */
  milestones: Readonly<Record<string, MilestoneRule>>;
  outcomes: Readonly<Record<string, OutcomeClass>>;
  /**
   * Clocks of the promised limit (承诺时限), also read for "overdue now": the first one of the
   * list that has started counts (documents list one step clock per urgency).
   */
  promisedClocks: readonly string[];
  /** Clocks of the statutory limit (法定时限); the paused time of the one that counts is the time excluded by pauses. */
  statutoryClocks: readonly string[];
  intervals: Readonly<Record<string, IntervalRule>>;
  /** Open instances whose data field holds one of these values count as urgent. */
  urgent?: { field: string; values: readonly string[] };
}

const LICENSING_OUTCOMES = {
  approved: 'granted',
  'deemed-granted': 'granted',
  denied: 'denied',
  'not-accepted': 'not-accepted',
  withdrawn: 'withdrawn',
} as const satisfies Record<string, OutcomeClass>;

/**
 * The profiles by category. Licensing follows both province-wide templates
 * (`administrative-licence`, `joint-approval`): acceptance is when the statutory clock starts or,
 * for a decision on the spot, when delivery starts; the decision is when delivery starts.
 * Tender and document profiles follow `processes/tender/open-tender.yaml` and
 * `processes/documents/*.yaml` (see docs/statistics.md); an instance that never reaches a
 * milestone simply has no interval.
 */
export const STATS_PROFILES: Readonly<Record<string, StatsProfile>> = {
  licensing: {
    category: 'licensing',
    title: { zh: '行政许可', en: 'Administrative licensing' },
    milestones: {
      accepted: { clockStarted: ['statutory', 'delivery'] },
      decided: { clockStarted: ['delivery'] },
    },
    outcomes: LICENSING_OUTCOMES,
    promisedClocks: ['promised'],
    statutoryClocks: ['statutory'],
    intervals: {},
  },
  tender: {
    category: 'tender',
    title: { zh: '工程建设招标投标', en: 'Tendering' },
    milestones: {
      // 进场登记 counts as acceptance: the centre took the project in.
      accepted: { events: ['register-entry'] },
      registered: { events: ['register-entry'] },
      awarded: { events: ['issue-award-notice'] },
      'contract-signed': { events: ['sign-contract'] },
      'deposits-refunded': { events: ['deposits-refunded'] },
    },
    outcomes: { awarded: 'granted', retender: 'denied', terminated: 'withdrawn' },
    promisedClocks: [],
    statutoryClocks: [],
    intervals: {
      'registration-to-award': { title: { zh: '进场登记至发出中标通知书（自然日）', en: 'Registration to award notice (natural days)' }, from: 'registered', to: 'awarded', unit: 'd' },
      'deposit-refund': { title: { zh: '签订合同至退还投标保证金（自然日）', en: 'Contract signing to deposit refund (natural days)' }, from: 'contract-signed', to: 'deposits-refunded', unit: 'd' },
    },
  },
  document: {
    category: 'document',
    title: { zh: '公文流转', en: 'Document handling' },
    milestones: {
      // 签收 (incoming) or the first draft submitted (outgoing) counts as acceptance.
      accepted: { events: ['sign', 'submit-draft'] },
      'signed-in': { events: ['sign'] },
      handled: { entered: ['circulation', 'reply'] },
    },
    outcomes: { handled: 'granted', dispatched: 'granted', returned: 'not-accepted' },
    promisedClocks: ['step:lead-extra-urgent', 'step:lead-urgent', 'step:lead-ordinary'],
    statutoryClocks: [],
    intervals: {
      'sign-in-latency': { title: { zh: '送达至签收（小时）', en: 'Delivery to sign-in (hours)' }, from: 'received', to: 'signed-in', unit: 'h' },
      'handling-time': { title: { zh: '签收至承办完毕（工作日）', en: 'Sign-in to handled (working days)' }, from: 'signed-in', to: 'handled', unit: 'wd' },
    },
    urgent: { field: 'urgency', values: ['extra-urgent', 'urgent'] },
  },
};

/** A profile that measures only what every definition has: receipt, outcome and alerts. */
const GENERIC: StatsProfile = {
  category: 'other',
  title: { zh: '其他', en: 'Other' },
  milestones: {},
  outcomes: {},
  promisedClocks: [],
  statutoryClocks: [],
  intervals: {},
};

/** The profile of a category; categories without one get a generic profile. Pure. */
export function profileFor(category: string | undefined): StatsProfile {
  return (category !== undefined ? STATS_PROFILES[category] : undefined) ?? { ...GENERIC, category: category ?? 'other' };
}
