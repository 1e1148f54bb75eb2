/**
 * `npm run bench [-- --quick]`: one process tree, one report (bench/results.md, or
 * bench/results.quick.md with --quick): the pure engine, the raw-SQL ceiling beside govflow's
 * durable commands, the HTTP API under concurrent requests, the engine process's memory with 10 k and 1 M instances stored, statistics
 * latency with 1 M instances, and govflow beside pg-boss, graphile-worker and DBOS Transact on the same
 * 4-step workload and timer storms, each govflow figure also as a ratio to each peer.
 * Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { govflowPeer } from './govflow-peer.ts';
import { describeMachine, openPeerDatabase } from './peers/database.ts';
import { dbosPeer } from './peers/dbos.ts';
import { graphileWorkerPeer } from './peers/graphile-worker.ts';
import { pgBossPeer } from './peers/pg-boss.ts';
import { FULL_PLAN, QUICK_PLAN } from './peers/plans.ts';
import { measurePeer, measurePeersInTurn, type PeerFigures } from './peers/suite.ts';
import { formatReport, median } from './report.ts';
import { targetsSection, type RuntimeFigures } from './targets.ts';
import type { Row } from './peers/suite.ts';

const quick = process.argv.includes('--quick');
/** Runs per figure: ≥ 3 for the full run; the quick smoke run measures every part once. */
const runs = quick ? '1' : '3';
const started = Date.now();
const sections: string[] = [];
const scratch = mkdtempSync(join(os.tmpdir(), 'govflow-bench-'));
const runtimeFigures = join(scratch, 'runtime.json');
const memoryFigures = join(scratch, 'memory.json');

