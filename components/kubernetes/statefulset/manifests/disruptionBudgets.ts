/** PodDisruptionBudgets. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type { NodeGroup, Pool, SelfHostedTopology } from "../../../topology/types";
import { baseLabels, groupSelector, poolSelector } from "../../conventions";

/**
 * Primary: never evicted voluntarily. There is no automatic failover, so a node
 * drain that takes the primary is a write outage; it should be a human decision
 * (cordon, promote or accept the restart, then delete the pod).
 * Replica groups: one pod at a time. Single-pod groups (the OLAP replica) get none:
 * a budget of one would only block drains.
 */
export function groupDisruptionBudget(
  topology: SelfHostedTopology,
  group: NodeGroup,
): k8s.policy.v1.PodDisruptionBudgetArgs | undefined {
  const metadata = {
    name: group.name,
    namespace: topology.kubernetes.namespace,
    labels: baseLabels(topology, "postgresql"),
  };
  const selector = { matchLabels: groupSelector(topology, group) };
  if (group.role === "primary") return { metadata, spec: { selector, maxUnavailable: 0 } };
  if (group.members.length < 2) return undefined;
  return { metadata, spec: { selector, maxUnavailable: 1 } };
}

export function poolDisruptionBudget(
  topology: SelfHostedTopology,
  pool: Pool,
): k8s.policy.v1.PodDisruptionBudgetArgs | undefined {
  if (pool.instances < 2) return undefined;
  return {
    metadata: {
      name: pool.service,
      namespace: topology.kubernetes.namespace,
      labels: baseLabels(topology, "pgbouncer"),
    },
    spec: { selector: { matchLabels: poolSelector(topology, pool) }, maxUnavailable: 1 },
  };
}
