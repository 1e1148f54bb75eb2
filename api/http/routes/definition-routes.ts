import { getDefinition, listDefinitionVersions } from '../../../adapters/queries/definitions.ts';
import { toMermaid } from '../../../engine/index.ts';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-error.ts';
import { definitionDepartmentOf } from '../auth/policy.ts';
import { actorOf, type StaffPrincipal } from '../auth/principal.ts';
import { checkJsonShape } from '../routing/read-body.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { querySchema } from '../routing/schema.ts';
import { DEFINITION_ID_PATTERN, DEPARTMENT_PATTERN, ok, params } from './common.ts';

const versionItem = {
  type: 'object',
  properties: { id: { type: 'string' }, version: { type: 'integer' }, title: { type: 'object' }, department: { type: ['string', 'null'] }, hash: { type: 'string' }, publishedAt: { type: 'string' } },
};

const listQuery = querySchema<{ department?: string; id?: string }>('DefinitionListQuery', {
  type: 'object',
  additionalProperties: false,
  properties: { department: { type: 'string', pattern: DEPARTMENT_PATTERN }, id: { type: 'string', pattern: DEFINITION_ID_PATTERN } },
});

const definitionNotFound = { zh: '流程定义', en: 'definition' };

/** A published version the caller may read, or 404 (missing and out of scope look the same). */
async function readable(deps: ApiDeps, principal: StaffPrincipal, id: string, version: string) {
  const row = await getDefinition(deps.db, id, Number(version));
  if (!row) throw notFound(definitionNotFound);
  const department = definitionDepartmentOf(principal);
  if (department !== undefined && row.department !== department) {
    throw notFound(definitionNotFound, { reason: `definition of department ${row.department ?? '-'}`, resource: `${id}@${version}` });
  }
  return row;
}

