/** What the node and pool helpers need from a local stack's state, and lookups over it. */
import { allNodes, homePools, standbysOf } from "../topology/queries";
import type { DatabaseNode, Pool } from "../topology/types";
import { LocalError } from "./errors";
import type { Layout } from "./layout";
import type { PoolContext } from "./pgbouncerProcess";
import type { NodeContext } from "./postgresNode";
import type { LocalState } from "./state";

export function nodeContext(layout: Layout, state: LocalState): NodeContext {
  return { topology: state.topology, layout, runAs: state.runAs, pgBin: state.binaries.pgBin, passwords: state.passwords };
}

export function poolContext(layout: Layout, state: LocalState): PoolContext {
  return { topology: state.topology, layout, runAs: state.runAs, pgbouncer: state.binaries.pgbouncer, appPassword: state.passwords.app };
}

export function nodeByName(state: LocalState, name: string): DatabaseNode {
  const node = allNodes(state.topology).find((n) => n.name === name);
  if (!node) throw new LocalError(`no node ${name} in stack ${state.stack}; nodes: ${allNodes(state.topology).map((n) => n.name).join(", ")}`);
  return node;
}

/** Every node but the retired former writers. */
export function liveNodes(state: LocalState): DatabaseNode[] {
  return allNodes(state.topology).filter((n) => !state.retired.includes(n.name));
}

export function portOf(state: LocalState, node: DatabaseNode | string): number {
  const name = typeof node === "string" ? node : node.name;
  const port = state.ports.nodes[name];
  if (port === undefined) throw new LocalError(`state of stack ${state.stack} has no port for ${name}; run local down and up again`);
  return port;
}

export function poolPortOf(state: LocalState, pool: Pool): number {
  const port = state.ports.pools[pool.name];
  if (port === undefined) throw new LocalError(`state of stack ${state.stack} has no port for the ${pool.name} pool; run local down and up again`);
  return port;
}

export { homePools as poolsOf };

/** Where a pool's server connections go: the current writer, the reader endpoint, or the OLAP replica. */
export function poolTarget(state: LocalState, pool: Pool): number {
  switch (pool.target) {
    case "primary":
      return portOf(state, state.writer);
    case "oltp":
      return state.ports.readerEndpoint;
    case "olap": {
      const [olap] = standbysOf(state.topology, "olap", pool.region);
      if (!olap) throw new LocalError(`stack ${state.stack} has an OLAP pool but no OLAP replica in ${pool.region}`);
      return portOf(state, olap);
    }
  }
}
