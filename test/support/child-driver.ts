import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

const SCRIPT = path.resolve(import.meta.dirname, 'engine-child.ts');

/** A line an engine child printed. */
export type ChildMessage = { t: 'ready' } | { t: 'ack'; id: number; ok: boolean; result?: Record<string, unknown>; code?: string; message?: string } | { t: 'drained'; fired: number } | { t: 'batch'; fired: number };

/** The child died before answering. */
export class ChildDied extends Error {}

/**
 * One engine child process (test/support/engine-child.ts) and its JSON-lines conversation.
 * `request` resolves with the child's ack, or rejects with `ChildDied` if it is killed first.
 */
export class EngineChild {
  readonly process: ChildProcess;
  readonly exited: Promise<unknown>;
  readonly #pending = new Map<number, { resolve: (m: ChildMessage) => void; reject: (e: unknown) => void }>();
  readonly #listeners = new Set<(m: ChildMessage) => void>();
  #next = 0;
  #dead = false;
  stderr = '';

  private constructor(mode: 'commands' | 'timers', env: NodeJS.ProcessEnv) {
    this.process = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = once(this.process, 'exit').then(() => {
      this.#dead = true;
      for (const p of this.#pending.values()) p.reject(new ChildDied('engine child died'));
      this.#pending.clear();
    });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    // A killed child's stdin may still be written to once; that error is expected.
    this.process.stdin?.on('error', () => undefined);
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as ChildMessage;
      if (message.t === 'ack') {
        this.#pending.get(message.id)?.resolve(message);
        this.#pending.delete(message.id);
      }
      for (const l of this.#listeners) l(message);
    });
  }

  /** Spawns a child and waits until it says it is ready. */
  static async start(mode: 'commands' | 'timers', env: NodeJS.ProcessEnv): Promise<EngineChild> {
    const child = new EngineChild(mode, env);
    await Promise.race([
      child.next((m) => m.t === 'ready'),
      child.exited.then(() => {
        throw new Error(`engine child exited before ready:\n${child.stderr}`);
      }),
    ]);
    return child;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Resolves with the first message (from now on) that satisfies `match`. */
  next(match: (m: ChildMessage) => boolean): Promise<ChildMessage> {
    return new Promise((resolve) => {
      const listener = (m: ChildMessage) => {
        if (!match(m)) return;
        this.#listeners.delete(listener);
        resolve(m);
      };
      this.#listeners.add(listener);
    });
  }

  /** Sends a command; resolves with its ack. */
  request(command: Record<string, unknown>): Promise<Extract<ChildMessage, { t: 'ack' }>> {
    if (this.#dead) return Promise.reject(new ChildDied('engine child is dead'));
    const id = this.#next++;
    const answer = new Promise<ChildMessage>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.process.stdin?.write(`${JSON.stringify({ ...command, id })}\n`);
    return answer as Promise<Extract<ChildMessage, { t: 'ack' }>>;
  }

  /** Sends a control line (`go`, `drain`). */
  tell(t: 'go' | 'drain'): void {
    this.process.stdin?.write(`${JSON.stringify({ t })}\n`);
  }

  kill(): Promise<unknown> {
    this.process.kill('SIGKILL');
    return this.exited;
  }

  /** Closes stdin; the child stops its loops, closes its pool and exits. */
  async end(): Promise<void> {
    this.process.stdin?.end();
    await this.exited;
  }
}
