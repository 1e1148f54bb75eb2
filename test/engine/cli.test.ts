import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function govflow(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/govflow.mjs', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('designer CLI', () => {
  it('validate lists every error with its position and exits 1', () => {
    const out = govflow('validate', 'test/engine/broken/unknown-target.yaml', 'test/engine/broken/bad-id.yaml');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("test/engine/broken/unknown-target.yaml:48:30 states.review.states.examining.on.approve.target: 未知目标状态 unknown target 'aproved'");
    expect(out.stderr).toContain('test/engine/broken/bad-id.yaml:2:5 id: 名称格式错误');
  });

  it('validate exits 0 on clean definitions, with --json for machines', () => {
    const out = govflow('validate', '--json', 'test/engine/fixtures');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, diagnostics: [] });
  });

  it('inspect prints the definition after template expansion', () => {
    const json = JSON.parse(execFileSync(process.execPath, ['bin/govflow.mjs', 'inspect', '--json', 'test/engine/fixtures/mini-item.yaml'], { encoding: 'utf8' }));
    expect(json.states.extra).toMatchObject({ initial: 'panel', 'on-done': { target: 'approved' } });
    expect(json.states.review.limit).toBe('10wd');
    expect(json.params).toEqual({ promisedLimit: '10wd', statutoryLimit: '20wd', inspections: ['inspection'] });
  });

  it('diagram prints Mermaid stateDiagram-v2 with nested states', () => {
    const out = govflow('diagram', 'test/engine/fixtures/mini-licence.yaml');
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')[0]).toBe('stateDiagram-v2');
    expect(out.stdout).toContain('state review {');
    expect(out.stdout).toContain('examining --> inspection : 开始现场核查');
  });

  it('test runs scenarios and fails with file and line when an expectation fails', () => {
    expect(govflow('test', 'test/engine/fixtures').code).toBe(0);
    const missing = govflow('test', 'test/engine/broken/bad-id.yaml');
    expect(missing.code).toBe(1);
  });
});
