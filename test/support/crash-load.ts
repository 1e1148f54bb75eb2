import { randomUUID } from 'node:crypto';
import { ChildDied, EngineChild } from './child-driver.ts';

/** One client command of the crash load. */
export interface LoadCommand {
  t: 'start' | 'send';
  key: string;
  instanceId: string;
  data?: Record<string, unknown>;
  event?: string;
  actor?: 'window' | 'head';
  payload?: Record<string, unknown>;
}

export const NOTES = 6;

/** Per instance, in order: start, six notes, accept (which arms the three reply timers). */
export function instanceScript(instanceId: string): LoadCommand[] {
  return [
    { t: 'start', key: `${instanceId}:start`, instanceId, data: { applicant: `申请人-${instanceId.slice(0, 4)}` } },
    ...Array.from({ length: NOTES }, (_, n): LoadCommand => ({ t: 'send', key: `${instanceId}:note:${n}`, instanceId, event: 'note', actor: 'window', payload: { n } })),
    { t: 'send', key: `${instanceId}:accept`, instanceId, event: 'accept', actor: 'window' },
  ];
}

export interface CrashLoadResult {
  instanceIds: string[];
  /** First result acknowledged for each command key. */
  acked: Map<string, Record<string, unknown>>;
  kills: number;
}

/**
 * Drives `instances` lanes of commands (each lane in order, lanes in parallel) against an engine
 * child, SIGKILLing it when the acknowledged count reaches each of `killAt` and starting a new
 * one; a client retries every unacknowledged command (same idempotency key) until acknowledged.
 * Ends by letting the last child fire every due timer, then closing it.
 * @throws on any refusal other than a `CONFLICT`.
 */
export async function runCrashLoad(env: NodeJS.ProcessEnv, instances: number, killAt: readonly number[]): Promise<CrashLoadResult> {
  let child = EngineChild.start('commands', env);
  let kills = 0;
  let acks = 0;
  const acked = new Map<string, Record<string, unknown>>();
  const kill = () => {
    kills += 1;
    const old = child;
    child = (async () => {
      await (await old).kill();
      return EngineChild.start('commands', env);
    })();
  };
  const runLane = async (commands: LoadCommand[]) => {
    for (const command of commands) {
      for (;;) {
        const current = await child;
        try {
          const ack = await current.request({ ...command });
          if (ack.ok) {
            acked.set(command.key, ack.result ?? {});
            acks += 1;
            if (killAt.includes(acks)) kill();
            break;
          }
          if (ack.code !== 'CONFLICT') throw new Error(`refused ${command.key}: ${ack.code} ${ack.message}`);
        } catch (error) {
          if (!(error instanceof ChildDied)) throw error;
        }
      }
    }
  };
  const instanceIds = Array.from({ length: instances }, () => randomUUID());
  try {
    await Promise.all(instanceIds.map((id) => runLane(instanceScript(id))));
    const last = await child;
    last.tell('drain');
    await last.next((m) => m.t === 'drained');
    await last.end();
  } catch (error) {
    await (await child).kill();
    throw error;
  }
  return { instanceIds, acked, kills };
}
