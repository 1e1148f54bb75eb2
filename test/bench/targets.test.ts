import { describe, expect, it } from 'vitest';
import type { PeerFigures } from '../../bench/peers/suite.ts';
import { judgeTargets, targetsSection, type TargetInputs } from '../../bench/targets.ts';

const peer = (name: string, rows: Record<string, number[]>): PeerFigures => ({
  name,
  version: '1',
  config: '',
  rows: Object.entries(rows).map(([n, values]) => ({ name: n, values })),
  notes: [],
  seconds: 0,
});

/** Figures shaped like a full run's (medians of three), some targets met and some not. */
function inputs(): TargetInputs {
  return {
    runtime: {
      commands: [
        { clients: 8, raw: { perSecond: 3895, p99Ms: 4.6 }, single: { perSecond: 3105, p99Ms: 6.6 }, group: { perSecond: 4847, p99Ms: 3.8 } },
        { clients: 32, raw: { perSecond: 3625, p99Ms: 20 }, single: { perSecond: 2400, p99Ms: 18.2 }, group: { perSecond: 11175, p99Ms: 5.9 } },
      ],
      group: { clients: 256, perSecond: 15162, p99Ms: 28.1 },
    },
    memory: [
      { name: '10,000 stored: heap used after GC (MiB)', values: [22.4, 22.4, 22.41] },
      { name: '1,000,000 stored: heap used after GC (MiB)', values: [21.76, 21.76, 22.64] },
    ],
    ours: peer('govflow', {
      '4-step c=1 (50 inst.): p50 latency ms': [5.2, 4.1, 5.4],
      '4-step c=32 (800 inst.): instances/s': [601, 534, 609],
      'storm 10,000: all fired ms': [976, 929, 1174],
      'storm 100,000: all fired ms': [7985, 7798, 9111],
      'storm 100,000: first fired ms': [50, 41, 54],
      'storm 10,000: CPU probe ms (just before)': [61.2, 58.4, 90.1],
    }),
    oursGroup: peer('govflow (group commit)', { '4-step c=32 (800 inst.): instances/s': [1953, 1936, 2002] }),
    peers: [
      peer('pg-boss', { '4-step c=32 (800 inst.): instances/s': [304, 299, 314], 'storm 10,000: all fired ms': [753, 679, 770], 'storm 10,000: CPU probe ms (just before)': [70, 66, 88], 'storm 100,000: all fired ms': [12587, 11973, 14473] }),
      peer('graphile-worker', { 'storm 10,000: all fired ms': [1791, 1499, 2109], 'storm 100,000: all fired ms': [16888, 16083, 19630] }),
      peer('@dbos-inc/dbos-sdk', { '4-step c=32 (800 inst.): instances/s': [177, 154, 195] }),
    ],
  };
}

describe('benchmark targets', () => {
  it('judges each target on the medians of this run', () => {
    const verdicts = new Map(judgeTargets(inputs()).map((v) => [v.target, v]));
    expect(verdicts.get('1 tx per command ÷ raw-SQL ceiling, 8 clients: ≥ 0.70')).toMatchObject({ measured: '0.80 (3,105 ÷ 3,895)', met: true });
    expect(verdicts.get('1 tx per command ÷ raw-SQL ceiling, 32 clients: ≥ 0.70')).toMatchObject({ met: false });
    expect(verdicts.get('group commit, 256 callers: ≥ 10,000 commands/s, p99 ≤ 50 ms')).toMatchObject({ measured: '15,162/s, p99 28.1 ms', met: true });
    expect(verdicts.get('4-step approvals/s at 32 callers (group commit): ≥ 5× @dbos-inc/dbos-sdk')).toMatchObject({
      measured: '11.03× (one tx per command: 3.40×)',
      met: true,
    });
    expect(verdicts.get('storm 100,000: all fired and applied ≤ 5.00 s')).toMatchObject({ measured: '7.99 s (runs 7.80 s–9.11 s)', met: false });
    expect(verdicts.get('storm 10,000: all fired and applied ≤ 1.00 s')).toMatchObject({ measured: '0.98 s (runs 0.93 s–1.17 s; CPU probe 61 ms)', met: true });
    expect(verdicts.get('storm 10,000: ahead of pg-boss (all fired)')).toMatchObject({ measured: '0.77× (CPU probe 61 vs 70 ms)', met: false });
    expect(verdicts.get('storm 10,000: ahead of graphile-worker (all fired)')).toMatchObject({ measured: '1.84×', met: true });
    expect(verdicts.get('storm 100,000: ahead of graphile-worker (all fired)')).toMatchObject({ measured: '2.11×', met: true });
    expect(verdicts.get('storm 100,000: first fired ≤ 0.5 s')).toMatchObject({ measured: '50 ms', met: true });
    expect(verdicts.get('4-step approvals/s at 32 callers (group commit): ≥ 3× pg-boss')).toMatchObject({ measured: '6.42× (one tx per command: 1.98×)', met: true });
    expect([...verdicts.keys()].find((k) => k.startsWith('engine process memory'))).toBeDefined();
  });

  it('says a target was not measured when its peer or figure is missing', () => {
    const f = inputs();
    f.peers = f.peers.filter((p) => p.name !== '@dbos-inc/dbos-sdk');
    const dbos = judgeTargets(f).filter((v) => v.target.includes('@dbos-inc/dbos-sdk'));
    expect(dbos.map((v) => [v.measured, v.met])).toEqual([['—', undefined]]);
    expect(targetsSection(f)).toContain('— not measured 未测');
  });
});
