/**
 * Side-by-side peers: pg-boss, graphile-worker and DBOS on the same two workloads as govflow
 * (a 4-step durable approval, closed loop at several concurrencies; a storm of timers all due
 * at one instant). Prints median/min/max tables and writes bench/peers-results.md
 * (bench/peers-results.quick.md with --quick).
 * Usage: npx tsx bench/peers/run.ts [--quick] [--only pg-boss,graphile-worker,dbos]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { formatReport, report } from '../report.ts';
import { describeMachine, openPeerDatabase } from './database.ts';
import { dbosPeer } from './dbos.ts';
import { graphileWorkerPeer } from './graphile-worker.ts';
import { pgBossPeer } from './pg-boss.ts';
import { FULL_PLAN, QUICK_PLAN } from './plans.ts';
import { measurePeer, type PeerFigures, type Row } from './suite.ts';
import type { PeerBench } from './types.ts';

const PEERS: Record<string, () => PeerBench> = {
  'pg-boss': () => pgBossPeer(),
  'graphile-worker': () => graphileWorkerPeer(),
  dbos: () => dbosPeer(),
};

function resultsFile(mode: string, machine: Array<[string, string]>, figures: PeerFigures[], seconds: number): string {
  const out = [
    `# Peer benchmark results (${mode})`,
    '',
    `Written by \`npx tsx bench/peers/run.ts${mode === 'quick' ? ' --quick' : ''}\` on ${new Date().toISOString()}; ` +
      `the run took ${Math.round(seconds)} s. Figures are median, min and max of the runs; see bench/peers/README.md for what each peer does.`,
    '',
    '| machine | |', '|---|---|',
    ...machine.map(([k, v]) => `| ${k} | ${v} |`),
    `| load average at end | ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')} |`,
    '',
    '| peer | version | configuration |', '|---|---|---|',
    ...figures.map((f) => `| ${f.name} | ${f.version} | ${f.config} |`),
  ];
  for (const f of figures) {
    out.push('', formatReport(`${f.name} ${f.version} (${Math.round(f.seconds)} s)`, f.rows));
    if (f.notes.length) out.push('', ...f.notes.map((n) => `- ${n}`));
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyAt = args.indexOf('--only');
  const names = onlyAt >= 0 ? args[onlyAt + 1]!.split(',') : Object.keys(PEERS);
  const unknown = names.filter((n) => !PEERS[n]);
  if (unknown.length) throw new Error(`unknown peer ${unknown.join(', ')}; known: ${Object.keys(PEERS).join(', ')}`);
  const plan = quick ? QUICK_PLAN : FULL_PLAN;
  // A few seconds stay in reserve for teardowns and dropping the scratch database.
  const budgetMs = (quick ? 55 : 465) * 1000;

  const started = Date.now();
  const db = await openPeerDatabase();
  const figures: PeerFigures[] = [];
  let machine: Array<[string, string]> = [];
  try {
    machine = await describeMachine(db.connectionString);
    for (const [i, name] of names.entries()) {
      // Each peer gets an equal share of what is left, so a slow one cannot starve the next.
      const share = (budgetMs - (Date.now() - started)) / (names.length - i);
      console.error(`\n${name}: running (${Math.round(share / 1000)} s share of the budget)`);
      const f = await measurePeer(PEERS[name]!(), db.connectionString, plan, Date.now() + share);
      figures.push(f);
      report(`${f.name} ${f.version}`, f.rows);
      for (const note of f.notes) console.log(`- ${note}`);
    }
  } finally {
    await db.drop();
  }
  const seconds = (Date.now() - started) / 1000;
  // A quick smoke run must not overwrite the full figures.
  const file = quick ? 'peers-results.quick.md' : 'peers-results.md';
  writeFileSync(join(import.meta.dirname, '..', file), resultsFile(quick ? 'quick' : 'full', machine, figures, seconds));
  console.error(`\nwrote bench/${file} in ${Math.round(seconds)} s`);
}

await main();
