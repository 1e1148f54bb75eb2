import type { Context, Hono } from 'hono';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError } from '../api-error.ts';
import { authenticateParty, authenticateStaff } from '../auth/authenticate.ts';
import { requireCapability } from '../auth/policy.ts';
import type { PartyPrincipal, Principal, StaffPrincipal } from '../auth/principal.ts';
import type { AppEnv } from './app-env.ts';
import { readJsonBody, readYamlBody } from './read-body.ts';
import type { RouteSpec } from './route-spec.ts';

/** What a handler gets: the request, checked and typed, and who sent it. */
export interface RouteContext<B, Q> {
  c: Context<AppEnv>;
  deps: ApiDeps;
  principal: Principal | undefined;
  params: Record<string, string>;
  query: Q;
  body: B;
  /** The YAML text, for routes with a YAML body. */
  text: string;
  headers: Record<string, string | undefined>;
}

/** The member of staff of a staff route. */
export function staffOf(ctx: { principal: Principal | undefined }): StaffPrincipal {
  if (ctx.principal?.kind !== 'staff') throw new Error('internal: staff route without a staff principal');
  return ctx.principal;
}

/** The applicant or bidder of a party route. */
export function partyPrincipalOf(ctx: { principal: Principal | undefined }): PartyPrincipal {
  if (ctx.principal?.kind !== 'party') throw new Error('internal: party route without a party principal');
  return ctx.principal;
}

/** Single-valued query parameters; a repeated one is refused rather than silently picked. */
function readQuery(c: Context): Record<string, string> {
  const all = c.req.queries();
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(all)) {
    if (values.length !== 1) throw new ApiError('VALIDATION_FAILED', `查询参数重复 query parameter '${key}' given ${values.length} times`, [{ path: `/${key}`, message: 'give it once' }]);
    Object.defineProperty(out, key, { value: values[0], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Registers operations on the app and remembers their specs for the OpenAPI document, so the
 * document and the checks come from the same schemas. Each request goes: authenticate (401) →
 * role (403) → path parameters (404) → headers, query and body (400/413/415) → handler.
 */
export class RouteRegistry {
  readonly specs: RouteSpec[] = [];
  readonly #app: Hono<AppEnv>;
  readonly #deps: ApiDeps;

  constructor(app: Hono<AppEnv>, deps: ApiDeps) {
    this.#app = app;
    this.#deps = deps;
  }

  add<B = Record<string, never>, Q = Record<string, never>>(spec: RouteSpec<B, Q>, handler: (ctx: RouteContext<B, Q>) => Promise<Response> | Response): void {
    this.specs.push(spec as RouteSpec);
    const honoPath = spec.path.replace(/\{([A-Za-z]+)\}/g, ':$1');
    const deps = this.#deps;
    const action = `${spec.method.toUpperCase()} ${spec.path}`;
    this.#app.on(spec.method.toUpperCase(), honoPath, async (c) => {
      c.set('action', action);
      const rawParams = c.req.param() as Record<string, string>;
      let principal: Principal | undefined;
      if (spec.access.kind === 'staff') {
        const staff = await authenticateStaff(c, deps);
        c.set('principal', staff);
        requireCapability(staff, spec.access.capability);
        principal = staff;
      }
      const params: Record<string, string> = {};
      for (const [name, p] of Object.entries(spec.params ?? {})) {
        const value = rawParams[name] ?? '';
        if (!new RegExp(p.schema.pattern, 'u').test(value)) {
          throw new ApiError('NOT_FOUND', `未找到 not found: ${p.description.zh} ${p.description.en}`, [{ path: `/${name}`, message: 'no such resource' }]);
        }
        params[name] = value;
      }
      if (spec.access.kind === 'party') {
        const party = await authenticateParty(c, deps, params['receiptNo'] ?? '', spec.access.party);
        c.set('principal', party);
        principal = party;
      }
      const headers: Record<string, string | undefined> = {};
      for (const h of spec.headers ?? []) {
        const value = c.req.header(h.name);
        if (value === undefined) {
          if (h.required) throw new ApiError('VALIDATION_FAILED', `缺少请求头 missing header ${h.name}`, [{ path: h.name, message: 'required' }]);
        } else if (!new RegExp(h.schema.pattern, 'u').test(value)) {
          throw new ApiError('VALIDATION_FAILED', `请求头无效 invalid header ${h.name}`, [{ path: h.name, message: `must match ${h.schema.pattern}` }]);
        }
        headers[h.name.toLowerCase()] = value;
      }
      const query = spec.query ? spec.query.check(readQuery(c)) : (readQuery(c) as Q);
      if (!spec.query && Object.keys(query as object).length > 0) {
        throw new ApiError('VALIDATION_FAILED', '此接口不接受查询参数 this operation takes no query parameters', Object.keys(query as object).map((k) => ({ path: `/${k}`, message: 'unknown parameter' })));
      }
      let body = {} as B;
      let text = '';
      if (spec.body?.kind === 'json') body = spec.body.schema.check(await readJsonBody(c));
      else if (spec.body?.kind === 'yaml') text = await readYamlBody(c);
      return handler({ c, deps, principal, params, query, body, text, headers });
    });
  }
}
