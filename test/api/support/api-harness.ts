import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { createToken, type TokenRole } from '../../../adapters/auth/api-tokens.ts';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import { findProcessFiles, readSources } from '../../../adapters/definition-files.ts';
import { TestClock } from '../../../adapters/runtime/clock.ts';
import { compileStoredWith } from '../../../adapters/runtime/compile-stored.ts';
import { SYSTEM_ACTOR } from '../../../adapters/runtime/engine-port.ts';
import { createRuntime, type Runtime } from '../../../adapters/runtime/runtime.ts';
import { formatDiagnostic, loadDefinitions, type CompiledDefinition } from '../../../engine/index.ts';
import { createApi, type Api } from '../../../api/http/app.ts';
import { DEFAULT_LIMITS, type AbuseLimits } from '../../../api/http/auth/abuse-limits.ts';
import { DefinitionCatalog } from '../../../api/http/definitions/definition-catalog.ts';
import { createLogger } from '../../../api/http/logging/logger.ts';
import { openTestStore, type BackendKind, type TestStore } from '../../support/test-database.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
export const calendars = loadCalendarsFromDir(path.join(ROOT, 'processes/calendars'));
export const templateSources = readSources(findProcessFiles([path.join(ROOT, 'processes/templates')]).definitions, ROOT);

/** Departments of the tests: A owns the fixture process, B is another department, C co-signs. */
export const DEPT_A = 'market-regulation';
export const DEPT_B = 'transport';
export const DEPT_C = 'ecology';
export const REGION = '520000';
export const OTHER_REGION = '530000';
export const ROLES: readonly TokenRole[] = ['designer', 'window', 'chief-representative', 'officer', 'head', 'supervisor', 'auditor', 'admin'];
export const T0 = Date.parse('2026-03-02T01:00:00Z');

/** Compiles a fixture under `test/api/fixtures` (templates from `processes/templates`). */
export function loadApiFixture(name: string): CompiledDefinition {
  const file = path.join(ROOT, 'test/api/fixtures', `${name}.yaml`);
  const { definitions, diagnostics } = loadDefinitions([{ path: path.relative(ROOT, file), text: readFileSync(file, 'utf8') }, ...templateSources], { calendars });
  const def = definitions.find((d) => d.file.endsWith(`${name}.yaml`));
  if (!def || diagnostics.length > 0) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  return def;
}

export interface CallOptions {
  token?: string;
  json?: unknown;
  /** A raw body (string or bytes) with its content type. */
  raw?: { body: string | Uint8Array; type?: string };
  yaml?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test responses are inspected field by field
  text: string;
  headers: Headers;
}

export interface Harness {
  store: TestStore;
  runtime: Runtime;
  clock: TestClock;
  api: Api;
  logLines: string[];
  logger: Logger;
  def: CompiledDefinition;
  /** token text by `<role>@<department>` (region 520000) and `<role>@<department>@<region>`. */
  tokens: Map<string, string>;
  token(role: TokenRole, department?: string, region?: string): string;
  call(method: string, url: string, options?: CallOptions): Promise<CallResult>;
  close(failed: boolean): Promise<void>;
}

/**
 * Opens a migrated test database and the API over it, with the fixture published and tokens for every role.
 * `limits` default to the service's own defaults (`DEFAULT_LIMITS`, not the environment's).
 */
export async function openHarness(label: string, kind: BackendKind = 'pglite', options: { limits?: AbuseLimits } = {}): Promise<Harness> {
  const store = await openTestStore(kind, label);
  const clock = new TestClock(T0);
  // As the server runs it: commands of concurrent requests share transactions.
  const runtime = createRuntime({ db: store.db, clock, compileStored: compileStoredWith(calendars), defaultRegion: REGION, groupCommit: {} });
  const def = loadApiFixture('api-permit');
  await runtime.publish(def, SYSTEM_ACTOR);
  const logLines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(line) } });
  const catalog = new DefinitionCatalog({ db: store.db, runtime, calendars, templates: templateSources });
  const api = createApi({ db: store.db, runtime, bus: store.bus, catalog, clock, logger, defaultRegion: REGION }, { limits: options.limits ?? DEFAULT_LIMITS });
  const tokens = new Map<string, string>();
  for (const department of [DEPT_A, DEPT_B, DEPT_C]) {
    for (const role of ROLES) {
      const issued = await createToken(store.db, { role, department, region: REGION, name: `${role}-${department}`, createdBy: 'test' }, T0);
      tokens.set(`${role}@${department}`, issued.token);
    }
  }
  for (const role of ['supervisor', 'auditor', 'window'] as const) {
    const issued = await createToken(store.db, { role, department: DEPT_A, region: OTHER_REGION, name: `${role}-far`, createdBy: 'test' }, T0);
    tokens.set(`${role}@${DEPT_A}@${OTHER_REGION}`, issued.token);
  }
  const token = (role: TokenRole, department = DEPT_A, region?: string) => {
    const t = tokens.get(region ? `${role}@${department}@${region}` : `${role}@${department}`);
    if (!t) throw new Error(`no test token for ${role}@${department}${region ? `@${region}` : ''}`);
    return t;
  };
  const call = async (method: string, url: string, options: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.yaml !== undefined) {
      body = options.yaml;
      headers['content-type'] ??= 'application/yaml';
    } else if (options.raw) {
      body = options.raw.body;
      if (options.raw.type) headers['content-type'] = options.raw.type;
    }
    const response = await api.app.request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown = undefined;
    if ((response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: response.status, body: parsed, text, headers: response.headers };
  };
  return {
    store,
    runtime,
    clock,
    api,
    logLines,
    logger,
    def,
    tokens,
    token,
    call,
    async close(failed) {
      await api.streams.close();
      await runtime.close();
      await store.dispose(failed);
    },
  };
}

/** Actors matching the test tokens, for setting cases up through the runtime directly. */
export function actor(role: TokenRole | 'applicant', department = DEPT_A): { id: string; role: string; department?: string; region: string } {
  return role === 'applicant' ? { id: 'applicant:test', role, region: REGION } : { id: `${role}-${department}`, role, department, region: REGION };
}

/** Starts a fixture case and moves it to `to` through the runtime (no HTTP). Returns its id. */
export async function caseAt(h: Harness, to: 'received' | 'review' | 'joint' | 'decision' | 'delivery' | 'approved'): Promise<string> {
  const { instanceId } = await h.runtime.start(h.def, { applicant: { name: '张三', idNumber: '520102199001011234', phone: '13812345678' } }, actor('window'), { region: REGION });
  const order = ['received', 'review', 'joint', 'decision', 'delivery', 'approved'];
  const target = order.indexOf(to);
  if (target >= 1) await h.runtime.send(instanceId, 'accept', { actor: actor('window') });
  if (target >= 2) await h.runtime.send(instanceId, 'submit', { actor: actor('officer') });
  if (target >= 3) {
    await h.runtime.send(instanceId, 'task.complete', { actor: actor('officer'), payload: { decision: 'approve' } });
    await h.runtime.send(instanceId, 'task.complete', { actor: actor('officer', DEPT_C), payload: { decision: 'approve' } });
  }
  if (target >= 4) await h.runtime.send(instanceId, 'approve', { actor: actor('head') });
  if (target >= 5) await h.runtime.send(instanceId, 'deliver', { actor: actor('window') });
  return instanceId;
}
