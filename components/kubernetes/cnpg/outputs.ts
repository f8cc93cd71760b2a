/**
 * StackOutputs on the cloudnative-pg engine: the same keys and meanings as the
 * StatefulSet engine's. Readers are Services (the operator names and replaces
 * instances itself, and elects the writer): the main Cluster's -ro for its OLTP
 * replicas, each replica cluster's -r. The writer, the write pool and which region is
 * the primary follow kubernetes.cloudnativePg.primaryRegion (writerRegion.ts). Notes
 * say what differs from the topology. Pure.
 */
import { type Endpoint, type PlainOutputs } from "../../contract/stackOutputs";
import { commonOutputs } from "../../outputs/commonOutputs";
import type { SelfHostedTopology } from "../../topology/types";
import { POOL_SERVICE_PORT, serviceHost } from "../conventions";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { clusterParameters, realisedElsewhere } from "./parameters";
import { clusterPlans, cnpgNames } from "./plan";
import { primaryMember } from "./distributed";
import { holdsWriter, poolerTarget } from "./writerRegion";
import { barmanBackup } from "./backup";

const SLOT_PREFIX = CNPG_OPERATOR.instanceNaming.value.slotPrefix;

function notes(topology: SelfHostedTopology): string[] {
  const plans = topology.regions.flatMap((region) => clusterPlans(topology, region));
  const replicaClusters = plans.filter((p) => p.kind === "replica").map((p) => p.name);
  const read = topology.pools.read;
  const lines = [
    `kubernetes.engine cloudnative-pg: CloudNativePG ${CNPG_OPERATOR.version.value} elects the writer of Cluster ${cnpgNames.main(topology)} and fails over automatically (with fencing) among its instances; ${cnpgNames.service(cnpgNames.main(topology), "rw")} and the write pool follow it`,
    "readers are the Clusters' Services: the operator names instances <cluster>-<n> and streams them on its own HA slots (_cnpg_*)",
    ...realisedElsewhere(),
    ...[...new Set(plans.flatMap((plan) => clusterParameters(plan).notes))],
  ];
  if (replicaClusters.length > 0) {
    lines.push(
      `replica clusters (${replicaClusters.join(", ")}) stream without a replication slot (CloudNativePG has none for them): the primary keeps WAL for them only up to wal_keep_size; ${
        barmanBackup(topology)
          ? "a gap beyond it is filled from the Barman Cloud archive (their source has the plugin), not by a new clone"
          : "a gap beyond it needs a new clone (enable backup to fill it from the archive)"
      }`,
    );
  }
  lines.push(
    `replication.basebackupMaxRate (${topology.replication.basebackupMaxRate}) does not throttle the operator's clones (its pg_basebackup has no --max-rate); Pulumi awaits each Cluster as if it did`,
  );
  if (topology.regions.some((r) => !r.primary))
    lines.push(
      "CloudNativePG does no failover across Kubernetes clusters: another region's replica cluster is promoted declaratively",
    );
  const writer = primaryMember(topology);
  if (writer.region !== topology.region)
    lines.push(
      `the writer is Cluster ${writer.cluster} in ${writer.region} (kubernetes.cloudnativePg.primaryRegion): the write pool runs there only, and ${topology.region}'s Clusters replicate from it`,
    );
  if (read.statementTimeoutMs !== undefined) {
    lines.push(
      `the read pool's statement timeout is PgBouncer's query_timeout (${Math.ceil(read.statementTimeoutMs / 1000)} s): a Pooler has only the * database, so no connect_query`,
    );
  }
  const primary = topology.regions.flatMap((r) => r.groups).find((g) => g.role === "primary");
  const replica = topology.regions.flatMap((r) => r.groups).find((g) => g.role === "oltp" && !g.remote);
  if (primary && replica && JSON.stringify(primary.resources) !== JSON.stringify(replica.resources)) {
    lines.push(
      "resources.replica does not apply to the main Cluster: every instance may become the primary, so each is sized as resources.primary",
    );
  }
  return lines;
}

export function cnpgStackOutputs(topology: SelfHostedTopology): PlainOutputs {
  const endpoint = (cluster: string, type: "rw" | "ro" | "r"): Endpoint => ({
    host: serviceHost(cnpgNames.service(cluster, type), topology.kubernetes),
    port: topology.port,
  });
  const poolEndpoint = (service: string): Endpoint => ({
    host: serviceHost(service, topology.kubernetes),
    port: POOL_SERVICE_PORT,
  });
  const writerCluster = primaryMember(topology).cluster;
  const { write, read, olap } = topology.pools;
  const readers = topology.regions.flatMap((region) =>
    clusterPlans(topology, region).map((plan) =>
      plan.name === writerCluster
        ? {
            name: plan.name,
            region: region.name,
            role: "oltp" as const,
            ...endpoint(plan.name, "ro"),
            cluster: { kind: "instances" as const, count: plan.instances - 1, slotPrefix: SLOT_PREFIX },
          }
        : {
            name: plan.name,
            region: region.name,
            role: plan.kind === "main" ? ("oltp" as const) : plan.role,
            ...endpoint(plan.name, "r"),
            cluster: { kind: "replicaCluster" as const },
          },
    ),
  );
  return {
    ...commonOutputs(topology),
    backend: "selfHosted",
    writer: endpoint(writerCluster, "rw"),
    readerEndpoint: endpoint(writerCluster, "ro"),
    readers,
    pools: {
      write: poolEndpoint(write.service),
      read: poolEndpoint(read.service),
      ...(olap ? { olap: poolEndpoint(olap.service) } : {}),
    },
    regions: topology.regions.map((region) => {
      const readPool = region.pools.find((p) => p.name === "read") ?? { ...read, region: region.name };
      const target = poolerTarget(topology, readPool);
      return {
        region: region.name,
        primary: holdsWriter(topology, region),
        readerEndpoint: endpoint(target.cluster, target.type),
        readPool: poolEndpoint(readPool.service),
      };
    }),
    notes: notes(topology),
    tls: { required: topology.access.requireTls },
  };
}
