/** A min-heap of items by instant: what the simulation does next. Ties keep insertion order. */
export class TimeQueue<T> {
  readonly #heap: Array<{ at: number; n: number; item: T }> = [];
  #n = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, item: T): void {
    const heap = this.#heap;
    heap.push({ at, n: this.#n++, item });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Instant of the earliest item, if any. */
  peekTime(): number | undefined {
    return this.#heap[0]?.at;
  }

  /** Removes and returns, earliest first, every item due before `until`. */
  popUntil(until: number): T[] {
    const out: T[] = [];
    while (this.#heap.length > 0 && (this.#heap[0] as { at: number }).at < until) out.push(this.#pop());
    return out;
  }

  #pop(): T {
    const heap = this.#heap;
    const top = heap[0] as { item: T };
    const last = heap.pop() as (typeof heap)[number];
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(l, m)) m = l;
        if (r < heap.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top.item;
  }

  #less(i: number, j: number): boolean {
    const a = this.#heap[i] as { at: number; n: number };
    const b = this.#heap[j] as { at: number; n: number };
    return a.at < b.at || (a.at === b.at && a.n < b.n);
  }

  #swap(i: number, j: number): void {
    const heap = this.#heap;
    [heap[i], heap[j]] = [heap[j] as (typeof heap)[number], heap[i] as (typeof heap)[number]];
  }
}
