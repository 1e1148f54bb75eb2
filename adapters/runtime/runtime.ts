import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { AuditPartitions } from '../audit/audit-partitions.ts';
import { AdapterError } from '../errors.ts';
import type { Database } from '../storage/database.ts';
import { applyCommands, type ApplyContext } from './apply-commands.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Command, CommandOutcome, CommandResult } from './commands.ts';
import { DefinitionRegistry, type StoredDefinition } from './definition-registry.ts';
import { defaultEngine, type Actor, type CompiledDefinition, type EnginePort } from './engine-port.ts';
import { GroupCommitter, type GroupCommitOptions } from './group-commit.ts';
import { applyAutocommit } from './apply-autocommit.ts';
import { InstanceCache, ReceiptPool } from './instance-cache.ts';

export interface RuntimeOptions {
  db: Kysely<Database>;
  /** Default: the engine in `engine/`. */
  engine?: EnginePort;
  /** Default: the host's wall clock. */
  clock?: Clock;
  /** Compiles a stored definition that is not in memory (instances pinned to older versions). */
  compileStored?: (row: StoredDefinition) => CompiledDefinition;
  /** Region of instances whose start names none and whose actor has none. Default `default`. */
  defaultRegion?: string;
  /** Share transactions among concurrent commands. Default off: one transaction per command. */
  groupCommit?: GroupCommitOptions | false;
  /**
   * Instance rows remembered after this runtime's own commits, so the next command on them
   * needs no read (the write's version check still decides). Default 10,000; 0 turns it off.
   */
  cacheSize?: number;
  /**
   * Called after a transaction of this runtime committed a command that wrote (e.g. to wake the
   * outbox relay, `relay.wake()`). Not called for commands run in a caller's transaction.
   */
  onCommitted?: () => void;
}

export interface StartOptions {
  idempotencyKey?: string;
  businessKey?: string;
  /** Default: the definition's department. */
  department?: string;
  /** Default: the actor's region, else the definition's, else the runtime's default. */
  region?: string;
  /** Default: a fresh UUID. @throws RangeError from `start` when it is not a UUID. */
  instanceId?: string;
  /** Run inside the caller's transaction (it commits or rolls back; a savepoint guards ours). */
  trx?: Transaction<Database>;
}

export interface SendOptions {
  actor: Actor;
  payload?: Record<string, unknown>;
  idempotencyKey?: string;
  /** Refuse with `ConflictError` unless the instance is at this version. */
  expectedVersion?: number;
  trx?: Transaction<Database>;
}

/** The durable runtime: commands in, one transaction each (or shared, with group commit). */
export interface Runtime {
  readonly registry: DefinitionRegistry;
  /** Records a definition version as published (idempotent) and makes it startable. */
  publish(def: CompiledDefinition, publishedBy: Actor, trx?: Transaction<Database>): Promise<{ hash: string; created: boolean }>;
  start(def: CompiledDefinition, data: Record<string, unknown>, actor: Actor, options?: StartOptions): Promise<CommandResult>;
  send(instanceId: string, event: string, options: SendOptions): Promise<CommandResult>;
  /** Applies prepared commands in `trx` (the timer scheduler's path), outcome per command. */
  applyIn(trx: Transaction<Database>, commands: readonly Command[]): Promise<CommandOutcome[]>;
  /**
   * Makes sure, in a transaction of its own, that the audit partitions of the month holding `at`
   * (epoch ms) and of the next exist, and remembers it: this runtime's commands of that month
   * then do not check again inside their transactions.
   */
  prepareAuditMonth(at: number): Promise<void>;
  /** Waits for queued group-commit batches; further commands are refused. */
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Creates the runtime over a migrated database. A definition is published (`publish`, or
 * implicitly by its first `start` in this process) before instances of it start.
 *
 * `start` and `send` resolve once the command's transaction committed and reject with the
 * engine's `EngineError`, `ConflictError` (code `CONFLICT`) or `AdapterError`; a rejected
 * command wrote nothing. A repeated idempotency key resolves with the first result
 * (`duplicate: true`) and writes nothing.
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const clock = options.clock ?? systemClock;
  const registry = new DefinitionRegistry(options.compileStored);
  const ctx: ApplyContext = {
    engine: options.engine ?? defaultEngine,
    registry,
    partitions: new AuditPartitions(),
    cache: new InstanceCache(options.cacheSize ?? 10_000),
    receipts: new ReceiptPool(options.cacheSize === 0 ? 0 : 32),
    now: () => clock.now(),
  };
  const committer = options.groupCommit ? new GroupCommitter(options.db, ctx, options.groupCommit) : undefined;

  const run = async (command: Command, trx: Transaction<Database> | undefined): Promise<CommandResult> => {
    let outcome: CommandOutcome | undefined;
    if (trx) [outcome] = await applyCommands(trx, [command], ctx, { savepoints: true });
    else if (committer) outcome = await committer.submit(command);
    else [outcome] = await applyAutocommit(options.db, [command], ctx);
    if (!outcome) throw new Error('internal: no outcome');
    if (!outcome.ok) throw outcome.error;
    if (!trx && !outcome.result.duplicate) options.onCommitted?.();
    return outcome.result;
  };

  return {
    registry,
    publish: (def, publishedBy, trx) => registry.publish(trx ?? options.db, def, publishedBy, clock.now()),
    async start(def, data, actor, opts = {}) {
      if (opts.instanceId !== undefined && !UUID.test(opts.instanceId)) {
        throw new RangeError(`实例编号须为 UUID instanceId must be a UUID: ${opts.instanceId}`);
      }
      // A definition this process has not published yet is published now (idempotent; refused
      // if that version was published with other content), with the starting actor as publisher.
      if (!registry.get(def.id, def.version)) await registry.publish(opts.trx ?? options.db, def, actor, clock.now());
      return run(
        {
          kind: 'start',
          instanceId: opts.instanceId?.toLowerCase() ?? randomUUID(),
          definition: def,
          data,
          actor,
          department: opts.department ?? def.department,
          region: opts.region ?? actor.region ?? def.region ?? options.defaultRegion ?? 'default',
          ...(opts.businessKey !== undefined ? { businessKey: opts.businessKey } : {}),
          ...(opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {}),
        },
        opts.trx,
      );
    },
    send(instanceId, event, opts) {
      if (!UUID.test(instanceId)) {
        return Promise.reject(
          new AdapterError('INSTANCE_NOT_FOUND', `未找到实例 ${instanceId} instance ${instanceId} not found`, { instanceId }),
        );
      }
      return run(
        {
          kind: 'send',
          instanceId: instanceId.toLowerCase(),
          event: { type: event, ...(opts.payload ? { payload: opts.payload } : {}) },
          actor: opts.actor,
          ...(opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {}),
          ...(opts.expectedVersion !== undefined ? { expectedVersion: opts.expectedVersion } : {}),
        },
        opts.trx,
      );
    },
    applyIn: (trx, commands) => applyCommands(trx, commands, ctx, { savepoints: true }),
    prepareAuditMonth: (at) => ctx.partitions.ensure(options.db, [at]),
    async close() {
      await committer?.close();
    },
  };
}
