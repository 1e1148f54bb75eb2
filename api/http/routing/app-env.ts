import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.ts';

/** Per-request values hono carries between middleware and handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    principal?: Principal;
    /** The case a request is about, for the request log. */
    instanceId?: string;
    /** The route pattern that matched (OpenAPI form), for logs and the security audit. */
    action?: string;
  };
}
