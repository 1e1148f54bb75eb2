import { listLatestDefinitions } from '../../../adapters/queries/definitions.ts';
import { describeDuration } from '../../../engine/calendar/index.ts';
import type { CompiledDefinition } from '../../../engine/index.ts';
import { notFound } from '../api-error.ts';
import type { RouteRegistry } from '../routing/route-registry.ts';
import { querySchema } from '../routing/schema.ts';
import { DEPARTMENT_PATTERN, ok, params } from './common.ts';

/** Categories of items the public deals with; internal ones (document routing) are not disclosed. */
export const PUBLIC_CATEGORIES = ['licensing', 'service', 'tender', 'auction', 'deposit'] as const;

const itemsQuery = querySchema<{ department?: string; category?: string }>('DisclosureListQuery', {
  type: 'object',
  additionalProperties: false,
  properties: { department: { type: 'string', pattern: DEPARTMENT_PATTERN }, category: { enum: [...PUBLIC_CATEGORIES] } },
});

/** What the public is told about an item: basis, limits, materials, fees (行政许可法 Art. 30). Pure. */
export function disclosureOf(def: CompiledDefinition, publishedAt: string) {
  const limit = (c: CompiledDefinition['clocks'][number]) => ({ clock: c.name, title: c.title, amount: c.limit.amount, unit: c.limit.unit, text: describeDuration(c.limit) });
  return {
    id: def.id,
    version: def.version,
    title: def.title,
    department: def.department,
    region: def.region ?? null,
    category: def.category ?? null,
    publishedAt,
    basis: def.basis,
    limits: def.clocks.filter((c) => !c.restartOnEntry).map(limit),
    stepLimits: def.clocks.filter((c) => c.restartOnEntry).map((c) => ({ ...limit(c), state: c.name.replace(/^step:/, '') })),
    materials: def.materials,
    fees: def.fees ?? null,
  };
}

/** 事项公开: what each item requires, without login. */
export function registerDisclosureRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/public/items',
      operationId: 'listPublicItems',
      tag: 'public',
      summary: { zh: '办事事项目录（公开，无需登录）', en: 'Catalogue of items (public, no login)' },
      access: { kind: 'public' },
      query: itemsQuery,
      responses: [ok({ zh: '事项列表（各事项最新版本）', en: 'items, newest version of each' })],
    },
    async ({ deps, query, c }) => {
      const rows = await listLatestDefinitions(deps.db, { categories: query.category ? [query.category] : PUBLIC_CATEGORIES, ...(query.department ? { department: query.department } : {}) });
      return c.json({ items: rows.map((r) => ({ id: r.id, version: r.version, title: r.title, department: r.department, category: r.category, publishedAt: r.publishedAt })) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/public/items/{definitionId}',
      operationId: 'getPublicItem',
      tag: 'public',
      summary: { zh: '事项公开信息：设定依据、办理时限、申请材料、收费', en: 'Item disclosure: statutory basis, limits, materials, fees' },
      access: { kind: 'public' },
      params: { definitionId: params.definitionId },
      responses: [ok({ zh: '事项公开信息', en: 'the disclosure' }), { status: 404, description: { zh: '未找到', en: 'not found' } }],
    },
    async ({ deps, params: p, c }) => {
      const rows = await listLatestDefinitions(deps.db, { categories: PUBLIC_CATEGORIES });
      const row = rows.find((r) => r.id === p['definitionId']);
      if (!row) throw notFound({ zh: '事项', en: 'item' });
      const def = await deps.catalog.compiled(row.id, row.version);
      return c.json(disclosureOf(def, row.publishedAt));
    },
  );
}
