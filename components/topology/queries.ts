/** Small questions asked of a Topology, answered in one place. */
import type {
  DatabaseNode,
  HomeRegion,
  NodeGroup,
  NodeRole,
  Pool,
  PrometheusMonitoring,
  Region,
  RemoteRegion,
  StandbyNode,
  Topology,
} from "./types";

export class TopologyLookupError extends Error {
  override name = "TopologyLookupError";
}

export function allNodes(topology: Topology): DatabaseNode[] {
  return [topology.primary, ...topology.standbys];
}

export function allGroups(topology: Topology): NodeGroup[] {
  return topology.regions.flatMap((region) => region.groups);
}

/** Every pool of every region: write, read and OLAP of the primary's region, then other regions' read pools. */
export function allPools(topology: Topology): Pool[] {
  return topology.regions.flatMap((region) => region.pools);
}

/** The primary's region's pools in a stable order: write, read, olap. */
export function homePools(topology: Topology): Pool[] {
  const { write, read, olap } = topology.pools;
  return olap ? [write, read, olap] : [write, read];
}

export function homeRegion(topology: Topology): HomeRegion {
  const home = topology.regions.find((region): region is HomeRegion => region.primary);
  if (!home) throw new TopologyLookupError(`topology ${topology.hash} has no primary region`);
  return home;
}

/** The region other than the primary's that a group lives in; undefined in the primary's region. */
export function remoteRegionOf(topology: Topology, group: Pick<NodeGroup, "region">): RemoteRegion | undefined {
  return topology.regions.find((region): region is RemoteRegion => !region.primary && region.name === group.region);
}

export function groupOf(topology: Topology, node: DatabaseNode): NodeGroup {
  const group = allGroups(topology).find((candidate) => candidate.name === node.group);
  if (!group)
    throw new TopologyLookupError(`node ${node.name} names group ${node.group}, which topology ${topology.hash} lacks`);
  return group;
}

export function nodeNamed(topology: Topology, name: string): DatabaseNode | undefined {
  return allNodes(topology).find((node) => node.name === name);
}

export function standbysOf(topology: Topology, role: NodeRole, region?: string): StandbyNode[] {
  return topology.standbys.filter((node) => node.role === role && (region === undefined || node.region === region));
}

/**
 * The standbys that serve as standbys: all of them, except on Kubernetes after
 * `pg-read-replicas kubernetes failover`, when one OLTP replica's pod is the writer.
 */
export function servingStandbys(topology: Topology): StandbyNode[] {
  const writer = writerName(topology);
  return topology.standbys.filter((node) => node.name !== writer);
}

/** The node that accepts writes: the primary, or on Kubernetes the pod a failover promoted. */
export function writerName(topology: Topology): string {
  return topology.backend === "selfHosted" ? topology.kubernetes.writer : topology.primary.name;
}

/** Prometheus-based monitoring, when the backend has it and the stack turns it on. */
export function prometheusMonitoring(topology: Topology): PrometheusMonitoring | undefined {
  return topology.backend !== "aurora" && topology.monitoring.enabled ? topology.monitoring : undefined;
}

/** The nodes a pool may land on: the writer, or its region's standbys of its role. */
export function poolMembers(topology: Topology, pool: Pool): DatabaseNode[] {
  if (pool.target === "primary") return [nodeNamed(topology, writerName(topology)) ?? topology.primary];
  const writer = writerName(topology);
  return standbysOf(topology, pool.target, pool.region).filter((node) => node.name !== writer);
}

/** The servers of one region, primary first where it has one. */
export function nodesIn(region: Region): DatabaseNode[] {
  return region.groups.flatMap((group): DatabaseNode[] => [...group.members]);
}
