/**
 * Before any server starts: binaries, identity, directories, the network (region
 * namespaces as root), addresses, certificates, passwords, and the state file,
 * written before anything is created so `local down` can always undo it.
 */
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import { join } from "node:path";
import type { Endpoint } from "../contract/stackOutputs";
import { renderPgHba } from "../render/pgHba";
import { renderPgIdent } from "../render/pgIdent";
import { renderSeedReplicaScript } from "../render/seedReplicaScript";
import { allNodes, allPools, nodesIn } from "../topology/queries";
import type { LocalTopology, SelfHostedTopology } from "../topology/types";
import { LOOPBACK, freePorts, nodeEndpoints } from "./addresses";
import { findBinaries } from "./binaries";
import { writeOwnedFile } from "./files";
import { type RunAs, resolveRunAs } from "./identity";
import type { Layout } from "./layout";
import {
  type NetworkPlan,
  createNetwork,
  planNamespaces,
  poolEndpoint,
  regionAddresses,
  regionNet,
  serverEndpoint,
  withNetworkLock,
} from "./network";
import { rehearsalTopology } from "./rehearsal";
import { asStandby } from "./serving";
import { type LocalState, writeState } from "./state";
import { prepareDirectories, requireReachable } from "./stateDir";
import { makeCertificates, poolCertificateKey } from "./tls";

/** What `local up` realises: the local backend's own topology, or a selfHosted stack's, rehearsed. */
export type UpSource =
  | { kind: "local"; topology: LocalTopology }
  | { kind: "rehearsal"; topology: SelfHostedTopology; postgresVersion: 15 | 16 | 17; versionChange?: string };

/** The PostgreSQL major the servers run: the topology's, or what a rehearsal falls back to. */
export function runVersion(source: UpSource): 15 | 16 | 17 {
  return source.kind === "rehearsal" ? source.postgresVersion : source.topology.postgresVersion;
}

function secret(): string {
  return randomBytes(24).toString("base64url");
}

/** Namespaces when this is a rehearsal of a stack with regions and we are root; loopback otherwise, and why. */
function usesNamespaces(source: UpSource): boolean {
  return source.kind !== "local" && userInfo().uid === 0;
}

async function planNetwork(source: UpSource, layout: Layout): Promise<NetworkPlan> {
  if (source.kind === "local") return { kind: "loopback", reason: "backend local: one region on loopback" };
  if (!usesNamespaces(source))
    return {
      kind: "loopback",
      reason: "not root: every region shares loopback, so pg_hba's per-region rules are not exercised",
    };
  return planNamespaces(
    layout.root,
    source.topology.regions.map((r) => r.name),
  );
}

async function endpointsFor(
  topology: LocalTopology,
  network: NetworkPlan,
  poolKeyOf: (region: string, name: string) => string,
) {
  const pools = allPools(topology);
  if (network.kind === "loopback") {
    const ports = await freePorts(pools.length);
    return {
      nodes: await nodeEndpoints(allNodes(topology).map((node) => node.name)),
      pools: Object.fromEntries(
        pools.map((pool, index) => [poolKeyOf(pool.region, pool.name), { host: LOOPBACK, port: ports[index] ?? 0 }]),
      ),
    };
  }
  const nodes: Record<string, Endpoint> = {};
  const poolEndpoints: Record<string, Endpoint> = {};
  for (const region of topology.regions) {
    const net = regionNet(network, region.name);
    nodesIn(region).forEach((node, k) => (nodes[node.name] = serverEndpoint(net, k)));
    region.pools.forEach((pool, k) => (poolEndpoints[poolKeyOf(pool.region, pool.name)] = poolEndpoint(net, k)));
  }
  return { nodes, pools: poolEndpoints };
}

/**
 * What each certificate names: every address the region's servers (or its pools) can be given, not only today's, so
 * a replica a later change adds (the next address of the same block, changeState.ts) is named too, as a Kubernetes
 * pod is by its headless Service's wildcard. A region's servers and its pools have a certificate each (the pools'
 * under poolCertificateKey), as on Kubernetes: a pool holds no key a server uses. Namespaces: servers .10 to .199 of
 * the region's /24, pools .200 up; loopback: the servers' 127.x.y block, the pools' 127.0.0.1.
 */
