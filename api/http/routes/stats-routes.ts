import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { querySchema } from '../routing/schema.ts';
import { ok } from './common.ts';
import { scopeOf } from './case-access.ts';
import { departmentsInScope, periodProperties, type PeriodQuery } from './stats-period.ts';

const statsQuery = querySchema<PeriodQuery>('DepartmentStatsQuery', { type: 'object', additionalProperties: false, properties: periodProperties });

/** Department figures side by side, from the statistics projections. */
export function registerStatsRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/stats/departments',
      operationId: 'departmentStats',
      tag: 'stats',
      summary: { zh: '各部门办件统计：收件、受理、办结、办结率、按时率、用时、预警、当前超期', en: 'Per-department figures: received, accepted, completed, completion and on-time rates, durations, cards, overdue now' },
      description: {
        zh: '来自统计投影（审计日志的投影，见 docs/statistics.md），口径与 /api/v1/supervision/departments 相同。期间为北京时间日期，含首尾，默认最近 90 天。部门负责人只看本部门；监察、审计人员看本区域各部门。',
        en: 'From the statistics projections of the audit log (docs/statistics.md), the same measures as /api/v1/supervision/departments. Asia/Shanghai days, both ends included, default the last 90 days. A department head sees their department; supervisors and auditors every department of their region.',
      },
      access: { kind: 'staff', capability: 'stats.read' },
      query: statsQuery,
      responses: [ok({ zh: '统计', en: 'figures' })],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const { period, region, asOf, departments } = await departmentsInScope(ctx.deps, principal, ctx.query);
      return ctx.c.json({
        scope: scopeOf(principal),
        period,
        region,
        asOf,
        departments: departments.map(({ rank: _rank, ranks: _ranks, ...figures }) => figures),
      });
    },
  );
}
