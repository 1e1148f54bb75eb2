/**
 * An engine node as a child process, for the crash and several-nodes tests. Speaks JSON lines:
 * stdin  {t:'start', id, key, instanceId, data} | {t:'send', id, key, instanceId, event, actor, payload?}
 *        | {t:'go'} | {t:'drain'}
 * stdout {t:'ready'} | {t:'ack', id, ok, result? | code?, message?} | {t:'drained', fired} | {t:'batch', fired}
 * Mode `commands` (argv[2]) applies commands with group commit and fires due timers meanwhile;
 * mode `timers` waits for `go`, then fires due timers until none is left.
 * Env: DATABASE_URL, GOVFLOW_SCHEMA, GOVFLOW_CLOCK_SHIFT_MS (the runtime's clock = now + shift),
 * CHILD_FIXTURE (definition fixture name), CHILD_BATCH (timers per claim).
 */
import { createInterface } from 'node:readline';
import { compileStoredWith } from '../../adapters/runtime/compile-stored.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { openStore } from '../../adapters/storage/open-store.ts';
import { TimerScheduler } from '../../adapters/timers/timer-scheduler.ts';
import { actors, calendars, loadFixture } from './runtime-fixture.ts';

const mode = process.argv[2] ?? 'commands';
const shift = Number(process.env['GOVFLOW_CLOCK_SHIFT_MS'] ?? 0);
const def = loadFixture(process.env['CHILD_FIXTURE'] ?? 'runtime-permit');
const store = await openStore({ poolSize: 6 });
const runtime = createRuntime({
  db: store.db,
  clock: { now: () => Date.now() + shift },
  compileStored: compileStoredWith(calendars),
  groupCommit: { maxBatch: 128, concurrency: 2 },
});
await runtime.publish(def, actors.head);
const scheduler = new TimerScheduler({ db: store.db, runtime, batchSize: Number(process.env['CHILD_BATCH'] ?? 200), pollMs: 20 });
let fired = 0;
scheduler.on('batch', (b) => {
  fired += b.fired;
  say({ t: 'batch', fired: b.fired });
});

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function apply(message: Record<string, unknown>): Promise<void> {
  const id = message['id'];
  try {
    const result =
      message['t'] === 'start'
        ? await runtime.start(def, message['data'] as Record<string, unknown>, actors.applicant, {
            instanceId: String(message['instanceId']),
            idempotencyKey: String(message['key']),
          })
        : await runtime.send(String(message['instanceId']), String(message['event']), {
            actor: actors[message['actor'] as 'window' | 'head'],
            idempotencyKey: String(message['key']),
            ...(message['payload'] ? { payload: message['payload'] as Record<string, unknown> } : {}),
          });
    say({ t: 'ack', id, ok: true, result });
  } catch (error) {
    const e = error as { code?: string; message?: string };
    say({ t: 'ack', id, ok: false, code: e.code ?? 'ERROR', message: e.message ?? String(error) });
  }
}

async function drain(): Promise<void> {
  // Another node may hold some due timers; drain until a pass claims nothing.
  while ((await scheduler.drain()).claimed > 0);
  say({ t: 'drained', fired });
}

if (mode === 'commands') scheduler.start();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line) as Record<string, unknown>;
  if (message['t'] === 'drain' || message['t'] === 'go') void scheduler.stop().then(drain);
  else void apply(message);
});
lines.on('close', () => {
  void (async () => {
    await scheduler.stop();
    await runtime.close();
    await store.close();
  })();
});
say({ t: 'ready' });
