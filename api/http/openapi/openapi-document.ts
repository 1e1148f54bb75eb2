import { CAPABILITIES } from '../auth/policy.ts';
import type { RouteSpec } from '../routing/route-spec.ts';
import type { JsonSchema } from '../routing/schema.ts';
import { errorSchema } from '../routes/common.ts';

const errorRef = { $ref: '#/components/schemas/Error' };
const errorResponse = (zh: string, en: string) => ({ description: `${zh} ${en}`, content: { 'application/json': { schema: errorRef } } });

/** Errors any operation may answer, by status. */
const COMMON_ERRORS: Record<string, ReturnType<typeof errorResponse>> = {
  '400': errorResponse('请求格式或字段无效', 'malformed request or invalid fields'),
  '401': errorResponse('未登录或令牌无效', 'missing or invalid token'),
  '403': errorResponse('角色无权执行此操作', 'the role may not do this'),
  '404': errorResponse('未找到（或不在本人范围内）', 'not found (or outside the caller\'s scope)'),
  '409': errorResponse('与办件当前状态冲突', 'conflicts with the current state'),
  '413': errorResponse('请求体过大', 'request body too large'),
  '415': errorResponse('不支持的内容类型', 'unsupported media type'),
  '422': errorResponse('内容有误（定义、申请数据、事件数据）', 'invalid content (definition, data, payload)'),
};

function queryParameters(schema: JsonSchema | undefined) {
  if (!schema) return [];
  const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s, ...(s['description'] ? { description: s['description'] } : {}) }));
}

/**
 * The OpenAPI 3.1 document of the registered operations, built from the very schemas the
 * handlers validate with (JSON Schema 2020-12 is OpenAPI 3.1's schema language). Pure.
 */
export function openApiDocument(specs: readonly RouteSpec[], info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, JsonSchema> = { Error: errorSchema };
  for (const spec of specs) {
    const parameters = [
      ...Object.entries(spec.params ?? {}).map(([name, p]) => ({ name, in: 'path', required: true, schema: p.schema, description: `${p.description.zh} ${p.description.en}` })),
      ...queryParameters(spec.query?.schema),
      ...(spec.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: h.required, schema: h.schema, description: `${h.description.zh} ${h.description.en}` })),
    ];
    let requestBody: Record<string, unknown> | undefined;
    if (spec.body?.kind === 'json') {
      schemas[spec.body.schema.name] = spec.body.schema.schema;
      requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${spec.body.schema.name}` } } } };
    } else if (spec.body?.kind === 'yaml') {
      requestBody = { required: true, content: { 'application/yaml': { schema: { type: 'string', description: '流程定义 YAML（见 docs/language.md）process definition YAML' } } } };
    }
    const responses: Record<string, unknown> = {};
    for (const r of spec.responses) {
      const media = r.media ?? 'application/json';
      responses[String(r.status)] = {
        description: `${r.description.zh} ${r.description.en}`,
        ...(r.schema || r.media ? { content: { [media]: r.schema ? { schema: r.schema } : {} } } : {}),
      };
    }
    for (const [status, response] of Object.entries(COMMON_ERRORS)) {
      const relevant =
        status === '400' ||
        (status === '401' && spec.access.kind === 'staff') ||
        (status === '403' && spec.access.kind === 'staff') ||
        (status === '404' && (spec.params !== undefined || spec.access.kind === 'party')) ||
        (['413', '415'].includes(status) && spec.body !== undefined) ||
        (['409', '422'].includes(status) && spec.method !== 'get');
      if (relevant && !(status in responses)) responses[status] = response;
    }
    const security = spec.access.kind === 'staff' ? [{ bearerAuth: [] }] : spec.access.kind === 'party' ? [{ verificationCode: [] }] : [];
    (paths[spec.path] ??= {})[spec.method] = {
      operationId: spec.operationId,
      tags: [spec.tag],
      summary: `${spec.summary.zh} ${spec.summary.en}`,
      ...(spec.description ? { description: `${spec.description.zh}\n\n${spec.description.en}` } : {}),
      security,
      ...(spec.access.kind === 'staff' ? { 'x-roles': [...CAPABILITIES[spec.access.capability]] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'govflow 政务流程引擎 API',
      version: info.version,
      description:
        '省级政务服务工作流引擎的 HTTP 接口。错误一律为 JSON `{code, message, details}`。\n\nHTTP API of the provincial government-services workflow engine. Every error is JSON `{code, message, details}`.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'public', description: '事项公开 public disclosure' },
      { name: 'applicants', description: '申请人 applicants' },
      { name: 'bidders', description: '投标人、竞买人 bidders' },
      { name: 'definitions', description: '流程定义 definitions' },
      { name: 'instances', description: '办件 cases' },
      { name: 'tasks', description: '待办与任务操作 worklist and task operations' },
      { name: 'alerts', description: '电子监察预警 supervision alerts' },
      { name: 'stats', description: '统计 statistics' },
      { name: 'streams', description: '实时推送（SSE）live streams' },
      { name: 'session', description: '当前身份 session' },
      { name: 'admin', description: '令牌与安全审计 tokens and security audit' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: '`govflow token create` 签发的令牌 a token from `govflow token create`' },
        verificationCode: { type: 'apiKey', in: 'header', name: 'X-Verification-Code', description: '申请时发放的查询码 the code issued with the receipt' },
      },
    },
  };
}
