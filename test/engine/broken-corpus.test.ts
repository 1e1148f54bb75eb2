import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDefinitions } from '../../engine/index.ts';
import { brokenFiles, calendars, loadWithTemplate } from '../support/engine-fixtures.ts';

const expected = JSON.parse(readFileSync('test/engine/broken/expected.json', 'utf8')) as Record<string, string[]>;

describe('broken definitions corpus', () => {
  it('has at least 40 cases, each with its expected messages', () => {
    expect(brokenFiles().length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(expected).sort()).toEqual(brokenFiles());
  });

  it.each(brokenFiles())('%s reports exactly its errors with positions', (file) => {
    const result = loadWithTemplate([`test/engine/broken/${file}`]);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual(expected[file]);
    expect(result.definitions.filter((d) => d.file.endsWith(file))).toEqual([]);
  });

  it('loads the clean fixtures without a diagnostic', () => {
    const result = loadWithTemplate(['test/engine/fixtures/mini-licence.yaml', 'test/engine/fixtures/mini-item.yaml']);
    expect(result.diagnostics).toEqual([]);
    expect(result.definitions.map((d) => d.id).sort()).toEqual(['mini-item', 'mini-licence']);
    expect(result.templates).toEqual(['mini-template']);
  });

  it('refuses an oversized document', () => {
    const text = `id: big\nversion: 1\ntitle: { zh: 大 }\ndescription: "${'x'.repeat(1_100_000)}"\n`;
    expect(loadTexts([['big.yaml', text]])).toEqual(['big.yaml:1:1: 文档过大 document too large: 1100052 bytes; at most 1000000']);
  });

  it('refuses a duplicate id and version across files', () => {
    const a = readFileSync('test/engine/fixtures/mini-licence.yaml', 'utf8');
    expect(loadTexts([['a.yaml', a], ['b.yaml', a]])).toEqual([
      "b.yaml:2:5 id: 重复的定义 duplicate id 'mini-licence' version 1; also defined in a.yaml",
    ]);
  });
});

function loadTexts(files: Array<[string, string]>): string[] {
  return loadDefinitions(files.map(([path, text]) => ({ path, text })), { calendars }).diagnostics.map(formatDiagnostic);
}