/** Validate, publish and read process definitions. */
export function registerDefinitionRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'post',
      path: '/api/v1/definitions/validate',
      operationId: 'validateDefinition',
      tag: 'definitions',
      summary: { zh: '校验流程定义 YAML', en: 'Validate a definition (YAML)' },
      description: { zh: '错误以 422 返回，details 中每项带文件、行、列与路径。', en: 'Problems come back as 422 with file, line, column and path in each detail.' },
      access: { kind: 'staff', capability: 'definition.write' },
      body: { kind: 'yaml' },
      responses: [ok({ zh: '定义有效', en: 'the definition is valid' }), { status: 422, description: { zh: '定义有误（带位置）', en: 'invalid, with positions' } }],
    },
    ({ deps, text, c }) => {
      const result = deps.catalog.check(text);
      if (result.diagnostics.length > 0) {
        throw new ApiError('INVALID_DEFINITION', `流程定义有 ${result.diagnostics.length} 处错误 the definition has ${result.diagnostics.length} problem(s)`, result.diagnostics.map((d) => ({ ...d })));
      }
      if (result.template !== undefined) return c.json({ ok: true, kind: 'template', id: result.template });
      const def = result.definition!;
      return c.json({ ok: true, kind: 'process', id: def.id, version: def.version, title: def.title, department: def.department, template: def.template ?? null, states: def.states.size, clocks: def.clocks.map((k) => k.name) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/definitions',
      operationId: 'publishDefinition',
      tag: 'definitions',
      summary: { zh: '发布流程定义新版本（设计人员，限本部门）', en: 'Publish a definition version (designer, own department)' },
      description: {
        zh: '同一版本号再次发布相同内容返回 200；内容不同返回 409，请提升版本号。',
        en: 'Publishing identical content again answers 200; other content under a published version answers 409 — raise the version.',
      },
      access: { kind: 'staff', capability: 'definition.write' },
      body: { kind: 'yaml' },
      responses: [
        ok({ zh: '已发布', en: 'published' }, undefined, 201),
        ok({ zh: '此版本已以相同内容发布', en: 'already published with the same content' }),
        { status: 409, description: { zh: '版本号已被占用', en: 'version taken by other content' } },
        { status: 422, description: { zh: '定义有误', en: 'invalid definition' } },
      ],
    },
    async (ctx) => {
      const { deps, text, c } = ctx;
      const principal = staffOf(ctx);
      const result = deps.catalog.check(text);
      if (result.diagnostics.length > 0) {
        throw new ApiError('INVALID_DEFINITION', `流程定义有 ${result.diagnostics.length} 处错误 the definition has ${result.diagnostics.length} problem(s)`, result.diagnostics.map((d) => ({ ...d })));
      }
      if (!result.definition) {
        throw new ApiError('TEMPLATE_NOT_PUBLISHABLE', '模板不能单独发布，请放入 processes/templates templates are not published on their own; put them in processes/templates');
      }
      const def = result.definition;
      if (def.department !== principal.department) {
        throw new ApiError('DEPARTMENT_MISMATCH', `只能发布本部门（${principal.department}）的流程 you may publish definitions of your own department (${principal.department}) only`, [{ path: '/department', message: `definition belongs to ${def.department}` }], {
          denial: { reason: `publish for department ${def.department}`, resource: `${def.id}@${def.version}` },
        });
      }
      checkJsonShape(def.resolved, 1000);
      const { hash, created } = await deps.runtime.publish(def, actorOf(principal));
      c.header('Location', `/api/v1/definitions/${def.id}/versions/${def.version}`);
      return c.json({ id: def.id, version: def.version, hash, hashAlg: 'sm3', created }, created ? 201 : 200);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/definitions',
      operationId: 'listDefinitions',
      tag: 'definitions',
      summary: { zh: '已发布的流程定义版本', en: 'Published definition versions' },
      access: { kind: 'staff', capability: 'definition.read' },
      query: listQuery,
      responses: [ok({ zh: '版本列表', en: 'versions' }, { type: 'object', properties: { items: { type: 'array', items: versionItem } } })],
    },
    async (ctx) => {
      const own = definitionDepartmentOf(staffOf(ctx));
      const wanted = ctx.query.department;
      if (own !== undefined && wanted !== undefined && wanted !== own) return ctx.c.json({ items: [] });
      const department = own ?? wanted;
      const items = await listDefinitionVersions(ctx.deps.db, { ...(ctx.query.id ? { id: ctx.query.id } : {}), ...(department ? { department } : {}) });
      return ctx.c.json({ items });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/definitions/{definitionId}/versions',
      operationId: 'listDefinitionVersions',
      tag: 'definitions',
      summary: { zh: '某流程的全部版本', en: 'All versions of one definition' },
      access: { kind: 'staff', capability: 'definition.read' },
      params: { definitionId: params.definitionId },
      responses: [ok({ zh: '版本列表', en: 'versions' }), { status: 404, description: { zh: '未找到', en: 'not found' } }],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const id = ctx.params['definitionId']!;
      const items = await listDefinitionVersions(ctx.deps.db, { id });
      const own = definitionDepartmentOf(principal);
      if (items.length === 0) throw notFound(definitionNotFound);
      if (own !== undefined && items.some((v) => v.department !== own)) throw notFound(definitionNotFound, { reason: 'definition of another department', resource: id });
      return ctx.c.json({ items });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/definitions/{definitionId}/versions/{version}',
      operationId: 'getDefinitionVersion',
      tag: 'definitions',
      summary: { zh: '某版本的元数据与展开后的定义', en: 'One version: metadata and resolved form' },
      access: { kind: 'staff', capability: 'definition.read' },
      params: { definitionId: params.definitionId, version: params.version },
      responses: [ok({ zh: '定义版本', en: 'the version' }), { status: 404, description: { zh: '未找到', en: 'not found' } }],
    },
    async (ctx) => {
      const { source: _source, ...row } = await readable(ctx.deps, staffOf(ctx), ctx.params['definitionId']!, ctx.params['version']!);
      return ctx.c.json(row);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/definitions/{definitionId}/versions/{version}/source',
      operationId: 'getDefinitionSource',
      tag: 'definitions',
      summary: { zh: '某版本的 YAML 原文', en: 'The YAML source of one version' },
      access: { kind: 'staff', capability: 'definition.read' },
      params: { definitionId: params.definitionId, version: params.version },
      responses: [{ status: 200, description: { zh: 'YAML 原文', en: 'YAML source' }, media: 'application/yaml' }],
    },
    async (ctx) => {
      const row = await readable(ctx.deps, staffOf(ctx), ctx.params['definitionId']!, ctx.params['version']!);
      return ctx.c.body(row.source, 200, { 'Content-Type': 'application/yaml; charset=utf-8' });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/definitions/{definitionId}/versions/{version}/diagram',
      operationId: 'getDefinitionDiagram',
      tag: 'definitions',
      summary: { zh: '某版本的状态图（Mermaid）', en: 'State diagram of one version (Mermaid)' },
      access: { kind: 'staff', capability: 'definition.read' },
      params: { definitionId: params.definitionId, version: params.version },
      responses: [ok({ zh: 'Mermaid stateDiagram-v2 文本', en: 'Mermaid stateDiagram-v2 text' }, { type: 'object', properties: { mermaid: { type: 'string' } } })],
    },
    async (ctx) => {
      const row = await readable(ctx.deps, staffOf(ctx), ctx.params['definitionId']!, ctx.params['version']!);
      const def = await ctx.deps.catalog.compiled(row.id, row.version);
      return ctx.c.json({ id: row.id, version: row.version, mermaid: toMermaid(def) });
    },
  );
}
