/** StackOutputs for the local backend, from its state: loopback endpoints and the current writer. */
import type { StackOutputs } from "../outputs";
import type { LocalState } from "./state";
import { LOOPBACK } from "./ports";

export function localOutputs(state: LocalState): StackOutputs {
  const { topology, ports } = state;
  const endpoint = (port: number) => ({ host: LOOPBACK, port });
  const readers = topology.standbys
    .filter((node) => node.name !== state.writer && !state.retired.includes(node.name))
    .map((node) => ({ name: node.name, region: node.region, role: node.role as "oltp" | "olap", ...endpoint(ports.nodes[node.name]!), slot: node.slot! }));
  return {
    backend: "local",
    database: topology.database,
    user: topology.user,
    password: state.passwords.app,
    writer: endpoint(ports.nodes[state.writer]!),
    readerEndpoint: endpoint(ports.readerEndpoint),
    readers,
    pools: {
      write: endpoint(ports.pools.write!),
      read: endpoint(ports.pools.read!),
      ...(ports.pools.olap !== undefined ? { olap: endpoint(ports.pools.olap) } : {}),
    },
    regions: [{ region: topology.region, primary: true, readerEndpoint: endpoint(ports.readerEndpoint), readPool: endpoint(ports.pools.read!) }],
    topologyHash: topology.hash,
    verification: { ...topology.verification },
    notes: [],
    ...(topology.capacity ? { capacity: { requiredReplicas: topology.capacity.requiredReplicas, formula: topology.capacity.formula } } : {}),
  };
}
