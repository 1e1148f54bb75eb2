/**
 * Runs `runsOf(item)` runs of each item in turn, run by run: round r goes through the items
 * starting r further along, so that on a shared machine whose load drifts over minutes each item
 * meets, on average, the same machine (one after another, a later item would carry the drift
 * into its ratio to an earlier one). `once` gets the item and its run number, from 0.
 */
export async function inTurn<T>(items: readonly T[], runsOf: (item: T) => number, once: (item: T, run: number) => Promise<void>): Promise<void> {
  const rounds = Math.max(0, ...items.map(runsOf));
  for (let run = 0; run < rounds; run++) {
    for (let k = 0; k < items.length; k++) {
      const item = items[(k + run) % items.length] as T;
      if (run < runsOf(item)) await once(item, run);
    }
  }
}
