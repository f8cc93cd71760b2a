/**
 * The Topology as CloudNativePG Clusters. CloudNativePG applies one parameter set,
 * one resources block and one pg_hba to every instance of a Cluster, and its -ro
 * Service selects every replica of a Cluster, so each group that must differ is a
 * Cluster of its own: the primary with the primary region's OLTP replicas (the
 * operator fails over among them), the OLAP replica as a replica cluster (never
 * behind the main Cluster's -ro), and each other region's replicas as a replica
 * cluster streaming through the exposed primary. Pure.
 */
import type {
  NodeGroup,
  NodeResources,
  Region,
  SelfHostedTopology,
  StandbyGroup,
  StandbyRole,
} from "../../topology/types";

export type ClusterPlan =
  | {
      kind: "main";
      name: string;
      region: string;
      /** The primary plus the primary region's OLTP replicas. */
      instances: number;
      primary: NodeGroup;
      replicas: StandbyGroup;
      resources: NodeResources;
    }
  | {
      kind: "replica";
      name: string;
      region: string;
      role: StandbyRole;
      /** In another region than the primary: streams through the exposed primary over verified TLS. */
      remote: boolean;
      instances: number;
      group: StandbyGroup;
      resources: NodeResources;
    };

export const cnpgNames = {
  main: (t: SelfHostedTopology) => t.name,
  olap: (t: SelfHostedTopology) => `${t.name}-olap`,
  region: (t: SelfHostedTopology, region: string) => `${t.name}-${region}`,
  /** The operator's Services of a Cluster. */
  service: (cluster: string, type: "rw" | "ro" | "r") => `${cluster}-${type}`,
  /** Secrets this stack provides (certificates from the stack's own CAs, the application user's password). */
  caSecret: (t: SelfHostedTopology) => `${t.name}-tls-ca`,
  clientCaSecret: (t: SelfHostedTopology) => `${t.name}-tls-client-ca`,
  serverSecret: (t: SelfHostedTopology) => `${t.name}-tls`,
  replicationSecret: (t: SelfHostedTopology) => `${t.name}-tls-replication`,
  appSecret: (t: SelfHostedTopology) => `${t.name}-app-user`,
  heartbeatSecret: (t: SelfHostedTopology) => `${t.name}-credentials`,
  exposedPrimary: (t: SelfHostedTopology) => `${t.name}-rw-external`,
};

function standbyGroup(region: Region, role: StandbyRole): StandbyGroup | undefined {
  return region.groups.find((g): g is StandbyGroup => g.role === role);
}

/** The Clusters of one region, the main one first. */
export function clusterPlans(topology: SelfHostedTopology, region: Region): ClusterPlan[] {
  const plans: ClusterPlan[] = [];
  const oltp = standbyGroup(region, "oltp");
  const primary = region.groups.find((g) => g.role === "primary");
  if (region.primary) {
    if (!primary || !oltp)
      throw new Error(`clusterPlans: the primary's region ${region.name} always has the primary and OLTP replicas`);
    // Any instance may become the primary: every instance is sized as the primary.
    plans.push({
      kind: "main",
      name: cnpgNames.main(topology),
      region: region.name,
      instances: 1 + oltp.members.length,
      primary,
      replicas: oltp,
      resources: primary.resources,
    });
  } else if (oltp) {
    plans.push({
      kind: "replica",
      name: cnpgNames.region(topology, region.name),
      region: region.name,
      role: "oltp",
      remote: true,
      instances: oltp.members.length,
      group: oltp,
      resources: oltp.resources,
    });
  }
  const olap = standbyGroup(region, "olap");
  if (olap) {
    plans.push({
      kind: "replica",
      name: cnpgNames.olap(topology),
      region: region.name,
      role: "olap",
      remote: !region.primary,
      instances: olap.members.length,
      group: olap,
      resources: olap.resources,
    });
  }
  return plans;
}
