/** The output keys every backend fills the same way, from the Topology alone. */
import type { BackupOutputs, StackOutputs } from "../contract/stackOutputs";
import type { Backup, Topology } from "../topology/types";

export type CommonOutputs = Pick<
  StackOutputs,
  "database" | "user" | "topologyHash" | "verification" | "capacity" | "backup"
>;

function backupOutputs(backup: Backup): BackupOutputs {
  if (backup.tool === "aurora") return { tool: "aurora" };
  return { tool: backup.tool, archiveTimeoutSeconds: backup.archiveTimeoutSeconds, schedule: backup.schedule };
}

export function commonOutputs(topology: Topology): CommonOutputs {
  return {
    database: topology.database,
    user: topology.user,
    topologyHash: topology.hash,
    verification: { ...topology.verification },
    ...(topology.capacity
      ? { capacity: { requiredReplicas: topology.capacity.requiredReplicas, formula: topology.capacity.formula } }
      : {}),
    ...(topology.backup ? { backup: backupOutputs(topology.backup) } : {}),
  };
}
