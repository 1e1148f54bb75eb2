import path from 'node:path';
import { afterAll, expect, it, onTestFailed } from 'vitest';
import { runDemoCommand } from '../../api/cli/commands/demo.ts';
import type { CommandIo } from '../../api/cli/commands/migrate.ts';
import { runStatsRebuild, runStatsShow } from '../../api/cli/commands/stats.ts';
import { dropSchema, freshSchemaName, testDatabaseUrl } from '../support/test-database.ts';

const processes = path.resolve(import.meta.dirname, '../../processes');
const schema = freshSchemaName('stats cli');
let keep = false;

afterAll(async () => {
  if (keep) process.stderr.write(`保留失败测试的模式 keeping schema ${schema} of a failed test for inspection\n`);
  else await dropSchema(testDatabaseUrl(), schema);
});

function capture(): CommandIo & { text(): string } {
  const out: string[] = [];
  return { out: (t) => out.push(t), env: { ...process.env, DATABASE_URL: testDatabaseUrl(), GOVFLOW_SCHEMA: schema }, text: () => out.join('') };
}

// The CLI runs against PostgreSQL here: a fresh PGlite data directory would cost an initdb (~8 s).
it('govflow demo --days 5 prints progress and a zh+en summary; stats rebuild --verify finds identical tables; stats show answers', async () => {
  onTestFailed(() => {
    keep = true;
  });
  const demo = capture();
  expect(await runDemoCommand({ days: 5, perDay: 20, seed: 7, start: '2026-03-02', drainDays: 20, processes: [processes], every: 5 }, demo)).toBe(0);
  const text = demo.text();
  expect(text).toContain('种子 seed 7');
  expect(text).toContain('第 5/25 天 day 5/25 (2026-03-06)');
  expect(text).toMatch(/✓ 演示完成 demo finished in [\d.]+ s — 种子 seed 7; \d+ 件 cases/);
  expect(text).toMatch(/行政许可 licensing \(2026-03-02 … 2026-03-26\):\n收件 received \d+ · 受理 accepted \d+/);
  expect(text).toContain('部门比较 departments side by side');
  expect(text).toMatch(/公文 documents: 收发 received \d+/);

  const rebuild = capture();
  expect(await runStatsRebuild({ processes: [processes], verify: true }, rebuild)).toBe(0);
  expect(rebuild.text()).toMatch(/✓ 统计已重建 statistics rebuilt: [\d,]+ 条事件 events/);
  expect(rebuild.text()).toContain('✓ 与重建前完全一致 identical to the projections before the rebuild');

  const show = capture();
  expect(await runStatsShow('ranking', undefined, { from: '2026-03-02', to: '2026-03-26', json: true, orderBy: 'completionRate' }, show)).toBe(0);
  const ranking = JSON.parse(show.text()) as { orderBy: string; departments: Array<{ department: string; rank: number | null }> };
  expect(ranking.orderBy).toBe('completionRate');
  expect(ranking.departments.length).toBeGreaterThan(5);
  expect(ranking.departments[0]?.rank).toBe(1);

  const bad = capture();
  await expect(runStatsShow('ranking', undefined, { from: '2026-03-26', to: '2026-03-02' }, bad)).rejects.toMatchObject({ code: 'STATS_INVALID_QUERY', field: 'from' });
});
