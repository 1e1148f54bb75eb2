/**
 * A deep copy of a plain JSON value (objects, arrays, strings, numbers, booleans, null), as
 * snapshots are. Several times faster than `structuredClone` for the small objects the engine
 * copies on every step. Prototypes, `Date`s, `Map`s and the like are not preserved. Pure.
 */
export function cloneJson<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
  return out;
}
