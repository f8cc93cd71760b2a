/**
 * The running stack's state with a changed topology, before any server is touched: nodes the change
 * adds get an address and a socket directory; nodes it removes are recorded as leaving (and kept out
 * of the read pools) until they are stopped and deleted. Who writes is unchanged.
 */
import type { Endpoint } from "../contract/stackOutputs";
import { allNodes, allPools } from "../topology/queries";
import type { LocalTopology } from "../topology/types";
import { LOOPBACK, endpointIsFree, freePorts } from "./addresses";
import { LocalError } from "./errors";
import { addRegionAddress, poolEndpoint, regionNet, serverEndpoint } from "./network";
import { asStandby } from "./serving";
import type { LocalState } from "./state";

/** On loopback: the next free address of the stack's block, on the port every node shares. */
async function loopbackEndpoint(state: LocalState, taken: Set<string>): Promise<Endpoint> {
  const [first] = Object.values(state.endpoints.nodes);
  if (!first) throw new LocalError(`state of stack ${state.stack} has no node address to extend`);
  const block = first.host.split(".").slice(0, 3).join(".");
  for (let last = 1; last < 255; last++) {
    const candidate = { host: `${block}.${last}`, port: first.port };
    if (taken.has(candidate.host)) continue;
    if (await endpointIsFree(candidate)) return candidate;
  }
  throw new LocalError(`no free address left in ${block}.0/24 on port ${first.port} for a new server`);
}

/** In a region's namespace: the lowest server address of the region not in use. */
async function namespaceEndpoint(state: LocalState, region: string, taken: Set<string>): Promise<Endpoint> {
  if (state.network.kind !== "namespaces") throw new Error("namespaceEndpoint on a loopback stack");
  const net = regionNet(state.network, region);
  for (let k = 0; k < 180; k++) {
    const candidate = serverEndpoint(net, k);
    if (taken.has(candidate.host)) continue;
    await addRegionAddress(state.network, region, candidate.host);
    return candidate;
  }
  throw new LocalError(`no server address left in region ${region}`);
}

/** A pool the change adds (the OLAP pool): a free port on loopback, or the region's next pool address. */
async function newPoolEndpoint(state: LocalState, region: string, taken: Set<string>): Promise<Endpoint> {
  if (state.network.kind !== "namespaces") return { host: LOOPBACK, port: (await freePorts(1))[0]! };
  const net = regionNet(state.network, region);
  for (let k = 0; k < 50; k++) {
    const candidate = poolEndpoint(net, k);
    if (taken.has(candidate.host)) continue;
    await addRegionAddress(state.network, region, candidate.host);
    return candidate;
  }
  throw new LocalError(`no pool address left in region ${region}`);
}

/** The state `local up` records before it changes anything: new topology, new nodes' places, leaving nodes. */
export async function changedState(
  state: LocalState,
  topology: LocalTopology,
  rehearsal?: LocalState["rehearsal"],
): Promise<LocalState> {
  const nextNames = new Set(allNodes(topology).map((n) => n.name));
  const leavingNow = allNodes(state.topology)
    .filter((node) => !nextNames.has(node.name))
    .map(asStandby);
  const leaving = [
    ...(state.leaving ?? []).filter((node) => !nextNames.has(node.name)),
    ...leavingNow.filter((node) => !(state.leaving ?? []).some((l) => l.name === node.name)),
  ];
  const nodes = { ...state.endpoints.nodes };
  const sockets = {
    ...Object.fromEntries(allNodes(state.topology).map((n, index) => [n.name, index])),
    ...state.endpoints.sockets,
  };
  const taken = new Set(Object.values(nodes).map((e) => e.host));
  for (const node of allNodes(topology)) {
    if (nodes[node.name]) continue;
    const endpoint =
      state.network.kind === "namespaces"
        ? await namespaceEndpoint(state, node.region, taken)
        : await loopbackEndpoint(state, taken);
    nodes[node.name] = endpoint;
    taken.add(endpoint.host);
    sockets[node.name] = Math.max(-1, ...Object.values(sockets)) + 1;
  }
  const pools = { ...state.endpoints.pools };
  const poolHosts = new Set(Object.values(pools).map((e) => e.host));
  for (const pool of allPools(topology)) {
    const key = pool.region === topology.region ? pool.name : `${pool.name}@${pool.region}`;
    if (pools[key]) continue;
    pools[key] = await newPoolEndpoint(state, pool.region, poolHosts);
    poolHosts.add(pools[key].host);
  }
  return {
    ...state,
    topology,
    ...(rehearsal ? { rehearsal } : {}),
    endpoints: { ...state.endpoints, nodes, sockets, pools },
    leaving,
    draining: [...new Set([...(state.draining ?? []), ...leaving.map((n) => n.name)])],
  };
}
