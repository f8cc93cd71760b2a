/** StackOutputs for the local backend, from its state: loopback endpoints and the current writer. */
import { type StackOutputs, commonOutputs } from "../outputs";
import { poolPortOf, portOf } from "./contexts";
import { LOOPBACK } from "./ports";
import type { LocalState } from "./state";

export function localOutputs(state: LocalState): StackOutputs {
  const { topology } = state;
  const endpoint = (port: number) => ({ host: LOOPBACK, port });
  const readers = topology.standbys
    .filter((node) => node.name !== state.writer && !state.retired.includes(node.name))
    .map((node) => ({ name: node.name, region: node.region, role: node.role, ...endpoint(portOf(state, node)), slot: node.slot }));
  const { write, read, olap } = topology.pools;
  const readPool = endpoint(poolPortOf(state, read));
  return {
    ...commonOutputs(topology),
    backend: "local",
    password: state.passwords.app,
    writer: endpoint(portOf(state, state.writer)),
    readerEndpoint: endpoint(state.ports.readerEndpoint),
    readers,
    pools: { write: endpoint(poolPortOf(state, write)), read: readPool, ...(olap ? { olap: endpoint(poolPortOf(state, olap)) } : {}) },
    regions: [{ region: topology.region, primary: true, readerEndpoint: endpoint(state.ports.readerEndpoint), readPool }],
    notes: [],
  };
}
