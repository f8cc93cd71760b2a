/**
 * Which region holds the writer on the cloudnative-pg engine, and what follows it. The topology's primary region is
 * where the stack was created (the main Cluster, the primary's settings); kubernetes.cloudnativePg.primaryRegion may
 * name another region's Cluster as the distributed topology's primary (distributed.ts). The write Pooler, the read
 * Poolers' Services, the verification Jobs' modes and the stack outputs follow the Cluster that is the primary, so
 * that a promotion moves writes there and a demoted region keeps no pool that sends writes to a standby. Pure.
 */
import type { Pool, Region, SelfHostedTopology } from "../../topology/types";
import { primaryMember } from "./distributed";
import { cnpgNames } from "./plan";

/** This region's Cluster is the primary of the distributed topology (or, with one region, the primary's region). */
export function holdsWriter(topology: SelfHostedTopology, region: Region | string): boolean {
  const name = typeof region === "string" ? region : region.name;
  return primaryMember(topology).region === name;
}

/**
 * The Poolers a region runs: its read (and OLAP) pools, and the write pool only where the writer is. A demoted
 * region's write Pooler is removed, not left pointing at its Cluster's -rw, which selects a designated primary that
 * is in recovery: clients there fail to connect instead of reaching a standby they take for the writer.
 */
export function poolsOf(topology: SelfHostedTopology, region: Region): Pool[] {
  const others = region.pools.filter((pool) => pool.name !== "write");
  if (!holdsWriter(topology, region)) return others;
  return [{ ...topology.pools.write, region: region.name }, ...others];
}

/** The Cluster a pool's PgBouncer reaches, and through which of its Services. */
export function poolerTarget(topology: SelfHostedTopology, pool: Pool): { cluster: string; type: "rw" | "ro" | "r" } {
  const writer = primaryMember(topology).cluster;
  if (pool.target === "primary") return { cluster: writer, type: "rw" };
  if (pool.target === "olap") return { cluster: cnpgNames.olap(topology), type: "r" };
  // The read pool: the standbys of the region's OLTP Cluster. The main Cluster's -ro, and the Cluster holding the
  // writer's -ro, select only its standbys; another region's replica cluster is standbys only, so its -r (every
  // instance, the designated primary included).
  const cluster = pool.region === topology.region ? cnpgNames.main(topology) : cnpgNames.region(topology, pool.region);
  return { cluster, type: cluster === cnpgNames.main(topology) || cluster === writer ? "ro" : "r" };
}