export function certificateAddresses(
  state: Pick<LocalState, "network" | "endpoints" | "topology">,
): Record<string, string[]> {
  const { network } = state;
  if (network.kind === "namespaces")
    return Object.fromEntries(
      network.regions.flatMap((net) => [
        [net.region, regionAddresses(net, "servers")],
        [poolCertificateKey(net.region), regionAddresses(net, "pools")],
      ]),
    );
  // On loopback the servers take addresses of their own /24s (a block's every host: .1 to .254).
  const prefixes = new Set(Object.values(state.endpoints.nodes).map((e) => e.host.split(".").slice(0, 3).join(".")));
  const servers = [...prefixes].flatMap((prefix) => Array.from({ length: 254 }, (_, k) => `${prefix}.${k + 1}`));
  return Object.fromEntries(
    state.topology.regions.flatMap((region) => [
      [region.name, servers],
      [poolCertificateKey(region.name), [LOOPBACK]],
    ]),
  );
}

/** Each region's addresses in use: servers and pools, for its interface. */
function addressesInUse(state: LocalState): Record<string, string[]> {
  const byRegion: Record<string, string[]> = {};
  for (const region of state.topology.regions) {
    const nodes = nodesIn(region).map((node) => state.endpoints.nodes[node.name]?.host ?? "");
    const pools = region.pools.map(
      (pool) =>
        state.endpoints.pools[pool.region === state.topology.region ? pool.name : `${pool.name}@${pool.region}`]
          ?.host ?? "",
    );
    byRegion[region.name] = [...new Set([...nodes, ...pools].filter(Boolean))];
  }
  return byRegion;
}

export async function prepareState(
  stack: string,
  source: UpSource,
  layout: Layout,
  env: NodeJS.ProcessEnv,
): Promise<LocalState> {
  const binaries = findBinaries(runVersion(source), env);
  const runAs = resolveRunAs();
  prepareDirectories(layout, runAs);
  await requireReachable(layout, runAs);
  // Picking a free address block and taking it (the host's address in it) is one step for every stack on this
  // host: two stacks brought up side by side would otherwise both find the same block free.
  const state = usesNamespaces(source)
    ? await withNetworkLock(() => recordAndConnect(stack, source, layout, binaries, runAs))
    : await recordAndConnect(stack, source, layout, binaries, runAs);
  if (state.topology.access.tls) {
    state.tls = await makeCertificates(layout, runAs, state.topology.name, certificateAddresses(state));
    writeState(layout, state);
  }
  writeRenderedFiles(layout, state);
  return state;
}

/** Plans the stack's network and endpoints, records the state, then creates the network. */
async function recordAndConnect(
  stack: string,
  source: UpSource,
  layout: Layout,
  binaries: ReturnType<typeof findBinaries>,
  runAs: RunAs,
): Promise<LocalState> {
  const network = await planNetwork(source, layout);
  const rehearsed =
    source.kind === "rehearsal"
      ? rehearsalTopology(source.topology, network, {
          postgresVersion: source.postgresVersion,
          ...(source.versionChange ? { versionChange: source.versionChange } : {}),
        })
      : { topology: source.topology, changes: [] };
  const topology = rehearsed.topology;
  const poolKeyOf = (region: string, name: string) => (region === topology.region ? name : `${name}@${region}`);
  const state: LocalState = {
    version: 3,
    stack,
    phase: "creating",
    topology,
    ...(source.kind === "rehearsal"
      ? {
          rehearsal: {
            sourceHash: source.topology.hash,
            changes: rehearsed.changes,
            sourceVersion: source.topology.postgresVersion,
          },
        }
      : {}),
    network,
    runAs,
    binaries: { pgBin: binaries.pgBin, pgbouncer: binaries.pgbouncer, pgbouncerVersion: binaries.pgbouncerVersion },
    passwords: { app: secret(), replication: secret(), poolAdmin: secret(), monitor: secret() },
    endpoints: {
      ...(await endpointsFor(topology, network, poolKeyOf)),
      sockets: Object.fromEntries(allNodes(topology).map((node, index) => [node.name, index])),
    },
    writer: topology.primary.name,
    retired: [],
    pids: { pools: {} },
    createdAt: new Date().toISOString(),
  };
  // Recorded before anything exists, so a crash half-way leaves nothing local down cannot find.
  writeState(layout, state);
  if (network.kind === "namespaces") await createNetwork(network, addressesInUse(state));
  return state;
}

/** pg_hba per region, pg_ident and seed-replica.sh, as the topology renders them. */
export function writeRenderedFiles(layout: Layout, state: LocalState): void {
  const { topology, runAs } = state;
  for (const region of topology.regions)
    writeOwnedFile(layout.hbaFile(region.name), renderPgHba(topology, region.name), runAs);
  writeOwnedFile(layout.identFile, renderPgIdent([runAs.user]), runAs);
  // Any node but the writer may be (re-)seeded here, the primary's own after a switchover or a re-seed.
  const seedable = { ...topology, standbys: allNodes(topology).map(asStandby) };
  writeOwnedFile(join(layout.scriptsDir, "seed-replica.sh"), renderSeedReplicaScript(seedable), runAs, 0o700);
}
