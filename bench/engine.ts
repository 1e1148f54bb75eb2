/**
 * Engine benchmark (pure core, in memory): load + check + compile N items extending one template,
 * and step() throughput beside bare XState v5 transition() with a JSON round trip, in the same run.
 * Usage: npx tsx bench/engine.ts [--items 1000] [--steps 20000] [--runs 3]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMachine, initialTransition, transition } from 'xstate';
import { loadCalendarsFromDir } from '../adapters/calendar-files.ts';
import { loadDefinitions, startInstance, step, type Actor, type CompiledDefinition, type InstanceSnapshot } from '../engine/index.ts';
import { median, report } from './report.ts';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]]));
const ITEMS = Number(args.get('--items') ?? 1000);
const STEPS = Number(args.get('--steps') ?? 20000);
const RUNS = Number(args.get('--runs') ?? 3);
const root = join(import.meta.dirname, '..');
const calendars = loadCalendarsFromDir(join(root, 'processes/calendars'));
const template = readFileSync(join(root, 'test/engine/fixtures/templates/mini-template.yaml'), 'utf8');

function items(n: number): Array<{ path: string; text: string }> {
  const out = [{ path: 'templates/mini-template.yaml', text: template }];
  for (let i = 0; i < n; i++) {
    out.push({
      path: `catalog/item-${i}.yaml`,
      text: `id: item-${i}\nversion: 1\nextends: mini-template\ntitle: { zh: 事项${i} }\ndepartment: dept-${i % 56}\nparams: { promisedLimit: ${1 + (i % 15)}wd }\nmaterials: [申请书, 材料${i}]\n`,
    });
  }
  return out;
}

function compileRun(): number {
  const sources = items(ITEMS);
  const t = performance.now();
  const result = loadDefinitions(sources, { calendars });
  const ms = performance.now() - t;
  if (result.diagnostics.length || result.definitions.length !== ITEMS) throw new Error(`compile failed: ${result.diagnostics.length} diagnostics`);
  return ms;
}

const licence = loadDefinitions([{ path: 'mini-licence.yaml', text: readFileSync(join(root, 'test/engine/fixtures/mini-licence.yaml'), 'utf8') }], { calendars }).definitions[0] as CompiledDefinition;
const window: Actor = { id: 'w', role: 'window', department: 'market-regulation' };
const officer: Actor = { id: 'o', role: 'officer', department: 'market-regulation' };
const t0 = Date.parse('2026-09-28T09:00:00+08:00');

/** A 4-event cycle: accept, start and finish an inspection (pause, resume), approve; JSON round trip each step. */
function stepRun(): number {
  const head: Actor = { id: 'h', role: 'head', department: 'market-regulation' };
  const script = [
    { type: 'accept', actor: window, payload: { receiptNo: 'R' } },
    { type: 'start-inspection', actor: officer },
    { type: 'finish-inspection', actor: officer },
    { type: 'approve', actor: head },
  ];
  let steps = 0;
  const t = performance.now();
  while (steps < STEPS) {
    let json = JSON.stringify(startInstance(licence, { data: { applicant: 'x' }, actor: window, now: t0 }).snapshot);
    steps++;
    for (const [i, event] of script.entries()) {
      const result = step(licence, JSON.parse(json) as InstanceSnapshot, event, t0 + (i + 1) * 86_400_000);
      json = JSON.stringify(result.snapshot);
      steps++;
    }
  }
  return steps / ((performance.now() - t) / 1000);
}

const bare = createMachine({
  id: 'bare',
  initial: 'received',
  context: { data: {} as Record<string, unknown> },
  states: {
    received: { on: { accept: 'review' } },
    review: { initial: 'examining', states: { examining: { on: { start: 'inspection', approve: '#bare.approved' } }, inspection: { on: { finish: 'examining' } } } },
    approved: { type: 'final' },
  },
});

function bareRun(): number {
  const script = ['accept', 'start', 'finish', 'approve'];
  let steps = 0;
  const t = performance.now();
  while (steps < STEPS) {
    let [snap] = initialTransition(bare);
    let json = JSON.stringify({ value: snap.value, context: snap.context });
    steps++;
    for (const type of script) {
      const saved = JSON.parse(json) as { value: never; context: never };
      [snap] = transition(bare, bare.resolveState(saved), { type } as never);
      json = JSON.stringify({ value: snap.value, context: snap.context });
      steps++;
    }
  }
  return steps / ((performance.now() - t) / 1000);
}

compileRun();
stepRun();
bareRun();
const compile: number[] = [];
const engine: number[] = [];
const xstate: number[] = [];
for (let i = 0; i < RUNS; i++) {
  compile.push(compileRun());
  engine.push(stepRun());
  xstate.push(bareRun());
}
report('engine (pure core, in memory)', [
  { name: `load + check + compile ${ITEMS} items (ms)`, values: compile },
  { name: 'govflow step() with clocks, tasks, effects, JSON round trip (steps/s)', values: engine },
  { name: 'bare XState v5 transition() + JSON round trip (steps/s)', values: xstate },
]);
console.log(`ratio govflow/bare XState: ${(median(engine) / median(xstate)).toFixed(2)}×`);
