import type { CommandOutcome, CommandResult } from '../../../adapters/runtime/commands.ts';
import type { Runtime } from '../../../adapters/runtime/runtime.ts';
import type { ServiceMetrics } from './service-metrics.ts';

/** `ok`, `duplicate` (a repeated idempotency key) or `skipped` (a stale timer). */
function resultOutcome(result: CommandResult): string {
  if (result.duplicate) return 'duplicate';
  if (result.skipped) return 'skipped';
  return 'ok';
}

/** The error's code when it has a plain one (`CONFLICT`, `FORBIDDEN` …), else `error`: labels stay few. */
export function errorOutcome(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : 'error';
}

/**
 * The same runtime, measured at its boundary: every `start`, `send` and timer command (through
 * `applyIn`, the scheduler's path) is counted by kind and outcome with its latency, and each fired
 * timer's lateness is observed. The runtime's own files are untouched; a command run inside a
 * caller's transaction is counted when the runtime returns, before that transaction commits.
 */
export function instrumentRuntime(runtime: Runtime, metrics: ServiceMetrics): Runtime {
  const timed = async (kind: 'start' | 'send', run: () => Promise<CommandResult>): Promise<CommandResult> => {
    const started = performance.now();
    try {
      const result = await run();
      metrics.observeCommand(kind, resultOutcome(result), (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      metrics.observeCommand(kind, errorOutcome(error), (performance.now() - started) / 1000);
      throw error;
    }
  };
  return {
    registry: runtime.registry,
    publish: (def, publishedBy, trx) => runtime.publish(def, publishedBy, trx),
    start: (def, data, actor, options) => timed('start', () => runtime.start(def, data, actor, options)),
    send: (instanceId, event, options) => timed('send', () => runtime.send(instanceId, event, options)),
    async applyIn(trx, commands) {
      const started = performance.now();
      const outcomes: CommandOutcome[] = await runtime.applyIn(trx, commands);
      const seconds = (performance.now() - started) / 1000;
      outcomes.forEach((outcome, i) => {
        const command = commands[i];
        if (!command) return;
        if (!outcome.ok) {
          metrics.observeCommand(command.kind, errorOutcome(outcome.error), seconds);
          return;
        }
        metrics.observeCommand(command.kind, resultOutcome(outcome.result), seconds);
        if (command.kind === 'timer' && !outcome.result.skipped) metrics.observeTimerLateness(command.firedAt - command.dueAt);
      });
      return outcomes;
    },
    prepareAuditMonth: (at) => runtime.prepareAuditMonth(at),
    close: () => runtime.close(),
  };
}
