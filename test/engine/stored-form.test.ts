import { describe, expect, it } from 'vitest';
import { compileStoredWith } from '../../adapters/runtime/compile-stored.ts';
import { loadSet } from '../../api/cli/commands/load-set.ts';
import { calendars } from '../support/engine-fixtures.ts';

describe('published definitions compile again from their stored, expanded form', () => {
  const set = loadSet(['processes']);
  const compile = compileStoredWith(calendars);
  it.each(set.definitions.map((d) => [d.id, d] as const))('%s', (_id, definition) => {
    const again = compile({ id: definition.id, version: definition.version, source: definition.source, resolved: definition.resolved } as never);
    expect(again.params).toEqual(definition.params);
    expect(again.clocks).toEqual(definition.clocks);
    expect(again.transitions.map((t) => [t.from, t.event, t.target])).toEqual(definition.transitions.map((t) => [t.from, t.event, t.target]));
  });
});
