/** PodDisruptionBudgets. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type { NodeGroup, Pool, SelfHostedTopology } from "../../../topology/types";
import { ROLE_LABEL, WRITER_ROLE, baseLabels, groupSelector, poolSelector, roleSelector } from "../../conventions";

type Budget = k8s.policy.v1.PodDisruptionBudgetArgs;

/**
 * A drain asks the eviction API, which lets a pod go only as its one budget allows (facts/kubernetes/eviction.ts):
 * two budgets over one pod refuse every eviction with an error, so the budgets never overlap.
 *
 * - The writer, wherever it runs (the pod labelled with the writer's role: the primary's, or the pod a failover
 *   relabelled): never evicted voluntarily (maxUnavailable 0), Ready or not (IfHealthyBudget lets an unready pod go
 *   only while its budget is healthy, which a budget that wants every pod it expects never is without that pod).
 *   There is no automatic failover, so a drain that takes the writer is a write outage; it should be a human
 *   decision (a switchover, then the drain). The budget keeps the primary group's name.
 * - Replica groups: one standby at a time, by the group's role (so never the relabelled writer). maxUnavailable
 *   counts the StatefulSet's whole scale as expected (the disruption controller's arithmetic), so in the group
 *   holding the writer it would allow nothing: there the budget says minAvailable, the group's standbys but one.
 *   Until the stack's config names the writer there, the group's standbys stay undrainable (safe; in the README).
 *   Single-pod groups (the OLAP replica) get none: a budget of one would only block drains.
 */
export function groupDisruptionBudget(topology: SelfHostedTopology, group: NodeGroup): Budget | undefined {
  const metadata = metadataOf(topology, group.name);
  const policy = { unhealthyPodEvictionPolicy: "IfHealthyBudget" };
  if (group.role === "primary") {
    const selector = { matchLabels: roleSelector(topology, WRITER_ROLE) };
    return { metadata, spec: { selector, maxUnavailable: 0, ...policy } };
  }
  const standbys = group.members.filter((member) => member.name !== topology.kubernetes.writer).length;
  if (group.members.length < 2 || standbys < 1) return undefined;
  const selector = { matchLabels: { ...groupSelector(topology, group), [ROLE_LABEL]: group.role } };
  const allowance = standbys < group.members.length ? { minAvailable: standbys - 1 } : { maxUnavailable: 1 };
  return { metadata, spec: { selector, ...allowance, ...policy } };
}

function metadataOf(topology: SelfHostedTopology, name: string) {
  return { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") };
}

export function poolDisruptionBudget(topology: SelfHostedTopology, pool: Pool): Budget | undefined {
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
