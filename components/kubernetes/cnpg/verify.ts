/**
 * What a region's verification Job checks on the cloudnative-pg engine. The same
 * script as the StatefulSet engine's; only identities differ: every instance of a
 * Cluster reports cluster_name = the Cluster's name, the operator names and slots
 * the main Cluster's standbys itself (<cluster>-<n> on _cnpg_<cluster>_<n>), and a
 * replica cluster streams without a slot under the application_name it was given. The region whose Cluster is the
 * writer (kubernetes.cloudnativePg.primaryRegion, writerRegion.ts) runs in primary mode, every other one, the stack's
 * own region once demoted included, in replica mode. Pure.
 */
import type { ServiceReader, StreamingExpectation, VerifyTargets } from "../../render/verifyScript";
import type { Pool, Region, SelfHostedTopology } from "../../topology/types";
import { POOL_SERVICE_PORT, serviceHost } from "../conventions";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { type ClusterPlan, clusterPlans, cnpgNames } from "./plan";
import { primaryMember } from "./distributed";
import { holdsWriter, poolerTarget, poolsOf } from "./writerRegion";

const SLOT_PREFIX = CNPG_OPERATOR.instanceNaming.value.slotPrefix;

function readerOf(topology: SelfHostedTopology, plan: ClusterPlan): ServiceReader[] {
  const endpoint = (type: "ro" | "r") => ({
    host: serviceHost(cnpgNames.service(plan.name, type), topology.kubernetes),
    port: topology.port,
  });
  if (plan.name === primaryMember(topology).cluster) {
    // -ro: the writer's Cluster's replicas, each on its HA slot.
    return plan.instances > 1
      ? [
          {
            label: cnpgNames.service(plan.name, "ro"),
            endpoint: endpoint("ro"),
            slotPattern: `${SLOT_PREFIX}${plan.name.replace(/-/g, "_")}_[0-9]*`,
          },
        ]
      : [];
  }
  // -r: every instance of a replica cluster (a demoted main Cluster too); its designated primary streams without a
  // slot, the others on HA slots.
  return [
    { label: cnpgNames.service(plan.name, "r"), endpoint: endpoint("r"), slotPattern: plan.instances > 1 ? "*" : "" },
  ];
}

function streamingOf(topology: SelfHostedTopology, plan: ClusterPlan): StreamingExpectation[] {
  if (plan.name === primaryMember(topology).cluster)
    return [
      { kind: "instances", cluster: plan.name, count: plan.instances - 1, slotPrefix: SLOT_PREFIX, role: "oltp" },
    ];
  // A demoted main Cluster never sits beside the writer's Cluster; other regions' replica clusters are verified by
  // their own region's Job, as on the StatefulSet engine.
  if (plan.kind === "main" || plan.remote) return [];
  return [{ kind: "replicaCluster", applicationName: plan.name, role: plan.role }];
}

/**
 * A pool lands on instances whose cluster_name is its Cluster's name: the writer's, a replica's or the OLAP Cluster's.
 */
export function poolExpectationOf(topology: SelfHostedTopology, pool: Pool): { names: string[]; inRecovery: boolean } {
  return { names: [poolerTarget(topology, pool).cluster], inRecovery: pool.target !== "primary" };
}

export function cnpgVerifyTargets(topology: SelfHostedTopology, region: Region): VerifyTargets {
  const plans = clusterPlans(topology, region);
  const readers = plans.flatMap((plan) => readerOf(topology, plan));
  const pools = poolsOf(topology, region).map((pool) => ({
    pool,
    endpoint: { host: serviceHost(pool.service, topology.kubernetes), port: POOL_SERVICE_PORT },
    expect: poolExpectationOf(topology, pool),
  }));
  if (!holdsWriter(topology, region)) return { mode: "replica", region: region.name, readers, pools };
  const writer = {
    host: serviceHost(cnpgNames.service(primaryMember(topology).cluster, "rw"), topology.kubernetes),
    port: topology.port,
  };
  const streaming = plans.flatMap((plan) => streamingOf(topology, plan));
  return { mode: "primary", region: region.name, writer, readers, pools, streaming };
}
