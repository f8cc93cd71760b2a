/** What the node and pool helpers need from a local stack's state, and lookups over it. */
import type { Endpoint } from "../contract/stackOutputs";
import { serverTls } from "../render/tlsModes";
import { poolCertificateKey } from "./tls";
import { allNodes, allPools, standbysOf } from "../topology/queries";
import type { DatabaseNode, Pool } from "../topology/types";
import { archiveLocation, archivePathsOf, writeArchiveConfig } from "./archive";
import { LocalError } from "./errors";
import type { Layout } from "./layout";
import type { AdminLogin } from "./pgbouncerAdmin";
import { POOL_ADMIN_USER, type PoolContext } from "./pgbouncerProcess";
import type { NodeContext } from "./postgresNode";
import { playedGroup, servingStandbys } from "./serving";
import type { LocalState } from "./state";

/** The network namespace a region runs in, when regions have their own (as root). */
export function netnsOf(state: LocalState, region: string): string | undefined {
  return state.network.kind === "namespaces"
    ? state.network.regions.find((r) => r.region === region)?.namespace
    : undefined;
}

/**
 * A node's socket directory number: the one recorded for it, or (states from before nodes could be added) its place
 * in the topology.
 */
export function socketIndexOf(state: LocalState, name: string): number {
  const recorded = state.endpoints.sockets?.[name];
  if (recorded !== undefined) return recorded;
  const index = allNodes(state.topology).findIndex((n) => n.name === name);
  if (index < 0) throw new LocalError(`state of stack ${state.stack} has no socket directory for ${name}`);
  return index;
}

/** Each server's archive files, when the topology has a WAL archive. */
function archiveContext(layout: Layout, state: LocalState): NodeContext["archive"] {
  const location = archiveLocation(state.topology, state.stack, state.runAs);
  if (!location) return undefined;
  const address = (node: DatabaseNode) => ({
    port: endpointOf(state, node).port,
    socketDirectory: layout.nodeSocketDir(socketIndexOf(state, node.name)),
  });
  return {
    pathsOf: (node) => archivePathsOf(layout, location, node.name),
    writeConfig: (node) => writeArchiveConfig(layout, state.topology, location, node, address(node), state.runAs),
  };
}

export function nodeContext(layout: Layout, state: LocalState): NodeContext {
  const tls = state.tls;
  const archive = archiveContext(layout, state);
  return {
    topology: state.topology,
    layout,
    runAs: state.runAs,
    pgBin: state.binaries.pgBin,
    passwords: state.passwords,
    groupOf: (node) => playedGroup(state, node),
    endpointOf: (node) => endpointOf(state, node),
    socketDirOf: (node) => layout.nodeSocketDir(socketIndexOf(state, node.name)),
    netnsOf: (node) => netnsOf(state, node.region),
    ...(tls ? { tls: { caFile: tls.caFile, forRegion: (region: string) => tls.regions[region] } } : {}),
    ...(archive ? { archive } : {}),
  };
}

export function poolContext(layout: Layout, state: LocalState): PoolContext {
  const tls = state.tls;
  return {
    topology: state.topology,
    layout,
    runAs: state.runAs,
    pgbouncer: state.binaries.pgbouncer,
    pgbouncerVersion: state.binaries.pgbouncerVersion,
    passwords: state.passwords,
    serverTls: tls ? serverTls(state.topology, tls.caFile) : { sslmode: "disable" },
    keyOf: (pool) => poolKey(state, pool),
    netnsOf: (pool) => netnsOf(state, pool.region),
    // The pools' own certificate; a stack made before pools had one serves its region's.
    ...(tls
      ? { clientTls: (pool: Pool) => tls.regions[poolCertificateKey(pool.region)] ?? tls.regions[pool.region] }
      : {}),
  };
}

/** A node of the topology, or one a change is removing. */
export function nodeByName(state: LocalState, name: string): DatabaseNode {
  const node = [...allNodes(state.topology), ...(state.leaving ?? [])].find((n) => n.name === name);
  if (!node)
    throw new LocalError(
      `no node ${name} in stack ${state.stack}; nodes: ${allNodes(state.topology)
        .map((n) => n.name)
        .join(", ")}`,
    );
  return node;
}

/** Every node but the retired former writers. */
export function liveNodes(state: LocalState): DatabaseNode[] {
  return allNodes(state.topology).filter((n) => !state.retired.includes(n.name));
}

export function endpointOf(state: LocalState, node: DatabaseNode | string): Endpoint {
  const name = typeof node === "string" ? node : node.name;
  const endpoint = state.endpoints.nodes[name];
  if (!endpoint)
    throw new LocalError(`state of stack ${state.stack} has no address for ${name}; run local down and up again`);
  return endpoint;
}

/** Pools are named per region: the primary region's by their name, another region's as `read@<region>`. */
export function poolKey(state: LocalState, pool: Pool): string {
  return pool.region === state.topology.region ? pool.name : `${pool.name}@${pool.region}`;
}

export function poolEndpointOf(state: LocalState, pool: Pool): Endpoint {
  const endpoint = state.endpoints.pools[poolKey(state, pool)];
  if (!endpoint)
    throw new LocalError(
      `state of stack ${state.stack} has no address for pool ${poolKey(state, pool)}; run local down and up again`,
    );
  return endpoint;
}

/** Every pool of every region. */
export const poolsOf = allPools;

/**
 * The OLTP replicas a read pool may send to, in a stable order: those of its region streaming from the writer (the
 * primary's node too after a switchover), less those a change is restarting or removing.
 */
export function readPoolCandidates(state: LocalState, pool: Pool): DatabaseNode[] {
  const draining = state.draining ?? [];
  return servingStandbys(state).filter(
    (node) => node.role === "oltp" && node.region === pool.region && !draining.includes(node.name),
  );
}

/**
 * Where a pool's server connections go: the current writer, the OLAP replica, or the read
 * pool's host list (`ready`: the replicas passing the readiness check; all candidates at start).
 */
export function poolTarget(state: LocalState, pool: Pool, ready?: readonly string[]): Endpoint {
  switch (pool.target) {
    case "primary":
      return endpointOf(state, state.writer);
    case "oltp": {
      const members = readPoolCandidates(state, pool).filter(
        (node) => ready === undefined || ready.includes(node.name),
      );
      const [first] = members;
      if (!first)
        throw new LocalError(`stack ${state.stack}: the ${poolKey(state, pool)} pool has no replica to send to`);
      return {
        host: members.map((node) => endpointOf(state, node).host).join(","),
        port: endpointOf(state, first).port,
      };
    }
    case "olap": {
      const [olap] = standbysOf(state.topology, "olap", pool.region);
      if (!olap) throw new LocalError(`stack ${state.stack} has an OLAP pool but no OLAP replica in ${pool.region}`);
      return endpointOf(state, olap);
    }
  }
}

/** The read pool controller's login to a pool's admin console (over TLS when the stack requires it). */
export function poolAdminLogin(state: LocalState): AdminLogin {
  const required = state.topology.access.requireTls;
  return {
    user: POOL_ADMIN_USER,
    password: state.passwords.poolAdmin,
    ...(required ? { ssl: { rejectUnauthorized: false } } : {}),
  };
}
