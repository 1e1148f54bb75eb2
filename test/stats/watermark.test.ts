import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { TestClock } from '../../adapters/runtime/clock.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { resolverFromFiles } from '../../adapters/stats/definition-resolver.ts';
import { StatsProjector } from '../../adapters/stats/stats-projector.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { processLibrary } from './support/stats-workload.ts';

const { calendar, definitions } = processLibrary();
const def = definitions.find((d) => d.id === 'food-business-licence');
if (!def) throw new Error('food-business-licence missing from processes/catalog');
const applicant = { id: 'applicant-w', role: 'applicant', region: '520100' };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describeEachBackend('statistics watermark', (store, kind) => {
  // PGlite serves one connection: two transactions can never overlap there, so there is no late commit to miss.
  it.runIf(kind === 'postgres')('an audit row whose transaction commits after a later one is counted, not skipped', async () => {
    const { db } = store();
    const clock = new TestClock('2026-03-02T02:00:00Z');
    const runtime = createRuntime({ db, clock });
    await runtime.publish(def, applicant);
    const projector = new StatsProjector({ db, calendar, definitions: resolverFromFiles(definitions) });
    // A first start creates this month's audit partition (under an advisory lock held to commit),
    // so the transaction kept open below takes no lock the later one needs.
    const warmUp = await runtime.start(def, { applicant: { name: '丙' } }, applicant, { region: '520100' });
    await projector.catchUp();
    const early = randomUUID();
    const late = randomUUID();
    const written = deferred();
    const release = deferred();
    // The early transaction writes first (its id is the lower one) and stays open.
    const slow = db.transaction().execute(async (trx) => {
      const [outcome] = await runtime.applyIn(trx, [
        { kind: 'start', instanceId: early, definition: def, data: { applicant: { name: '甲' } }, actor: applicant, department: def.department, region: '520100' },
      ]);
      expect(outcome?.ok).toBe(true);
      written.resolve();
      await release.promise;
    });
    await written.promise;
    await runtime.start(def, { applicant: { name: '乙' } }, applicant, { instanceId: late, region: '520100' });

    const held = await projector.runOnce();
    expect(held).toMatchObject({ busy: false, rows: 0, heldBack: true });
    expect(held.counted.size).toBe(0);
    const before = await sql<{ id: string }>`select cast(instance_id as text) as id from stats_instances`.execute(db);
    expect(before.rows).toEqual([{ id: warmUp.instanceId }]);

    release.resolve();
    await slow;
    const next = await projector.runOnce();
    expect(next).toMatchObject({ rows: 2, heldBack: false });
    expect(next.counted).toEqual(new Map([[early, 1], [late, 1]]));
    await projector.catchUp();
    const after = await sql<{ id: string }>`select cast(instance_id as text) as id from stats_instances order by 1`.execute(db);
    expect(after.rows.map((r) => r.id)).toEqual([early, late, warmUp.instanceId].sort());
    const { rows } = await sql<{ received: number }>`select cast(sum(received) as int) as received from stats_daily`.execute(db);
    expect(rows).toEqual([{ received: 3 }]);
    await runtime.close();
  });
});
