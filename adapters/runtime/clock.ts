/** The runtime's source of time, in epoch milliseconds. Injected so tests control it. */
export interface Clock {
  now(): number;
}

/** Wall-clock time of this host. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock for tests and simulations that moves only when told, and only forward
 * (a statutory deadline never runs backwards).
 */
export class TestClock implements Clock {
  #now: number;

  constructor(start: number | string) {
    this.#now = typeof start === 'number' ? start : Date.parse(start);
    if (!Number.isFinite(this.#now)) throw new RangeError(`无效的起始时间 invalid start instant: ${String(start)}`);
  }

  now(): number {
    return this.#now;
  }

  /** Moves forward by `ms` (≥ 0). @throws RangeError on a negative step. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`测试时钟只能前进 a test clock only moves forward (got ${ms} ms)`);
    this.#now += ms;
    return this.#now;
  }

  /** Moves to `at` (epoch ms or ISO text), which must not be earlier than now. */
  set(at: number | string): number {
    const target = typeof at === 'number' ? at : Date.parse(at);
    return this.advance(target - this.#now);
  }
}
