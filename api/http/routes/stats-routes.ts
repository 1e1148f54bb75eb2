import { departmentStats } from '../../../adapters/queries/department-stats.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { querySchema } from '../routing/schema.ts';
import { ok } from './common.ts';
import { scopeOf } from './case-access.ts';

const statsQuery = querySchema<{ from?: string; to?: string }>('DepartmentStatsQuery', {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time', description: '受理时间起（含）received from (inclusive)' },
    to: { type: 'string', format: 'date-time', description: '受理时间止（不含）received before (exclusive)' },
  },
});

/** Department figures side by side. (The supervision work extends these.) */
export function registerStatsRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/stats/departments',
      operationId: 'departmentStats',
      tag: 'stats',
      summary: { zh: '各部门办件统计：受理、办结、办结率、按时率、预警', en: 'Per-department figures: received, completed, completion and on-time rates, alerts' },
      description: { zh: '部门负责人只看本部门；监察、审计人员看本区域各部门。', en: 'A department head sees their department; supervisors and auditors every department of their region.' },
      access: { kind: 'staff', capability: 'stats.read' },
      query: statsQuery,
      responses: [ok({ zh: '统计', en: 'figures' })],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const rows = await departmentStats(ctx.deps.db, scopeOf(principal), ctx.query);
      return ctx.c.json({ scope: scopeOf(principal), from: ctx.query.from ?? null, to: ctx.query.to ?? null, departments: rows });
    },
  );
}
