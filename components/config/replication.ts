/** Replication settings as the builder and renderers read them: sizes in bytes, the base-backup rate in both forms. */
import type { SelfHostedConfig } from "./schema";

export interface ResolvedReplication {
  synchronousCommit: "off" | "local" | "on" | "remote_write" | "remote_apply";
  synchronousReplicas: number;
  walKeepSizeBytes: number;
  maxSlotWalKeepSizeBytes: number;
  maxLagBytes: number;
  basebackupMaxRate: string;
  /** The same rate in bytes per second (pg_basebackup's k and M are 1024 and 1024²). */
  basebackupBytesPerS: number;
}

export function resolveReplication(given: SelfHostedConfig["replication"]): ResolvedReplication {
  return {
    synchronousCommit: given.synchronousCommit,
    synchronousReplicas: given.synchronousReplicas,
    walKeepSizeBytes: given.walKeepSize,
    maxSlotWalKeepSizeBytes: given.maxSlotWalKeepSize,
    maxLagBytes: given.maxLagBytes,
    basebackupMaxRate: given.basebackupMaxRate,
    basebackupBytesPerS:
      Number(given.basebackupMaxRate.slice(0, -1)) * (given.basebackupMaxRate.endsWith("M") ? 1024 * 1024 : 1024),
  };
}
