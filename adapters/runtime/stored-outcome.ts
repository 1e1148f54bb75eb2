import { AdapterError } from '../errors.ts';
import type { Command, CommandOutcome } from './commands.ts';
import type { StoredResult } from './load-round.ts';

/**
 * The outcome of a command whose idempotency key was already used: the first result again,
 * or `IDEMPOTENCY_KEY_REUSED` when the key was used for another kind of command or another instance.
 */
export function storedOutcome(command: Command, first: StoredResult): CommandOutcome {
  const sameInstance = command.kind === 'start' || first.instanceId === command.instanceId;
  if (first.command !== command.kind || !sameInstance) {
    const key = command.kind !== 'timer' ? command.idempotencyKey : undefined;
    return {
      ok: false,
      error: new AdapterError(
        'IDEMPOTENCY_KEY_REUSED',
        `幂等键 ${key} 已用于其他命令（${first.command} ${first.instanceId}） idempotency key ${key} was used for another command (${first.command} on ${first.instanceId})`,
        { key, firstCommand: first.command, firstInstanceId: first.instanceId },
      ),
    };
  }
  return { ok: true, result: { ...first.result, duplicate: true } };
}
