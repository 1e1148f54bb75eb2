import { TOKEN_NAME_PATTERN, TOKEN_ROLES, createToken, listTokens, revokeToken, type TokenRole } from '../../../adapters/auth/api-tokens.ts';
import { listSecurityEvents } from '../../../adapters/auth/security-audit.ts';
import { regionCovers } from '../../../adapters/queries/region-scope.ts';
import { ApiError, notFound } from '../api-error.ts';
import { describePrincipal } from '../auth/principal.ts';
import { recordGrant } from '../auth/record-security-event.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { bodySchema, querySchema } from '../routing/schema.ts';
import { DEPARTMENT_PATTERN, REGION_PATTERN, ok, params } from './common.ts';

interface TokenBody {
  role: TokenRole;
  department: string;
  region?: string;
  name?: string;
  expiresInDays?: number;
}

const tokenBody = bodySchema<TokenBody>('CreateToken', {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'department'],
  properties: {
    role: { enum: [...TOKEN_ROLES] },
    department: { type: 'string', pattern: DEPARTMENT_PATTERN },
    region: { type: 'string', pattern: REGION_PATTERN, description: '默认管理员所在区域 default: the admin\'s region' },
    name: { type: 'string', pattern: TOKEN_NAME_PATTERN.source, description: '使用人（审计中的办理人标识）who holds it (the actor id in audit trails)' },
    expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
  },
});

const securityQuery = querySchema<{ outcome?: 'denied' | 'granted'; before?: string; limit: number }>('SecurityAuditQuery', {
  type: 'object',
  additionalProperties: false,
  properties: {
    outcome: { enum: ['denied', 'granted'] },
    before: { type: 'string', pattern: '^[1-9][0-9]{0,17}$', description: '只列出编号小于此值的记录 rows with a smaller id only' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
});

/** Who am I; token management (admin); the security audit (auditor). */
export function registerAdminRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/me',
      operationId: 'whoAmI',
      tag: 'session',
      summary: { zh: '当前令牌的身份、部门与区域', en: 'Who the token belongs to: role, department, region' },
      access: { kind: 'staff', capability: 'self.read' },
      responses: [ok({ zh: '身份', en: 'identity' })],
    },
    (ctx) => ctx.c.json(describePrincipal(staffOf(ctx))),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/tokens',
      operationId: 'createToken',
      tag: 'admin',
      summary: { zh: '签发令牌（管理员，限本区域）', en: 'Issue a token (admin, within own region)' },
      description: { zh: '令牌只在此时显示一次；数据库只保存其 SM3 摘要。', en: 'The token is shown this once; only its SM3 digest is stored.' },
      access: { kind: 'staff', capability: 'token.manage' },
      body: { kind: 'json', schema: tokenBody },
      responses: [ok({ zh: '已签发', en: 'issued' }, undefined, 201)],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const region = ctx.body.region ?? principal.region;
      if (!regionCovers(principal.region, region)) {
        throw new ApiError('ROLE_FORBIDDEN', `只能为本区域（${principal.region}）签发令牌 you may issue tokens within your region (${principal.region}) only`, [{ path: '/region', message: `outside ${principal.region}` }]);
      }
      const issued = await createToken(
        ctx.deps.db,
        {
          role: ctx.body.role,
          department: ctx.body.department,
          region,
          ...(ctx.body.name !== undefined ? { name: ctx.body.name } : {}),
          ...(ctx.body.expiresInDays !== undefined ? { expiresAt: ctx.deps.clock.now() + ctx.body.expiresInDays * 86_400_000 } : {}),
          createdBy: principal.name,
        },
        ctx.deps.clock.now(),
      );
      await recordGrant(ctx.deps, ctx.c, 'token.create', issued.id, `issued ${issued.role} token for ${issued.department}@${issued.region} (${issued.name})`);
      return ctx.c.json(issued, 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/tokens',
      operationId: 'listTokens',
      tag: 'admin',
      summary: { zh: '本区域的令牌（不含令牌本身）', en: 'Tokens of the region (never the token text)' },
      access: { kind: 'staff', capability: 'token.manage' },
      responses: [ok({ zh: '令牌列表', en: 'tokens' })],
    },
    async (ctx) => ctx.c.json({ items: await listTokens(ctx.deps.db, { region: staffOf(ctx).region }) }),
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/v1/tokens/{tokenId}',
      operationId: 'revokeToken',
      tag: 'admin',
      summary: { zh: '撤销令牌', en: 'Revoke a token' },
      access: { kind: 'staff', capability: 'token.manage' },
      params: { tokenId: params.tokenId },
      responses: [ok({ zh: '已撤销', en: 'revoked' }), { status: 404, description: { zh: '未找到', en: 'not found' } }],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const id = ctx.params['tokenId']!.toLowerCase();
      if (!(await revokeToken(ctx.deps.db, id, ctx.deps.clock.now(), principal.region))) throw notFound({ zh: '令牌', en: 'token' });
      await recordGrant(ctx.deps, ctx.c, 'token.revoke', id, 'token revoked');
      return ctx.c.json({ id, revoked: true });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/security-audit',
      operationId: 'listSecurityAudit',
      tag: 'admin',
      summary: { zh: '安全审计：被拒绝的访问与授权变更（审计人员）', en: 'Security audit: refused requests and grants (auditor)' },
      access: { kind: 'staff', capability: 'security.read' },
      query: securityQuery,
      responses: [ok({ zh: '审计记录，最新的在前', en: 'rows, newest first' })],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const items = await listSecurityEvents(ctx.deps.db, { region: principal.region, limit: ctx.query.limit, ...(ctx.query.before ? { before: ctx.query.before } : {}), ...(ctx.query.outcome ? { outcome: ctx.query.outcome } : {}) });
      return ctx.c.json({ items });
    },
  );
}
