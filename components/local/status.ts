/**
 * What `local status` shows: each server's role, address, state, replay lag and
 * slot; each pool's target as PgBouncer itself reports it (for the read pool, the
 * ready replicas the controller keeps in its host list); which PgBouncer runs.
 */
import type { Endpoint } from "../contract/stackOutputs";
import { IDENTITY_SQL, REPLICATION_STATUS_SQL } from "../sql/replicationSql";
import { allNodes } from "../topology/queries";
import { queryOnce } from "../contract/connection";
import { endpointOf, poolAdminLogin, poolEndpointOf, poolKey, poolsOf } from "./contexts";
import { isAlive } from "./exec";
import { asStandby } from "./serving";
import { localOutputs } from "./outputs";
import { showDatabaseHosts } from "./pgbouncerAdmin";
import type { LocalState } from "./state";
import { archiveStatusRows } from "./archiveStatus";
import type { Layout } from "./layout";

export interface StatusRow {
  role: string;
  name: string;
  endpoint: string;
  state: string;
  lagBytes?: number;
  lagMs?: number;
  slot?: string;
}

type QueryContext = Parameters<typeof queryOnce>[0];
const at = (endpoint: Endpoint) => `${endpoint.host}:${endpoint.port}`;

async function replicationRows(ctx: QueryContext, writer: Endpoint): Promise<Map<string, unknown[]> | undefined> {
  const rows = await queryOnce(ctx, writer, REPLICATION_STATUS_SQL, { stats: true }).catch(() => undefined);
  return rows && new Map(rows.map((row) => [String(row[0]), row]));
}

async function nodeRows(state: LocalState, ctx: QueryContext): Promise<StatusRow[]> {
  const replication = await replicationRows(ctx, endpointOf(state, state.writer));
  const rows: StatusRow[] = [];
  for (const node of allNodes(state.topology)) {
    const endpoint = at(endpointOf(state, node));
    if (node.name === state.writer) {
      rows.push({ role: "writer", name: node.name, endpoint, state: replication ? "accepting writes" : "DOWN" });
    } else if (state.retired.includes(node.name)) {
      rows.push({ role: "retired", name: node.name, endpoint, state: "former writer (re-seed to rejoin)" });
    } else {
      const standby = asStandby(node);
      const row = replication?.get(node.name);
      const reachable = row !== undefined || (await reachableAt(ctx, endpointOf(state, node)));
      const [, streamState, slot, , replayBytes, , replayMs, sync] = (row ?? []).map(String);
      rows.push({
        role: standby.role,
        name: node.name,
        endpoint,
        state: row ? `${streamState ?? "?"} (${sync ?? "?"})` : reachable ? "running, not streaming" : "DOWN",
        ...(row
          ? { lagBytes: Number(replayBytes), lagMs: Number(replayMs), ...(slot !== undefined ? { slot } : {}) }
          : { slot: `${standby.slot} (inactive)` }),
      });
    }
  }
  return rows;
}

async function poolRows(state: LocalState, ctx: QueryContext): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  const login = poolAdminLogin(state);
  for (const pool of poolsOf(state.topology)) {
    const endpoint = poolEndpointOf(state, pool);
    const identity = await queryOnce(ctx, endpoint, IDENTITY_SQL).catch(() => undefined);
    const hosts = await showDatabaseHosts(endpoint, login).catch(() => undefined);
    const targets = hosts?.[state.topology.database];
    const landed = identity ? `up → ${String(identity[0]?.[0])}${targets ? ` (hosts ${targets})` : ""}` : "DOWN";
    rows.push({ role: "pool", name: `${poolKey(state, pool)} pool`, endpoint: at(endpoint), state: landed });
  }
  rows.push({
    role: "controller",
    name: "read pool controller",
    endpoint: "-",
    state: isAlive(state.pids.readPoolController) ? "running (ro endpoints: ready OLTP replicas)" : "DOWN",
  });
  rows.push({
    role: "binary",
    name: "PgBouncer",
    endpoint: "-",
    state: `${state.binaries.pgbouncerVersion} (${state.binaries.pgbouncer})`,
  });
  return rows;
}

/** How the regions are wired, and what a rehearsal had to change to fit this machine. */
function stackRows(state: LocalState): StatusRow[] {
  const network =
    state.network.kind === "namespaces"
      ? `namespaces: ${state.network.regions.map((r) => `${r.region} ${r.cidr}`).join(", ")}; clients from ${state.network.clientCidr}`
      : `loopback (${state.network.reason})`;
  return [
    { role: "network", name: "regions", endpoint: "-", state: network },
    ...(state.rehearsal?.changes ?? []).map((change) => ({
      role: "rehearsal",
      name: "changed to fit",
      endpoint: "-",
      state: change,
    })),
  ];
}

/** With the stack's layout, the WAL archive's rows too (archiveStatus.ts; none without backup). */
export async function collectStatus(state: LocalState, layout?: Layout): Promise<StatusRow[]> {
  const ctx: QueryContext = { outputs: localOutputs(state) };
  const archive = layout ? await archiveStatusRows(layout, state) : [];
  return [...(await nodeRows(state, ctx)), ...(await poolRows(state, ctx)), ...archive, ...stackRows(state)];
}

async function reachableAt(ctx: QueryContext, endpoint: Endpoint): Promise<boolean> {
  return queryOnce(ctx, endpoint, "SELECT 1")
    .then(() => true)
    .catch(() => false);
}
