import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CALENDARS_DIR } from './fixtures/real-calendars.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function govflow(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/govflow.mjs', ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('govflow deadline', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'govflow-cli-calendars-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('--json prints exactly one object with due, provisional, dueDate, calendar, warnings', async () => {
    const run = await govflow(['deadline', '--from', '2026-09-28', '--limit', '20wd', '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const output = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(output)).toEqual(['due', 'provisional', 'dueDate', 'calendar', 'warnings']);
    expect(output).toEqual({
      due: '2026-10-30T23:59:59.999+08:00',
      provisional: false,
      dueDate: '2026-10-30',
      calendar: 'cn-mainland',
      warnings: [],
    });
  });

  it('--json flags a deadline past the data as provisional, with the warning', async () => {
    const run = await govflow(['deadline', '--from', '2026-12-20', '--limit', '20wd', '--json']);
    const output = JSON.parse(run.stdout) as { provisional: boolean; dueDate: string; warnings: string[] };
    expect(output.provisional).toBe(true);
    expect(output.dueDate).toBe('2027-01-15');
    expect(output.warnings).toHaveLength(1);
    expect(output.warnings[0]).toMatch(/^临时结果.*Provisional/);
  });

  it('human output is zh first with English alongside: due, weekday, working days, holidays skipped', async () => {
    const run = await govflow(['deadline', '--from', '2026-09-28', '--limit', '20wd']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('到期 due:              2026-10-30T23:59:59.999+08:00');
    expect(run.stdout).toContain('2026-10-30 星期五 Friday');
    expect(run.stdout).toContain('计入工作日 working days counted: 20');
    expect(run.stdout).toMatch(/2026-10-01 至 to 2026-10-07 {2}国庆节 National Day/);
    expect(run.stdout).toContain('国务院办公厅关于2026年部分节假日安排的通知');
    const provisional = await govflow(['deadline', '--from', '2026-12-20', '--limit', '20wd']);
    expect(provisional.stdout).toMatch(/⚠ 临时结果/);
  });

  it.each([
    [['--from', '2026-09-28', '--limit', '20x'], /--limit: .*'20x'.*unknown unit 'x'.*wd .*d .*h .*min/],
    [['--from', '2026-09-28', '--limit', '20'], /--limit: .*'20'.*not a whole number followed by a unit.*allowed units/],
    [['--from', '2026-09-28', '--limit', 'wd'], /--limit: .*'wd'/],
    [['--limit', '20wd'], /缺少起算时间 missing --from/],
    [['--from', '2026-09-28'], /缺少期限 missing --limit.*wd, d, h or min/],
    [['--from', '2026-02-30', '--limit', '1wd'], /--from: '2026-02-30' is not a real date/],
    [['--from', '2026-09-28T10:00', '--limit', '1wd'], /--from: .*has no offset/],
    [['--from', '2026-09-28', '--limit', '1wd', '--calendar', 'mars'], /unknown calendar 'mars'; known: cn-mainland, example-prefecture/],
    [['--from', '2026-09-28', '--limit', '1wd', '--colour'], /unknown option '--colour'/],
  ])('bad input %j → exit 2 and says what is allowed', async (args, message) => {
    const run = await govflow(['deadline', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('GOVFLOW_CALENDARS_DIR replaces the calendar directory', async () => {
    const dir = join(scratch, 'custom');
    mkdirSync(dir);
    const base = readFileSync(join(CALENDARS_DIR, 'cn-mainland-2026.yaml'), 'utf8');
    const extra = '  - { name: { zh: 测试假日, en: Test holiday }, from: "2026-10-30" }\n';
    const custom = base.replace('workdays:\n', `${extra}workdays:\n`);
    expect(custom).not.toBe(base);
    writeFileSync(join(dir, 'cn-mainland-2026.yaml'), custom);
    const run = await govflow(['deadline', '--from', '2026-09-28', '--limit', '20wd', '--json'], { GOVFLOW_CALENDARS_DIR: dir });
    expect(JSON.parse(run.stdout)).toMatchObject({ dueDate: '2026-11-02', provisional: false });
  });

  it('invalid calendar data → exit 2 naming the file', async () => {
    const dir = join(scratch, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'cn-mainland-2026.yaml'), 'id: cn-mainland\nyear: 2026\n');
    const run = await govflow(['deadline', '--from', '2026-09-28', '--limit', '20wd'], { GOVFLOW_CALENDARS_DIR: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cn-mainland-2026\.yaml.*missing required field 'title'/);
  });
});
