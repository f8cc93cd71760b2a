/**
 * Where a Cluster's instances may run and what may evict them: one instance per node (the operator's anti-affinity),
 * instances spread across zones, the OLAP instance never on a node of the main Cluster, and no PodDisruptionBudget
 * that would block a node drain for good. Pure.
 */
import type { SelfHostedTopology } from "../../topology/types";
import { CNPG_AVAILABILITY } from "../../facts/cnpg/availability";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import type { ClusterSpec } from "./cluster";
import { type ClusterPlan, cnpgNames } from "./plan";

const HOSTNAME = "kubernetes.io/hostname";

/**
 * antiAffinity required: a Pending instance rather than two in one zone (nodes need the zone label); preferred: spread
 * where the nodes allow (a cluster without zones, kind, a single zone).
 */
function zoneSpread(topology: SelfHostedTopology, plan: ClusterPlan): Pick<ClusterSpec, "topologySpreadConstraints"> {
  if (plan.instances < 2) return {};
  const { strict, preferred } = CNPG_AVAILABILITY.spreadStrictness.value;
  return {
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: CNPG_AVAILABILITY.topologySpread.value.zoneKey,
        whenUnsatisfiable: topology.kubernetes.antiAffinity === "required" ? strict : preferred,
        labelSelector: { matchLabels: { [CNPG_OPERATOR.labels.value.cluster]: plan.name } },
      },
    ],
  };
}

/**
 * The OLAP instance (large, long analytic queries) never shares a node with any instance of the main Cluster, the
 * primary among them: the operator's own anti-affinity only keeps apart the instances of one Cluster.
 */
function awayFromMain(topology: SelfHostedTopology, plan: ClusterPlan): NonNullable<ClusterSpec["affinity"]> {
  if (plan.kind !== "replica" || plan.role !== "olap" || plan.remote) return {};
  const term = {
    labelSelector: { matchLabels: { [CNPG_OPERATOR.labels.value.cluster]: cnpgNames.main(topology) } },
    topologyKey: HOSTNAME,
  };
  return {
    additionalPodAntiAffinity:
      topology.kubernetes.antiAffinity === "required"
        ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
  };
}

/**
 * A Cluster of one instance cannot switch over, so the operator's primary PDB (minAvailable 1) would block its node's
 * drain until someone deletes the PDB; without it a drain restarts that instance elsewhere (a read outage of that
 * Cluster, no data lost: its volume follows).
 */
function disruption(plan: ClusterPlan): Pick<ClusterSpec, "enablePDB"> {
  return plan.instances === 1 ? { enablePDB: false } : {};
}

export function placement(
  topology: SelfHostedTopology,
  plan: ClusterPlan,
): Pick<ClusterSpec, "affinity" | "topologySpreadConstraints" | "enablePDB"> {
  return {
    affinity: {
      enablePodAntiAffinity: true,
      podAntiAffinityType: topology.kubernetes.antiAffinity,
      topologyKey: HOSTNAME,
      ...awayFromMain(topology, plan),
    },
    ...zoneSpread(topology, plan),
    ...disruption(plan),
  };
}
