import { alertHistory } from '../../../adapters/alerts/alert-history.ts';
import { DEFAULT_ESCALATION_POLICY } from '../../../adapters/alerts/escalation-policy.ts';
import { findAlert, listAlerts, type AlertStatus } from '../../../adapters/queries/alerts.ts';
import { findInstance } from '../../../adapters/queries/find-instance.ts';
import { dwellHeatmap, RANKING_MEASURES, type RankingMeasure } from '../../../adapters/stats/queries/index.ts';
import { openCasesByProcess, trafficBoard } from '../../../adapters/supervision/traffic-board.ts';
import type { ApiDeps } from '../api-deps.ts';
import { notFound } from '../api-error.ts';
import { caseScopeOf, definitionDepartmentOf } from '../auth/policy.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { querySchema } from '../routing/schema.ts';
import { maskPersonalData } from '../../../adapters/outbox/mask-personal-data.ts';
import { maskStrings } from '../views/mask.ts';
import { DEFINITION_ID_PATTERN, DEPARTMENT_PATTERN, STATE_PATTERN, UUID_PATTERN, decodeCursor, encodeCursor, ok, pageQuery, pageSchema, params } from './common.ts';
import { loadCase, scopeOf } from './case-access.ts';
import { departmentsInScope, periodOf, periodProperties, statsQuery, type PeriodQuery } from './stats-period.ts';
import { clockBars, supervisionAlertView } from './supervision-views.ts';

type AlertQuery = { status?: AlertStatus; level?: string; department?: string; instanceId?: string; limit: number; cursor?: string };

const alertQuery = querySchema<AlertQuery>('SupervisionAlertQuery', {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { enum: ['open', 'escalated', 'acknowledged', 'all'], description: 'open 未签收 | escalated 已上报未签收 | acknowledged 已签收 | all' },
    level: { type: 'string', pattern: STATE_PATTERN, description: 'reminder | yellow-card | red-card | step-overdue | …' },
    department: { type: 'string', pattern: DEPARTMENT_PATTERN },
    instanceId: { type: 'string', pattern: UUID_PATTERN },
    ...pageQuery,
  },
});

const rankingQuery = querySchema<PeriodQuery & { orderBy?: RankingMeasure }>('SupervisionRankingQuery', {
  type: 'object',
  additionalProperties: false,
  properties: { ...periodProperties, orderBy: { enum: Object.keys(RANKING_MEASURES), description: '排名指标 measure to rank by; default onTimeRate.promised' } },
});

const dwellQuery = querySchema<PeriodQuery & { definition?: string; bucket?: 'month' | 'week' }>('SupervisionDwellQuery', {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...periodProperties,
    definition: { type: 'string', pattern: DEFINITION_ID_PATTERN, description: '流程定义标识 definition id' },
    bucket: { enum: ['month', 'week'], description: '列宽 column width; default month' },
  },
});

const notFoundResponse = { status: 404, description: { zh: '未找到（或不在本部门/区域）', en: 'not found (or outside your department/region)' } };

/** Processes (latest version of each definition) the principal's statistics cover — the department's own, or all for region-wide roles — with their open cases in scope. */
async function visibleProcesses(deps: ApiDeps, principal: StaffPrincipal): Promise<Array<{ id: string; title: unknown; department: string | null; open: number }>> {
  let query = deps.db.selectFrom('definitions').select(['id', 'title', 'department', 'version']).orderBy('id').orderBy('version', 'desc');
  const own = definitionDepartmentOf(principal);
  if (own !== undefined) query = query.where('department', '=', own);
  const [rows, open] = await Promise.all([query.execute(), openCasesByProcess(deps.db, caseScopeOf(principal))]);
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.id) && seen.add(r.id)).map((r) => ({ id: r.id, title: r.title, department: r.department, open: open.get(r.id) ?? 0 }));
}

/**
 * The supervisor's views (电子监察): alerts with their escalation and history, the traffic-light
 * board, departments side by side, where cases wait, and a case's clocks as bars. Scope and roles
 * as everywhere: a department head sees the department, supervisors and auditors the region.
 */
