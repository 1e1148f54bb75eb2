import { expect, it } from 'vitest';
import { inTurn } from '../../bench/in-turn.ts';

it('runs each item its own number of runs, round by round, each round starting one further along', async () => {
  const runs: Record<string, number> = { a: 2, b: 3, c: 1 };
  const seen: string[] = [];
  await inTurn(['a', 'b', 'c'], (item) => runs[item]!, async (item, run) => {
    seen.push(`${item}${run}`);
  });
  expect(seen).toEqual(['a0', 'b0', 'c0', 'b1', 'a1', 'b2']);
});

it('runs nothing for no items', async () => {
  let called = false;
  await inTurn([], () => 3, async () => {
    called = true;
  });
  expect(called).toBe(false);
});
