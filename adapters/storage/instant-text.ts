/** The last instant written as text: rows written together mostly share their instant. */
let lastInstant = Number.NaN;
let lastText = '';

/**
 * `new Date(ms).toISOString()`, remembering the last answer.
 *
 * @throws RangeError when `ms` is not a valid time.
 */
export function instantText(ms: number): string {
  if (ms !== lastInstant) {
    lastText = new Date(ms).toISOString();
    lastInstant = ms;
  }
  return lastText;
}
