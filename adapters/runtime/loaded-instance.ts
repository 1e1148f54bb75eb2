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
