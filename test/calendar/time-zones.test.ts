import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { computeTzCases } from './fixtures/tz-cases.ts';
import { realCalendar } from './fixtures/real-calendars.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ZONES = [
  { tz: 'UTC', offset: 0 },
  { tz: 'Asia/Shanghai', offset: -480 },
  { tz: 'America/New_York', offset: 300 },
] as const;

async function inZone(tz: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, args, { cwd: ROOT, env: { ...process.env, TZ: tz } });
}

describe('results do not depend on the host time zone', () => {
  const expected = computeTzCases(realCalendar('cn-mainland'), realCalendar('example-prefecture'));

  it('has a meaningful case list (hundreds of cases, some provisional, across the 2026/2027 edge)', () => {
    expect(expected.length).toBeGreaterThan(600);
    expect(expected.some((line) => line.includes(' true '))).toBe(true);
    expect(expected[0]).toBe(
      '2025-12-01T00:00:00.000+08:00 2025-12-01 2025-12-10T23:59:59.999+08:00 false 2025-12-08T23:59:59.999+08:00 ' +
        '2025-12-02T06:00:00.000+08:00 2025-12-04T17:30:00.000+08:00 7 5 2025-11-27',
    );
  });

  it.each(ZONES)('arithmetic in a child process with TZ=$tz matches the in-process answers', async ({ tz, offset }) => {
    const { stdout } = await inZone(tz, ['--import', 'tsx', 'test/calendar/fixtures/tz-probe.ts']);
    const probe = JSON.parse(stdout) as { hostOffsetMinutes: number; cases: string[] };
    expect(probe.hostOffsetMinutes).toBe(offset);
    expect(probe.cases).toEqual(expected);
  });

  const CLI_CASES = [
    ['--from', '2026-09-28', '--limit', '20wd'],
    ['--from', '2026-09-30T23:30:00+08:00', '--limit', '5d'],
    ['--from', '2026-09-30T16:30:00Z', '--limit', '1wd'],
    ['--from', '2026-12-20', '--limit', '20wd'],
    ['--from', '2026-02-13T09:00:00-05:00', '--limit', '5wd'],
    ['--from', '2026-07-17', '--limit', '3wd', '--calendar', 'example-prefecture', '--office-close'],
  ];

  // 18 CLI processes: one zone at a time, so a loaded machine does not start them all at once.
  it('the CLI prints the same JSON under every TZ', { timeout: 240_000 }, async () => {
    const outputs: string[][] = [];
    for (const { tz } of ZONES) {
      outputs.push(await Promise.all(CLI_CASES.map(async (args) => (await inZone(tz, ['bin/govflow.mjs', 'deadline', ...args, '--json'])).stdout)));
    }
    const [utc, shanghai, newYork] = outputs;
    expect(shanghai).toEqual(utc);
    expect(newYork).toEqual(utc);
    expect(utc?.map((line) => (JSON.parse(line) as { due: string }).due)).toEqual([
      '2026-10-30T23:59:59.999+08:00',
      '2026-10-08T23:59:59.999+08:00',
      '2026-10-08T23:59:59.999+08:00',
      '2027-01-15T23:59:59.999+08:00',
      '2026-02-27T23:59:59.999+08:00',
      '2026-07-24T17:30:00.000+08:00',
    ]);
  });
});
