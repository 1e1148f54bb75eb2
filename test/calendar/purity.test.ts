import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../engine/calendar/', import.meta.url));

// What would make calendar results depend on the host, the clock or chance.
const FORBIDDEN: readonly [string, RegExp][] = [
  ['node: import', /from\s+['"]node:/],
  ['Date.now()', /\bDate\.now\s*\(/],
  ['new Date() without argument', /\bnew\s+Date\s*\(\s*\)/],
  ['Math.random()', /\bMath\.random\b/],
  ['Intl', /\bIntl\b/],
  ['host time zone', /getTimezoneOffset|\.(get|set)(FullYear|Month|Date|Day|Hours|Minutes|Seconds)\s*\(/],
  ['timers', /\bset(Timeout|Interval|Immediate)\b/],
  ['process globals', /\bprocess\./],
];

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('engine/calendar stays pure', () => {
  const files = readdirSync(DIR).filter((name) => name.endsWith('.ts'));

  it('has modules to check', () => {
    expect(files).toContain('add-period.ts');
    expect(files).toContain('index.ts');
  });

  it.each(FORBIDDEN)('no %s', (_name, pattern) => {
    const offenders = files.filter((name) => pattern.test(withoutComments(readFileSync(`${DIR}${name}`, 'utf8'))));
    expect(offenders).toEqual([]);
  });

  it('the pattern check itself catches an offender', () => {
    expect(FORBIDDEN.some(([, pattern]) => pattern.test(withoutComments('const t = Date.now(); // fine')))).toBe(true);
    expect(FORBIDDEN.some(([, pattern]) => pattern.test(withoutComments('// Intl is avoided here')))).toBe(false);
  });
});
