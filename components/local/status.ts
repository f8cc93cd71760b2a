/** What `local status` shows: each server's role, endpoint, state, replay lag and slot; each pool's target. */
import type { Endpoint } from "../outputs";
import { IDENTITY_SQL, REPLICATION_STATUS_SQL } from "../sql/replicationSql";
import { queryOnce } from "../verify/client";
import { portOf } from "./contexts";
import { isAlive } from "./exec";
import { localOutputs } from "./outputs";
import { LOOPBACK } from "./ports";
import { allNodes } from "../topology/queries";
import type { LocalState } from "./state";

export interface StatusRow {
  role: string;
  name: string;
  endpoint: string;
  state: string;
  lagBytes?: number;
  lagMs?: number;
  slot?: string;
}

export async function collectStatus(state: LocalState): Promise<StatusRow[]> {
  const outputs = localOutputs(state);
  const ctx = { outputs, sslmode: "disable" as const };
  const at = (port: number) => `${LOOPBACK}:${port}`;
  const replication = new Map<string, unknown[]>();
  const writerPort = portOf(state, state.writer);
  const writerUp = await queryOnce(ctx, { host: LOOPBACK, port: writerPort }, REPLICATION_STATUS_SQL)
    .then((rows) => {
      for (const row of rows) replication.set(row[0] as string, row);
      return true;
    })
    .catch(() => false);

  const rows: StatusRow[] = [];
  for (const node of allNodes(state.topology)) {
    const port = portOf(state, node);
    if (node.name === state.writer) {
      rows.push({ role: "writer", name: node.name, endpoint: at(port), state: writerUp ? "accepting writes" : "DOWN" });
      continue;
    }
    if (state.retired.includes(node.name)) {
      rows.push({ role: "retired", name: node.name, endpoint: at(port), state: "former writer (re-seed to rejoin)" });
      continue;
    }
    const row = replication.get(node.name);
    const reachable = row ? true : await reachableAt(ctx, { host: LOOPBACK, port });
    const [, streamState, slot, , replayBytes, , replayMs] = (row ?? []) as [string, string, string, boolean, string, string, string];
    rows.push({
      role: node.role,
      name: node.name,
      endpoint: at(port),
      state: row ? streamState : reachable ? "running, not streaming" : "DOWN",
      ...(row ? { lagBytes: Number(replayBytes), lagMs: Number(replayMs), slot } : { slot: `${"slot" in node ? node.slot : "-"} (inactive)` }),
    });
  }
  rows.push({
    role: "endpoint",
    name: "reader endpoint (ro)",
    endpoint: at(state.ports.readerEndpoint),
    state: isAlive(state.pids.readerEndpoint) ? "listening" : "DOWN",
  });
  for (const [pool, port] of Object.entries(state.ports.pools)) {
    const identity = await queryOnce(ctx, { host: LOOPBACK, port }, IDENTITY_SQL).catch(() => undefined);
    const landed = identity ? `up → ${String(identity[0]![0])}` : "DOWN";
    rows.push({ role: "pool", name: `${pool} pool`, endpoint: at(port), state: landed });
  }
  return rows;
}

async function reachableAt(ctx: Parameters<typeof queryOnce>[0], endpoint: Endpoint): Promise<boolean> {
  return queryOnce(ctx, endpoint, "SELECT 1")
    .then(() => true)
    .catch(() => false);
}
