import type { Migration } from './migration.ts';
import { migration0001 } from './0001-definitions-instances.ts';
import { migration0002 } from './0002-audit-events.ts';
import { migration0003 } from './0003-worklist-timers-outbox.ts';
import { migration0004 } from './0004-idempotency-retention.ts';
import { migration0010 } from './0010-api-tokens.ts';
import { migration0011 } from './0011-security-audit.ts';
import { migration0012 } from './0012-receipt-codes.ts';
import { migration0013 } from './0013-alert-acknowledgements.ts';
import { migration0014 } from './0014-outbox-positions.ts';
import { migration0015 } from './0015-code-attempts.ts';
import { migration0020 } from './0020-stats-projections.ts';
import { migration0021 } from './0021-stats-monthly.ts';
import { migration0022 } from './0022-stats-department-rollups.ts';
import { migration0023 } from './0023-stats-board-columns.ts';
import { migration0030 } from './0030-alert-escalation.ts';
import { migration0032 } from './0032-code-attempts-per-client.ts';
import { migration0033 } from './0033-outbox-position-key.ts';
import { migration0034 } from './0034-instances-hot-updates.ts';
import { migration0035 } from './0035-instance-snapshot-json.ts';
import { migration0036 } from './0036-feed-from-audit.ts';
import { migration0037 } from './0037-timers-tie-order.ts';
import { migration0038 } from './0038-audit-partitions-unlocked-check.ts';

export type { Migration } from './migration.ts';

/**
 * Every migration, bundled by static import so the embedded database and a bundled build
 * need no migrations folder on disk. Append only; numbers ascend and are never reused (areas of
 * the code take their own ranges, so numbers may skip).
 */
export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0010,
  migration0011,
  migration0012,
  migration0013,
  migration0014,
  migration0015,
  migration0020,
  migration0021,
  migration0022,
  migration0023,
  migration0030,
  migration0032,
  migration0033,
  migration0034,
  migration0035,
  migration0036,
  migration0037,
  migration0038,
];
