import type { OutcomeClass } from '../../../engine/stats/index.ts';
import type { CompiledDefinition } from '../../runtime/engine-port.ts';
import type { Persona } from './case-agent.ts';
import { definitionGraph, type DefinitionGraph } from './definition-graph.ts';
import type { SeededRandom } from './seeded-random.ts';

/** Prefectures of the province (Guizhou division codes) and their share of applications. */
export const DEMO_REGIONS: Readonly<Record<string, number>> = {
  '520100': 26, // 贵阳市
  '520300': 18, // 遵义市
  '520500': 13, // 毕节市
  '522600': 10, // 黔东南州
  '522700': 9, // 黔南州
  '520600': 8, // 铜仁市
  '522300': 7, // 黔西南州
  '520200': 5, // 六盘水市
  '520400': 4, // 安顺市
};

/** Applications a day per category, relative to `--per-day` (licensing); categories without definitions are skipped. */
const CATEGORY_SHARE: Readonly<Record<string, number>> = { licensing: 1, tender: 0.035, document: 0.4 };

/** Shares of case behaviour; chosen so the figures resemble the province's report (docs/statistics.md). */
const GOALS: Readonly<Record<OutcomeClass, number>> = { granted: 88, denied: 3, 'not-accepted': 5, withdrawn: 4, other: 0 };

/** The definitions the demo starts cases of, each with its relative weight and graph. */
export interface DemoCatalog {
  byCategory: Map<string, Array<{ graph: DefinitionGraph; weight: number }>>;
}

/** Groups the definitions by category and gives each item a popularity drawn from the seed. */
export function demoCatalog(definitions: readonly CompiledDefinition[], rng: SeededRandom): DemoCatalog {
  const byCategory = new Map<string, Array<{ graph: DefinitionGraph; weight: number }>>();
  for (const def of [...definitions].sort((a, b) => a.id.localeCompare(b.id) || a.version - b.version)) {
    const category = def.category ?? 'other';
    if (!(category in CATEGORY_SHARE)) continue;
    const list = byCategory.get(category) ?? [];
    list.push({ graph: definitionGraph(def), weight: 0.3 + rng.next() * 2.7 });
    byCategory.set(category, list);
  }
  return { byCategory };
}

/** How many cases of each category arrive on a day, and which definitions they are. */
export function arrivalsFor(catalog: DemoCatalog, perDay: number, working: boolean, rng: SeededRandom): DefinitionGraph[] {
  const out: DefinitionGraph[] = [];
  for (const [category, list] of catalog.byCategory) {
    const share = CATEGORY_SHARE[category] ?? 0;
    // Window applications on working days; the online hall takes a trickle on other days.
    const mean = perDay * share * (working ? 1 : 0.06);
    const count = Math.round(mean * (0.85 + rng.next() * 0.3));
    const total = list.reduce((sum, d) => sum + d.weight, 0);
    for (let i = 0; i < count; i++) {
      let x = rng.next() * total;
      const chosen = list.find((d) => (x -= d.weight) < 0) ?? (list[list.length - 1] as (typeof list)[number]);
      out.push(chosen.graph);
    }
  }
  return out;
}

/** Draws how a case will go. */
export function drawPersona(rng: SeededRandom): Persona {
  const lateness = rng.weighted({ normal: 97.5, late: 2, 'very-late': 0.5 });
  return {
    goal: rng.weighted(GOALS),
    withdrawLate: rng.chance(0.5),
    supplement: rng.chance(0.2),
    // Items with hearings, expert reviews or testing use them for most cases (excluded time, Art. 45).
    pause: rng.chance(0.9),
    inspect: rng.chance(0.5),
    extension: rng.chance(0.05),
    forget: rng.chance(0.01),
    lateness,
    crowd: rng.chance(0.1) ? 2 : rng.int(3, 8),
  };
}