function child(script: string, args: string[], nodeFlags: string[] = []): string {
  console.error(`\n== ${script} ${args.join(' ')}`);
  const t0 = Date.now();
  const out = execFileSync(process.execPath, [...nodeFlags, '--import', 'tsx', join(import.meta.dirname, script), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(out);
  console.error(`== ${script}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

/** govflow's figure against a peer's: how many times better (rates: ours/theirs; times: theirs/ours). */
function ratios(ours: PeerFigures, peers: PeerFigures[]): string {
  const lines = ['## govflow ÷ peers (× better; > 1 means govflow is ahead)', '', `| measure | ${peers.map((p) => p.name).join(' | ')} |`, `|---|${peers.map(() => '---:').join('|')}|`];
  for (const row of ours.rows) {
    if (row.name.includes('scheduling') || row.name.includes('CPU probe')) continue;
    const cells = peers.map((p) => {
      const theirs = p.rows.find((r) => r.name === row.name);
      if (!theirs || theirs.values.length === 0 || row.values.length === 0) return '—';
      const a = median(row.values);
      const b = median(theirs.values);
      return `${(row.name.endsWith('/s') ? a / b : b / a).toFixed(2)}×`;
    });
    lines.push(`| ${ours.name}: ${row.name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

sections.push(child('engine.ts', ['--items', '1000', '--runs', runs, '--steps', quick ? '4000' : '20000']));
const runtimeOut = join(import.meta.dirname, quick ? 'runtime-results.quick.md' : 'runtime-results.md');
// The 100,000-timer storm is measured once, in the peer section beside pg-boss and graphile-worker.
child('runtime.ts', ['--runs', runs, '--seconds', quick ? '0.3' : '3', '--storms', quick ? '2000' : '10000', '--out', runtimeOut, '--figures', runtimeFigures]);
sections.push(readFileSync(runtimeOut, 'utf8'));
sections.push(child('api.ts', ['--callers', quick ? '16' : '64', '--runs', runs, '--seconds', quick ? '0.5' : '4']));
sections.push(
  child('memory.ts', ['--stored', quick ? '2000,20000' : '10000,1000000', '--runs', runs, '--commands', quick ? '1000' : '6000', '--figures', memoryFigures], ['--expose-gc']),
);
sections.push(child('stats.ts', quick ? ['--instances', '20000', '--runs', runs, '--load-seconds', '1'] : ['--instances', '1000000', '--runs', runs]));

const plan = quick ? QUICK_PLAN : FULL_PLAN;
const peersStarted = Date.now();
const db = await openPeerDatabase();
const figures: PeerFigures[] = [];
let machine: Array<[string, string]> = [];
try {
  machine = await describeMachine(db.connectionString);
  // The peers get 8 minutes, or what is left of 14.5 when the sections above ran long, so the whole run stays
  // inside 15 minutes on a slow day (the budget guard then skips the storms that no longer fit, and says so).
  const budgetMs = quick ? 45_000 : Math.min(480_000, 870_000 - (peersStarted - started));
  const govflow = govflowPeer({ groupCommit: false });
  const grouped = govflowPeer({ groupCommit: true });
  // Timers are fired by the timer scheduler whether commands use group commit or not: the storms are measured once, with govflow.
  const f0 = await measurePeer(grouped, db.connectionString, { ...plan, storms: [] }, peersStarted + budgetMs);
  f0.notes.push('storms: the same timer scheduler as govflow (group commit applies to commands, not to timers)');
  // DBOS's 4-step measures come first, so that a long storm section cannot crowd out a target's figures; its storms,
  // tens of seconds a run, get what is left at the end.
  const dbosSteps = await measurePeer(dbosPeer(), db.connectionString, { ...plan, storms: [] }, peersStarted + budgetMs);
  // govflow and the two queues run their storms in turn, run by run, so that the machine's drift does not
  // fall on one of them; DBOS's storms, whose runs take tens of seconds each, run alone afterwards with
  // what is left. govflow is what is measured: it always runs its whole plan.
  const dbosReserveMs = quick ? 10_000 : 20_000;
  const inTurnDeadline = Date.now() + Math.max(budgetMs - (Date.now() - peersStarted) - dbosReserveMs, 5_000);
  console.error(`\n== govflow, pg-boss, graphile-worker in turn: ${Math.round((inTurnDeadline - Date.now()) / 1000)} s for the queues`);
  const [fg, ...fq] = await measurePeersInTurn(
    [{ peer: govflow, deadlineAt: Infinity }, { peer: pgBossPeer(), deadlineAt: inTurnDeadline }, { peer: graphileWorkerPeer(), deadlineAt: inTurnDeadline }],
    db.connectionString,
    plan,
  );
  const dbosShare = Math.max(budgetMs - (Date.now() - peersStarted), 5_000);
  console.error(`\n== @dbos-inc/dbos-sdk: ${Math.round(dbosShare / 1000)} s`);
  const dbosStorms = await measurePeer(dbosPeer(), db.connectionString, { ...plan, fourStep: [], warmup: 0 }, Date.now() + dbosShare);
  const fd = { ...dbosSteps, rows: [...dbosSteps.rows, ...dbosStorms.rows], notes: [...dbosSteps.notes, ...dbosStorms.notes], seconds: dbosSteps.seconds + dbosStorms.seconds };
  for (const f of [fg!, f0, ...fq, fd]) {
    if (f !== f0 && f !== fd) f.notes.push('storms: run in turn with govflow, pg-boss and graphile-worker, run by run');
    if (f !== f0) {
      f.notes.push(
        'storms: every run starts, untimed, with a CHECKPOINT (no run pays for one the runs before it set off) and the CPU probe ' +
          '(a fixed piece of work, 53–90 ms over one idle minute here: how fast the machine was just then; see bench/storm-prelude.ts)',
      );
    }
    figures.push(f);
    sections.push(formatReport(`${f.name} ${f.version} — ${f.config}`, f.rows) + (f.notes.length ? `\n\n${f.notes.map((n) => `- ${n}`).join('\n')}` : ''));
  }
} finally {
  await db.drop();
}
const [ours, oursGroup, ...peerFigures] = figures;
if (ours && oursGroup) sections.push(ratios(ours, peerFigures), ratios(oursGroup, peerFigures));
if (quick) {
  sections.unshift('Targets are judged on the full run only (`npm run bench`): the quick run\'s sizes are too small. 目标只在完整运行中评判。');
} else if (ours && oursGroup) {
  const runtime = JSON.parse(readFileSync(runtimeFigures, 'utf8')) as RuntimeFigures;
  const memory = JSON.parse(readFileSync(memoryFigures, 'utf8')) as Row[];
  sections.unshift(targetsSection({ runtime, memory, ours, oursGroup, peers: peerFigures }));
}
rmSync(scratch, { recursive: true, force: true });

const header = [
  `# govflow benchmarks${quick ? ' (quick smoke run)' : ''}`,
  '',
  `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString()} in ${Math.round((Date.now() - started) / 1000)} s. ` +
    (quick
      ? 'A smoke run: every part once on small sizes, to show that everything runs; the figures are not comparable with the full run\'s.'
      : 'Every figure is the median of ≥ 3 runs with min and max; all measured in this one run on this machine.'),
  '',
  '| machine | |',
  '|---|---|',
  ...machine.map(([k, v]) => `| ${k} | ${v} |`),
  `| load average at end | ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')} |`,
];
const file = join(import.meta.dirname, quick ? 'results.quick.md' : 'results.md');
writeFileSync(file, `${[header.join('\n'), ...sections].join('\n\n')}\n`);
console.error(`\nwrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
