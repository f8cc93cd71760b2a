/** PodDisruptionBudgets. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type { NodeGroup, Pool, SelfHostedTopology } from "../../../topology/types";
import { LABEL_PREFIX, SERVING, SERVING_LABEL, baseLabels, groupSelector, poolSelector } from "../../conventions";
import { mayBeWriter } from "./databasePod";

type Budget = k8s.policy.v1.PodDisruptionBudgetArgs;

/**
 * A drain asks the eviction API, which lets a pod go only as its one budget allows (facts/kubernetes/eviction.ts):
 * two budgets over one pod refuse every eviction with an error, so the budgets never overlap.
 *
 * - The primary's group: never evicted voluntarily (maxUnavailable 0). There is no automatic failover, so a drain
 *   that takes the writer is a write outage; it should be a human decision (a switchover, then the drain).
 * - The writer in a replica group (after a failover or switchover; the pod labelled to serve as the writer): its own
 *   budget, maxUnavailable 0, whether Ready or not (IfHealthyBudget lets an unready pod go only while its budget is
 *   healthy, which a budget that wants every pod it expects never is without that pod).
 * - Replica groups: one standby at a time, the writer excluded (`serving NotIn writer`, which also covers a pod from
 *   before the serving label existed). maxUnavailable counts the StatefulSet's whole scale as expected (the
 *   disruption controller's arithmetic), so in the group holding the writer it would allow nothing: there the budget
 *   says minAvailable, the group's standbys but one. Until the stack's config names the writer, the group's
 *   standbys stay undrainable (safe, and said in the README). Single-pod groups (the OLAP replica) get
 *   none: a budget of one would only block drains.
 */
export function groupDisruptionBudget(topology: SelfHostedTopology, group: NodeGroup): Budget | undefined {
  const metadata = metadataOf(topology, group.name);
  if (group.role === "primary")
    return { metadata, spec: { selector: { matchLabels: groupSelector(topology, group) }, maxUnavailable: 0 } };
  const standbys = group.members.filter((member) => member.name !== topology.kubernetes.writer).length;
  if (group.members.length < 2 || standbys < 1) return undefined;
  const selector = {
    matchLabels: groupSelector(topology, group),
    ...(mayBeWriter(group)
      ? { matchExpressions: [{ key: SERVING_LABEL, operator: "NotIn", values: [SERVING.writer] }] }
      : {}),
  };
  const allowance = standbys < group.members.length ? { minAvailable: standbys - 1 } : { maxUnavailable: 1 };
  return { metadata, spec: { selector, ...allowance, unhealthyPodEvictionPolicy: "IfHealthyBudget" } };
}

/** The writer's budget when a replica group may hold it (the primary's group has its own): nothing evicts it. */
export function writerDisruptionBudget(topology: SelfHostedTopology, primaryGroup: NodeGroup): Budget {
  return {
    metadata: metadataOf(topology, `${topology.name}-writer`),
    spec: {
      selector: {
        matchLabels: {
          "app.kubernetes.io/instance": topology.name,
          "app.kubernetes.io/name": "postgresql",
          [SERVING_LABEL]: SERVING.writer,
        },
        matchExpressions: [{ key: `${LABEL_PREFIX}/group`, operator: "NotIn", values: [primaryGroup.name] }],
      },
      maxUnavailable: 0,
      unhealthyPodEvictionPolicy: "IfHealthyBudget",
    },
  };
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
