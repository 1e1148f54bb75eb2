import type { Capability } from '../auth/policy.ts';
import type { JsonSchema, Schema } from './schema.ts';

/** Text a person reads: zh-CN first, English beside it. */
export interface Text {
  zh: string;
  en: string;
}

/** Who may call a route: anyone, staff with a capability, or an applicant/bidder with receipt + code. */
export type Access = { kind: 'public' } | { kind: 'staff'; capability: Capability } | { kind: 'party'; party: 'applicant' | 'bidder' };

export interface ParamSpec {
  /** A string schema with a `pattern`; a value that does not match answers 404. */
  schema: JsonSchema & { pattern: string };
  description: Text;
}

export interface HeaderSpec {
  name: string;
  required: boolean;
  schema: JsonSchema & { pattern: string };
  description: Text;
}

export interface ResponseSpec {
  status: number;
  description: Text;
  /** JSON schema of the response body, or the media type of a non-JSON one. */
  schema?: JsonSchema;
  media?: string;
}

/** Everything the router, the validator and the OpenAPI document know about one operation. */
export interface RouteSpec<B = unknown, Q = unknown> {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `/api/v1/instances/{id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: Text;
  description?: Text;
  access: Access;
  params?: Record<string, ParamSpec>;
  query?: Schema<Q>;
  body?: { kind: 'json'; schema: Schema<B> } | { kind: 'yaml' };
  headers?: HeaderSpec[];
  responses: ResponseSpec[];
}
