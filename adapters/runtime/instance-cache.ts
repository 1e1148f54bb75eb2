import type { LoadedInstance } from './loaded-instance.ts';

/**
 * The instance rows this process itself last committed, most recently used last, at most
 * `capacity` of them (so memory stays flat however many instances are stored). A command on a
 * cached instance needs no read before its write: the write's version check still decides, and
 * an entry that another node made stale is dropped and the command runs again on a fresh read.
 */
export class InstanceCache {
  readonly #rows = new Map<string, LoadedInstance>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(id: string): LoadedInstance | undefined {
    const row = this.#rows.get(id);
    if (row) {
      this.#rows.delete(id);
      this.#rows.set(id, row);
    }
    return row;
  }

  /** Records the row as committed; the least recently used row goes when full. */
  set(row: LoadedInstance): void {
    if (this.#capacity <= 0) return;
    this.#rows.delete(row.id);
    this.#rows.set(row.id, row);
    if (this.#rows.size > this.#capacity) {
      const oldest = this.#rows.keys().next();
      if (!oldest.done) this.#rows.delete(oldest.value);
    }
  }

  delete(id: string): void {
    this.#rows.delete(id);
  }

  get size(): number {
    return this.#rows.size;
  }
}

/**
 * Receipt numbers drawn from `receipt_no_seq` ahead of need, a block at a time, so most starts
 * need no read. Numbers never repeat; a number drawn and not used (the process stopped) leaves
 * a gap, as a rolled-back start does.
 */
export class ReceiptPool {
  readonly #numbers: number[] = [];
  readonly block: number;

  constructor(block: number) {
    this.block = block;
  }

  get size(): number {
    return this.#numbers.length;
  }

  add(numbers: readonly number[]): void {
    this.#numbers.push(...numbers);
  }

  /** Takes up to `n` numbers (fewer when fewer are left). */
  take(n: number): number[] {
    return this.#numbers.splice(0, n);
  }
}
