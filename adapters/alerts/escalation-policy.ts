/**
 * When an unacknowledged alert goes up to the supervising office (监察室). Thresholds are set
 * locally: the levels that escalate and the wait are the province's choice, hence configuration
 * (`GOVFLOW_ESCALATE_*`); a ladder rung that names its own `escalate:` target escalates to that
 * target whatever its level.
 */
export interface EscalationPolicy {
  /** How long an alert may stay unacknowledged, ms of natural time by the database clock. */
  afterMs: number;
  /** Levels that escalate when unacknowledged. */
  levels: readonly string[];
  /** Where an alert whose rung names no `escalate:` target goes. */
  target: string;
}

/** Four hours; yellow and red cards and overrun steps; the supervising office. Reminders never escalate by default. */
export const DEFAULT_ESCALATION_POLICY: EscalationPolicy = {
  afterMs: 4 * 3600_000,
  levels: ['yellow-card', 'red-card', 'step-overdue'],
  target: 'supervising-office',
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3600_000, d: 86_400_000 };
const NAME = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Parses `90s`, `30min`, `4h`, `2d` (natural time) to ms. Pure.
 * @throws RangeError naming what is allowed.
 */
export function parseWait(text: string): number {
  const m = /^(\d{1,9})(ms|s|min|h|d)$/.exec(text.trim());
  if (!m) throw new RangeError(`无效的等待时长 invalid wait '${text}'; use a number with ms, s, min, h or d, e.g. 4h`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/**
 * The policy from `GOVFLOW_ESCALATE_AFTER` (e.g. `4h`), `GOVFLOW_ESCALATE_LEVELS` (comma list)
 * and `GOVFLOW_ESCALATE_TO`, each defaulting to `DEFAULT_ESCALATION_POLICY`. Pure.
 * @throws RangeError on a malformed value (the server refuses to start rather than guess).
 */
export function escalationPolicyFromEnv(env: Record<string, string | undefined>): EscalationPolicy {
  const after = env['GOVFLOW_ESCALATE_AFTER'];
  const levels = env['GOVFLOW_ESCALATE_LEVELS'];
  const target = env['GOVFLOW_ESCALATE_TO'];
  const policy: EscalationPolicy = {
    afterMs: after !== undefined && after !== '' ? parseWait(after) : DEFAULT_ESCALATION_POLICY.afterMs,
    levels: levels !== undefined && levels !== '' ? levels.split(',').map((l) => l.trim()).filter(Boolean) : DEFAULT_ESCALATION_POLICY.levels,
    target: target !== undefined && target !== '' ? target.trim() : DEFAULT_ESCALATION_POLICY.target,
  };
  for (const name of [...policy.levels, policy.target]) {
    if (!NAME.test(name)) throw new RangeError(`无效的名称 invalid level or office '${name}'; use lower-case letters, digits and '-'`);
  }
  return policy;
}
