/**
 * Rehearsal: a selfHosted stack's own Topology, realised on this machine. The
 * topology stays what the cluster gets (replica count, OLAP replica, pools,
 * per-role settings, pg_hba rules, synchronous commit, TLS, regions); only what
 * cannot fit here changes, and each change is listed (`local status` shows them):
 *  - memory limits are scaled down, and with them shared_buffers and effective_cache_size;
 *  - one PgBouncer per pool instead of several pods;
 *  - the stack's CIDRs become this machine's: each region's own subnet (namespaces as root)
 *    or loopback (otherwise), so pg_hba keeps its shape with addresses that exist here;
 *  - Kubernetes objects themselves (namespace, volumes, scheduling) are not rehearsed.
 */
import { formatPostgresSize, parseByteQuantity } from "../ground/units";
import { hashed } from "../topology/hash";
import { memorySettings } from "../topology/settings";
import type { LocalTopology, NodeGroup, NodeResources, Region, SelfHostedTopology } from "../topology/types";
import type { NetworkPlan } from "./network";

/** A rehearsed node's memory limit, whatever the stack asks: a 24 GiB, 2-core machine runs the whole topology. */
export const REHEARSAL_MEMORY = "512Mi";

export interface RehearsedTopology {
  topology: LocalTopology;
  changes: string[];
}

function scaledGroup(group: NodeGroup, changes: Set<string>): NodeGroup {
  const memoryBytes = parseByteQuantity(REHEARSAL_MEMORY) ?? 0;
  if (group.resources.memoryBytes <= memoryBytes) return group;
  const derived = memorySettings(memoryBytes);
  const resources: NodeResources = { ...group.resources, memory: REHEARSAL_MEMORY, memoryBytes };
  changes.add(
    `${group.name}: memory ${group.resources.memory} → ${REHEARSAL_MEMORY}, so shared_buffers ${derived.shared_buffers} and effective_cache_size ${derived.effective_cache_size} (from ${formatPostgresSize(group.resources.memoryBytes / 4)} and ${formatPostgresSize((group.resources.memoryBytes * 3) / 4)})`,
  );
  const settings = group.settings.map((setting) =>
    setting.source === "default" && (setting.name === "shared_buffers" || setting.name === "effective_cache_size")
      ? { ...setting, value: derived[setting.name] }
      : setting,
  );
  return { ...group, resources, settings };
}

interface CidrMap {
  client: string[];
  replication: string[];
  /** Per remote region: where its replicas connect from, and its clients. */
  remote: Record<string, { cidrs: string[]; allowedCidrs: string[] }>;
}

function cidrMap(source: SelfHostedTopology, network: NetworkPlan): CidrMap {
  if (network.kind === "loopback") {
    // One address space for every region: the remote-only TLS rule cannot tell regions apart, so it is left out.
    const remote = Object.fromEntries(
      source.regions.filter((r) => !r.primary).map((r) => [r.name, { cidrs: [], allowedCidrs: ["127.0.0.0/8"] }]),
    );
    return { client: ["127.0.0.0/8"], replication: ["127.0.0.0/8"], remote };
  }
  const cidrOf = (region: string) => network.regions.find((r) => r.region === region)?.cidr ?? network.clientCidr;
  const home = cidrOf(source.region);
  const remote = Object.fromEntries(
    source.regions
      .filter((r) => !r.primary)
      .map((r) => [r.name, { cidrs: [cidrOf(r.name)], allowedCidrs: [cidrOf(r.name), network.clientCidr] }]),
  );
  return { client: [home, network.clientCidr], replication: [home], remote };
}

export function rehearsalTopology(
  source: SelfHostedTopology,
  network: NetworkPlan,
  run: { postgresVersion: 15 | 16 | 17; versionChange?: string },
): RehearsedTopology {
  const changes = new Set<string>(run.versionChange ? [run.versionChange] : []);
  const cidrs = cidrMap(source, network);
  const regions = source.regions.map((region): Region => {
    const groups = region.groups.map((group) => scaledGroup(group, changes));
    const pools = region.pools.map((pool) => {
      if (pool.instances > 1)
        changes.add(`${pool.service} (${region.name}): ${pool.instances} PgBouncer pods → 1 process`);
      return { ...pool, instances: 1 };
    });
    if (region.primary) return { ...region, groups, pools };
    const translated = cidrs.remote[region.name] ?? { cidrs: [], allowedCidrs: [] };
    changes.add(
      `${region.name}: replication from ${region.access.cidrs.join(", ")} → ${translated.cidrs.join(", ") || "(loopback: not told apart)"}; clients ${region.access.allowedCidrs.join(", ")} → ${translated.allowedCidrs.join(", ")}`,
    );
    return { ...region, groups, pools, access: { cidrs: translated.cidrs, allowedCidrs: translated.allowedCidrs } };
  });
  changes.add(
    `clients ${source.access.clientCidrs.join(", ")} → ${cidrs.client.join(", ")}; replication ${source.access.replicationCidrs.join(", ")} → ${cidrs.replication.join(", ")}`,
  );
  changes.add(
    `Kubernetes objects (namespace ${source.kubernetes.namespace}, volumes, images, scheduling) are not rehearsed here; npm test runs them in its Kubernetes harness`,
  );
  if (source.kubernetes.engine.name === "cloudnative-pg") {
    changes.add(
      "kubernetes.engine cloudnative-pg: the topology runs as this project's processes; the operator (its failover, one parameter set per Cluster, its Poolers) is not rehearsed; npm test checks its Clusters and Poolers against its CRD schemas and facts",
    );
  }
  const home = regions.find((r) => r.primary);
  const pool = (name: "write" | "read" | "olap") =>
    regions.flatMap((r) => r.pools).find((p) => p.name === name && (name === "olap" || p.region === source.region));
  const write = pool("write");
  const read = pool("read");
  const olap = pool("olap");
  if (!home || !write || !read)
    throw new Error("rehearsalTopology: a selfHosted topology always has its primary region and pools");
  const { kubernetes: _kubernetes, hash: _hash, backend: _backend, ...rest } = source;
  const topology = hashed({
    ...rest,
    backend: "local",
    postgresVersion: run.postgresVersion,
    regions,
    pools: { write, read, ...(olap ? { olap } : {}) },
    access: { ...source.access, clientCidrs: cidrs.client, replicationCidrs: cidrs.replication },
  });
  if (topology.backend !== "local") throw new Error("rehearsalTopology: built a non-local topology");
  return { topology, changes: [...changes] };
}
