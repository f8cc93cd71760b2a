/** The output keys every backend fills the same way, from the Topology alone. */
import type { StackOutputs } from "../contract/stackOutputs";
import type { Topology } from "../topology/types";

export type CommonOutputs = Pick<StackOutputs, "database" | "user" | "topologyHash" | "verification" | "capacity">;

export function commonOutputs(topology: Topology): CommonOutputs {
  return {
    database: topology.database,
    user: topology.user,
    topologyHash: topology.hash,
    verification: { ...topology.verification },
    ...(topology.capacity
      ? { capacity: { requiredReplicas: topology.capacity.requiredReplicas, formula: topology.capacity.formula } }
      : {}),
  };
}
