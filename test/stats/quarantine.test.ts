import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { TestClock } from '../../adapters/runtime/clock.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { resolverFromFiles, type DefinitionResolver } from '../../adapters/stats/definition-resolver.ts';
import { StatsProjector } from '../../adapters/stats/stats-projector.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { processLibrary } from './support/stats-workload.ts';

const { calendar, definitions } = processLibrary();
const food = definitions.find((d) => d.id === 'food-business-licence')!;
const hygiene = definitions.find((d) => d.id === 'public-place-hygiene-licence')!;
// A joint approval: same data, but its window belongs to another department, so the replayed acceptance is refused.
const joint = definitions.find((d) => d.id === 'construction-project-planning-permit')!;
const applicant = { id: 'applicant-q', role: 'applicant', region: '520300' };
const window = { id: 'window-q', role: 'window', department: food.department };

describeEachBackend('statistics: an instance whose log no longer replays', (store) => {
  it('is marked with the error and left out from then on; the batch, the checkpoint and the other instances go on', async () => {
    const { db } = store();
    const runtime = createRuntime({ db, clock: new TestClock('2026-03-02T02:00:00Z') });
    const broken = await runtime.start(food, { applicant: { name: '甲' } }, applicant);
    await runtime.send(broken.instanceId, 'accept', { actor: window, payload: { receiptNo: 'Q1' } });
    const fine = await runtime.start(hygiene, { applicant: { name: '乙' } }, applicant);
    // Replaying food-business-licence with another definition fails at its second event.
    const files = resolverFromFiles(definitions);
    const wrong: DefinitionResolver = { resolve: (e, id, version) => (id === food.id ? Promise.resolve(joint) : files.resolve(e, id, version)) };
    const projector = new StatsProjector({ db, calendar, definitions: wrong });
    const report = await projector.catchUp();
    expect(report.failures.map((f) => ({ instanceId: f.instanceId, seq: f.seq }))).toEqual([{ instanceId: broken.instanceId, seq: 2 }]);
    const { rows } = await sql<{ id: string; seq: number; error: string | null; accepted: boolean }>`
      select cast(instance_id as text) as id, seq, error, accepted_at is not null as accepted from stats_instances order by error is null, instance_id`.execute(db);
    expect(rows).toEqual([
      { id: broken.instanceId, seq: 1, error: expect.stringContaining('seq 2'), accepted: false },
      { id: fine.instanceId, seq: 1, error: null, accepted: false },
    ]);
    const replay = await sql<{ id: string }>`select cast(instance_id as text) as id from stats_replay_state`.execute(db);
    expect(replay.rows).toEqual([{ id: fine.instanceId }]);
    const checkpoint = await sql<{ events: number }>`select cast(events as int) as events from stats_checkpoint`.execute(db);
    expect(checkpoint.rows).toEqual([{ events: 2 }]);
    // A later event of the failed instance is skipped, not retried into an error loop.
    await runtime.send(broken.instanceId, 'start-inspection', { actor: { id: 'officer-q', role: 'officer', department: food.department } });
    const again = await projector.catchUp();
    expect(again).toMatchObject({ rows: 1, applied: 0, failures: [] });
    const seq = await sql<{ seq: number }>`select seq from stats_instances where instance_id = ${broken.instanceId}`.execute(db);
    expect(seq.rows).toEqual([{ seq: 1 }]);
    await runtime.close();
  });
});
