/**
 * StackOutputs for the local backend, from its state. There is no ro Service
 * here: the read pool itself is what balances over the ready OLTP replicas, so it
 * is also the reader endpoint.
 */
import { readFileSync } from "node:fs";
import { connectionUrls } from "../contract/urls";
import { type PlainOutputs, type StackOutputs } from "../contract/stackOutputs";
import { commonOutputs } from "../outputs/commonOutputs";
import { endpointOf, poolEndpointOf } from "./contexts";
import { servingStandbys } from "./serving";
import type { LocalState } from "./state";

export function localOutputs(state: LocalState): StackOutputs {
  const plain = plainOutputs(state);
  const password = state.passwords.app;
  // The CA file sits in the state directory, so the URLs verify each pool's certificate and name (verify-full).
  const urlOptions = state.tls ? { sslrootcert: state.tls.caFile } : {};
  return { ...plain, password, connectionUrls: connectionUrls({ ...plain, password }, urlOptions) };
}

function plainOutputs(state: LocalState): PlainOutputs {
  const { topology } = state;
  const readers = servingStandbys(state).map((node) => ({
    name: node.name,
    region: node.region,
    role: node.role,
    ...endpointOf(state, node),
    slot: node.slot,
  }));
  const { write, read, olap } = topology.pools;
  const readPool = poolEndpointOf(state, read);
  return {
    ...commonOutputs(topology),
    backend: "local",
    writer: endpointOf(state, state.writer),
    readerEndpoint: readPool,
    readers,
    pools: {
      write: poolEndpointOf(state, write),
      read: readPool,
      ...(olap ? { olap: poolEndpointOf(state, olap) } : {}),
    },
    regions: topology.regions.map((region) => {
      const regionRead = region.pools.find((pool) => pool.name === "read") ?? read;
      const endpoint = poolEndpointOf(state, regionRead);
      return { region: region.name, primary: region.primary, readerEndpoint: endpoint, readPool: endpoint };
    }),
    notes: [
      "readerEndpoint is the read pool: locally PgBouncer balances over the ready OLTP replicas itself, kept current by the read pool controller.",
      ...(state.rehearsal
        ? [`rehearsal of a selfHosted stack; changed to fit this machine: ${state.rehearsal.changes.join("; ")}`]
        : []),
    ],
    tls: {
      required: topology.access.requireTls,
      ...(state.tls ? { caPem: readFileSync(state.tls.caFile, "utf8") } : {}),
    },
  };
}
