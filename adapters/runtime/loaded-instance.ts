import type { InstanceSnapshot } from './engine-port.ts';

/** An instance row as a command loads it, before the engine runs. */
export interface LoadedInstance {
  id: string;
  definitionId: string;
  definitionVersion: number;
  region: string;
  department: string;
  receiptNo: string;
  status: string;
  outcome: string | null;
  snapshot: InstanceSnapshot;
  version: number;
  auditHead: string;
}

/**
 * An instance row as the timer claim reads it: the snapshot still the JSON text stored, parsed
 * only when the engine runs on it, so that a claimed batch holds text, not object trees.
 */
export interface StoredInstance extends Omit<LoadedInstance, 'snapshot'> {
  snapshotJson: string;
}

/**
 * The row with its snapshot parsed.
 *
 * @throws SyntaxError when the stored snapshot is not JSON.
 */
export function parseStored(row: StoredInstance): LoadedInstance {
  return {
    id: row.id,
    definitionId: row.definitionId,
    definitionVersion: row.definitionVersion,
    region: row.region,
    department: row.department,
    receiptNo: row.receiptNo,
    status: row.status,
    outcome: row.outcome,
    snapshot: JSON.parse(row.snapshotJson) as LoadedInstance['snapshot'],
    version: row.version,
    auditHead: row.auditHead,
  };
}
