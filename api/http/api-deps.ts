import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { RealtimeBus } from '../../adapters/bus/realtime-bus.ts';
import type { Clock } from '../../adapters/runtime/clock.ts';
import type { Runtime } from '../../adapters/runtime/runtime.ts';
import type { Database } from '../../adapters/storage/database.ts';
import type { Throttle } from './auth/throttle.ts';
import type { SupervisionDeps } from './dashboard/supervision-deps.ts';
import type { DefinitionCatalog } from './definitions/definition-catalog.ts';

/** Everything the HTTP API works with; the server wires the real ones, tests their own. */
export interface ApiDeps {
  db: Kysely<Database>;
  runtime: Runtime;
  bus: RealtimeBus;
  catalog: DefinitionCatalog;
  clock: Clock;
  logger: Logger;
  /** Region of public submissions that name none and whose definition has none. */
  defaultRegion: string;
  /** Called after a command committed (the server wakes the outbox relay with it). */
  afterCommit?: () => void;
  /** Directory the dashboard is served from. Default `api/http/public`. */
  publicDir?: string;
  /** The server's metrics and escalation policy, for `/metrics` and the supervision routes. */
  supervision?: SupervisionDeps;
  /** Request rates and verification-code attempts; `createApi` sets it from its `limits` option. */
  throttle?: Throttle;
}
