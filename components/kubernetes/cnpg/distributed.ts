/**
 * Regions as one distributed topology (CloudNativePG replica_cluster.md "Distributed Topology"): the primary region's
 * main Cluster and every other region's OLTP Cluster name the same `replica.primary`, each lists all of them in
 * externalClusters, and which region is the primary is stack config (kubernetes.cloudnativePg.primaryRegion): changing
 * it demotes the current primary Cluster and promotes the named one on the next `pulumi up`. The OLAP replica cluster
 * stays a standalone replica of its region's main Cluster. Pure.
 */
import type { CnpgEngine, SelfHostedTopology } from "../../topology/types";
import { serviceHost } from "../conventions";
import { cnpgNames } from "./plan";

export interface Member {
  cluster: string;
  region: string;
  /** The stack's own region (the main Cluster, with the primary's settings and the OLTP replicas). */
  home: boolean;
}

function cnpgEngine(topology: SelfHostedTopology): CnpgEngine | undefined {
  const { engine } = topology.kubernetes;
  return engine.name === "cloudnative-pg" ? engine : undefined;
}

/** The Clusters of the distributed topology: the main one first, then each other region's OLTP Cluster. */
export function members(topology: SelfHostedTopology): Member[] {
  return topology.regions.flatMap((region): Member[] => {
    if (region.primary) return [{ cluster: cnpgNames.main(topology), region: region.name, home: true }];
    const oltp = region.groups.some((g) => g.role === "oltp");
    return oltp ? [{ cluster: cnpgNames.region(topology, region.name), region: region.name, home: false }] : [];
  });
}

/** More than one region runs an OLTP Cluster. */
export function isDistributed(topology: SelfHostedTopology): boolean {
  return members(topology).length > 1;
}

/** The member whose Cluster is the primary: primaryRegion's, or the stack's own region's. */
export function primaryMember(topology: SelfHostedTopology): Member {
  const all = members(topology);
  const region = cnpgEngine(topology)?.primaryRegion ?? topology.region;
  const found = all.find((m) => m.region === region);
  if (!found) throw new Error(`cloudnative-pg: primaryRegion ${region} runs no OLTP Cluster (validate.ts refuses it)`);
  return found;
}

/**
 * spec.replica of a member: the same `primary` everywhere; a replica streams from the primary, and the primary names
 * the Cluster it would follow once demoted (the main one, or for the main one the first other region's).
 */
export function replicaStanza(
  topology: SelfHostedTopology,
  self: string,
): { primary: string; source: string; promotionToken?: string } {
  const primary = primaryMember(topology);
  if (self !== primary.cluster) return { primary: primary.cluster, source: primary.cluster };
  const others = members(topology).filter((m) => m.cluster !== self);
  const source = (others.find((m) => m.home) ?? others[0])!.cluster;
  const token = cnpgEngine(topology)?.promotionToken;
  // The webhook takes a promotion token only on the Cluster that is the primary.
  return { primary: primary.cluster, source, ...(token !== undefined ? { promotionToken: token } : {}) };
}

/**
 * Where a member is reached from `fromRegion`: in its own region, its -rw Service; the main Cluster from elsewhere,
 * the address other regions already use (crossRegion[].primaryHost or the exposed primary's load balancer); another
 * region's Cluster, kubernetes.cloudnativePg.regionHosts (validate.ts requires it wherever it is streamed from), else
 * its exposed Service's in-cluster name (reachable only where the clusters share DNS; never used while it is a
 * replica no one streams from).
 */
export function memberHost(topology: SelfHostedTopology, member: Member, fromRegion: string, homeHost: string): string {
  if (member.region === fromRegion) return serviceHost(cnpgNames.service(member.cluster, "rw"), topology.kubernetes);
  if (member.home) return homeHost;
  return (
    cnpgEngine(topology)?.regionHosts[member.region] ??
    serviceHost(cnpgNames.exposedPrimary(topology), topology.kubernetes)
  );
}
