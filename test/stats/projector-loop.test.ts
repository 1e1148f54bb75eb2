import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { BatchReport } from '../../adapters/stats/project-batch.ts';
import { StatsProjector } from '../../adapters/stats/stats-projector.ts';
import type { Database } from '../../adapters/storage/database.ts';
import { processLibrary } from './support/stats-workload.ts';
import { resolverFromFiles } from '../../adapters/stats/definition-resolver.ts';

const { calendar, definitions } = processLibrary();
const HOUR = 3_600_000;

const report = (over: Partial<BatchReport>): BatchReport => ({ busy: false, rows: 0, applied: 0, instances: 0, failures: [], heldBack: false, counted: new Map(), ...over });

/**
 * The loop's decisions with scripted batches (no database): each `runOnce` answers the next
 * report of the script and runs `during` before answering. The poll interval is an hour, so a
 * batch that follows sooner was asked for by the loop itself.
 */
class Scripted extends StatsProjector {
  calls = 0;
  constructor(
    private readonly script: Array<{ report: BatchReport; during?: (p: Scripted) => void }>,
    private readonly done: () => void,
  ) {
    super({ db: {} as Kysely<Database>, calendar, definitions: resolverFromFiles(definitions), pollMs: HOUR, activePollMs: 1 });
  }
  override async runOnce(): Promise<BatchReport> {
    const step = this.script[this.calls++];
    if (!step) {
      this.done();
      return report({});
    }
    step.during?.(this);
    return step.report;
  }
}

function run(script: ConstructorParameters<typeof Scripted>[0]): Promise<Scripted> {
  return new Promise((resolve) => {
    const p: Scripted = new Scripted(script, () => resolve(p));
    void p.start();
  });
}

it('a wake that comes while a batch runs is not lost: the next batch follows at once, not at the next poll', async () => {
  const p = await run([{ report: report({ rows: 3 }), during: (x) => x.wake() }]);
  expect(p.calls).toBe(2);
  await p.stop();
});

it('while the log moves (rows held back by an older transaction, or a batch that found rows) the next batch comes after activePollMs; a full batch is followed at once', async () => {
  const p = await run([{ report: report({ rows: 0, heldBack: true }) }, { report: report({ rows: 2000 }) }, { report: report({ rows: 5 }) }]);
  expect(p.calls).toBe(4);
  await p.stop();
});