export function registerSupervisionRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/supervision/alerts',
      operationId: 'listSupervisionAlerts',
      tag: 'alerts',
      summary: { zh: '监察预警列表：含上报与签收状态、办件与时限链接', en: 'Alerts with escalation and acknowledgement state, linked to their case and clock' },
      description: {
        zh: '未签收的黄牌、红牌、环节超时预警超过规定时间（GOVFLOW_ESCALATE_AFTER，默认 4 小时）自动上报电子监察室。',
        en: 'Unacknowledged yellow cards, red cards and overrun steps are escalated to the supervising office after GOVFLOW_ESCALATE_AFTER (default 4 h).',
      },
      access: { kind: 'staff', capability: 'alert.read' },
      query: alertQuery,
      responses: [ok({ zh: '一页预警，最新的在前', en: 'a page of alerts, newest first' }, pageSchema({ type: 'object' }))],
    },
    async (ctx) => {
      const { limit, cursor, ...filters } = ctx.query;
      const after = decodeCursor(cursor);
      const page = await listAlerts(ctx.deps.db, scopeOf(staffOf(ctx)), filters, { limit, ...(after ? { after } : {}) });
      const policy = ctx.deps.supervision?.escalation ?? DEFAULT_ESCALATION_POLICY;
      return ctx.c.json({ items: page.items.map(supervisionAlertView), next: encodeCursor(page.next), escalation: { afterMs: policy.afterMs, levels: policy.levels, target: policy.target } });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/alerts/{alertId}/history',
      operationId: 'getAlertHistory',
      tag: 'alerts',
      summary: { zh: '预警处理记录：产生、上报、签收（谁、何时、意见），及其办件与时限', en: 'History of an alert — raised, escalated, acknowledged (who, when, comment) — with its case and clock' },
      access: { kind: 'staff', capability: 'alert.read' },
      params: { alertId: params.alertId },
      responses: [ok({ zh: '预警及其处理记录', en: 'the alert and its history' }), notFoundResponse],
    },
    async (ctx) => {
      const { deps, c } = ctx;
      const principal = staffOf(ctx);
      const alert = await findAlert(deps.db, ctx.params['alertId']!, scopeOf(principal));
      if (!alert) {
        const exists = await deps.db.selectFrom('alerts').select('department').where('id', '=', ctx.params['alertId']!.toLowerCase()).executeTakeFirst();
        throw notFound({ zh: '预警', en: 'alert' }, exists ? { reason: `alert of department ${exists.department} is outside the caller's scope`, resource: ctx.params['alertId']! } : undefined);
      }
      c.set('instanceId', alert.instanceId);
      const [history, row] = await Promise.all([alertHistory(deps.db, alert), findInstance(deps.db, alert.instanceId, { kind: 'instance', instanceId: alert.instanceId })]);
      let clock = null;
      if (row && alert.clock !== null) {
        const def = await deps.catalog.compiled(row.definitionId, row.definitionVersion);
        clock = clockBars(def, row.snapshot, deps.clock.now()).find((b) => b.name === alert.clock) ?? null;
      }
      // Comments are free text and may name people: masked like every list. Actors are staff names and ids.
      const masked = history.map((e) => ('comment' in e ? { ...e, comment: maskPersonalData(e.comment) } : e.kind === 'raised' ? { ...e, message: maskStrings(e.message) } : e));
      return c.json({ alert: supervisionAlertView(alert), clock, history: masked });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/supervision/board',
      operationId: 'supervisionBoard',
      tag: 'stats',
      summary: { zh: '红黄绿灯：各部门在办件按时限状态分布', en: 'Traffic lights: open cases per department by clock status' },
      description: {
        zh: '红灯：法定时限已过或已出红牌；黄灯：承诺时限已过，或已提醒、黄牌、环节超时；绿灯：其余。数据来自统计投影。',
        en: 'Red: statutory limit passed or a red card; yellow: promised limit passed, or a reminder, yellow card or overrun step; green: the rest. From the statistics projection.',
      },
      access: { kind: 'staff', capability: 'stats.read' },
      responses: [ok({ zh: '各部门红黄绿灯', en: 'lights per department' })],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const now = ctx.deps.clock.now();
      const departments = await trafficBoard(ctx.deps.db, scopeOf(principal), now);
      return ctx.c.json({ scope: scopeOf(principal), at: new Date(now).toISOString(), departments });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/supervision/departments',
      operationId: 'supervisionDepartments',
      tag: 'stats',
      summary: { zh: '部门横向比较与排名：办结率、按时率、平均工作日、亮牌、当前超期', en: 'Departments side by side and ranked: completion, on-time rates, mean working days, cards, overdue now' },
      description: {
        zh: '来自统计投影（adapters/stats/queries 的 departmentRanking）。期间为北京时间日期，含首尾，默认最近 90 天。部门负责人只看本部门。',
        en: 'From the statistics projections (departmentRanking). Asia/Shanghai days, both ends included, default the last 90 days. A department head sees only their own.',
      },
      access: { kind: 'staff', capability: 'stats.read' },
      query: rankingQuery,
      responses: [ok({ zh: '各部门指标与名次', en: 'figures and ranks per department' })],
    },
    async (ctx) => ctx.c.json(await departmentsInScope(ctx.deps, staffOf(ctx), ctx.query)),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/supervision/dwell',
      operationId: 'supervisionDwell',
      tag: 'stats',
      summary: { zh: '某一流程办件在各环节的停留时间（热力图）', en: 'Where cases of one process wait: dwell time per state (heatmap)' },
      description: {
        zh: '来自统计投影（dwellHeatmap）：各环节按月或周的平均停留工作日、p90，及当前停留件数。不指定流程时返回可选流程列表。',
        en: 'From the statistics projections (dwellHeatmap): mean and p90 working days per state by month or week, and cases there now. Without `definition`, lists the processes to choose from.',
      },
      access: { kind: 'staff', capability: 'stats.read' },
      query: dwellQuery,
      responses: [ok({ zh: '热力图数据', en: 'heatmap data' }), notFoundResponse],
    },
    async (ctx) => {
      const { deps, query } = ctx;
      const principal = staffOf(ctx);
      const processes = await visibleProcesses(deps, principal);
      if (!query.definition) return ctx.c.json({ processes, heatmap: null });
      if (!processes.some((p) => p.id === query.definition)) throw notFound({ zh: '流程定义', en: 'definition' });
      const period = periodOf(query, deps.clock.now());
      const heatmap = await statsQuery(() => dwellHeatmap(deps.db, { definition: query.definition!, ...period, ...(query.bucket ? { bucket: query.bucket } : {}) }));
      return ctx.c.json({ processes, heatmap });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/supervision/cases/{id}',
      operationId: 'supervisionCase',
      tag: 'instances',
      summary: { zh: '办件监察视图：各时限（已用、暂停、剩余）及环节、事件名称', en: 'A case for supervision: its clocks as bars (used, paused, remaining) and the names of its states and events' },
      description: {
        zh: '与 GET /api/v1/instances/{id}（办件详情）和 /audit（审计轨迹）配合使用；暂停时间为依法不计入时限的时间（行政许可法第四十五条）。',
        en: 'Used beside GET /api/v1/instances/{id} and its /audit; paused time is the time excluded from the limit (Administrative Licensing Law Art. 45).',
      },
      access: { kind: 'staff', capability: 'case.read' },
      params: { id: params.id },
      responses: [ok({ zh: '时限与名称', en: 'clocks and names' }), notFoundResponse],
    },
    async (ctx) => {
      const { deps, c } = ctx;
      const row = await loadCase(deps, staffOf(ctx), ctx.params['id']!);
      c.set('instanceId', row.id);
      const def = await deps.catalog.compiled(row.definitionId, row.definitionVersion);
      const now = deps.clock.now();
      return c.json({
        instanceId: row.id,
        receiptNo: row.receiptNo,
        definition: { id: def.id, version: def.version, title: def.title },
        at: new Date(now).toISOString(),
        clocks: clockBars(def, row.snapshot, now),
        states: Object.fromEntries([...def.states.values()].map((node) => [node.name, node.spec.title ?? { zh: node.name }])),
        events: Object.fromEntries(Object.entries(def.events).map(([name, spec]) => [name, spec.title ?? { zh: name }])),
      });
    },
  );
}
