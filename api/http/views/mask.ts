import { maskPersonalData } from '../../../adapters/outbox/mask-personal-data.ts';

/**
 * A copy of `value` with ID-card and mobile numbers masked in every string (keys included),
 * numbers and structure untouched. Pure; the input is not modified.
 */
export function maskStrings(value: unknown): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (Array.isArray(value)) return value.map(maskStrings);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty keeps a key named __proto__ an ordinary own property.
      Object.defineProperty(out, maskPersonalData(k), { value: maskStrings(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** `value` whole when the caller may see personal data, masked otherwise. */
export function personalData<T>(value: T, whole: boolean): T {
  return whole ? value : (maskStrings(value) as T);
}
