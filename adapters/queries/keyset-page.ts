/** Where a page ends: the sort instant and id of its last row. The next page starts after it. */
export interface KeysetCursor {
  at: string;
  id: string;
}

/** One page of rows, and the cursor of the next page when there is one. */
export interface Page<T> {
  items: T[];
  next: KeysetCursor | null;
}

/** Splits `limit + 1` fetched rows into a page and its next cursor. Pure. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, key: (row: R) => KeysetCursor): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept.at(-1);
  return { items: kept.map(map), next: more && last !== undefined ? key(last) : null };
}
