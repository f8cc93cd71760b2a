/**
 * The router's choice among replicas, on scripted servers (no network): a bounded read that meets a replica behind
 * the bound tries another read-pool transaction (which the pool may place on another replica) before the primary.
 * On real servers the read pool's placement is PgBouncer's; here each connection answers as the script says.
 */
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { Router } from "../../components/client/route";
import {
  BEGIN_PRIMARY_READ,
  BEGIN_REPLICA_READ,
  END_PRIMARY_READ,
  END_REPLICA_READ,
} from "../../components/client/sql";

interface Scripted {
  server: string;
  replayLsn: string;
  inRecovery: boolean;
}

/** A pool whose n-th transaction runs on servers[n % length]. */
function scriptedPool(servers: readonly Scripted[]): { pool: pg.Pool; opened: string[] } {
  const opened: string[] = [];
  let next = 0;
  const connect = async () => {
    const server = servers[next++ % servers.length]!;
    opened.push(server.server);
    const query = async (q: string | { text: string }) => {
      const text = typeof q === "string" ? q : q.text;
      if (text === BEGIN_REPLICA_READ)
        return [
          {},
          {
            rows: [{ in_recovery: server.inRecovery, replay_lsn: server.replayLsn, lag_ms: 0, server: server.server }],
          },
          {},
        ];
      if (text === BEGIN_PRIMARY_READ) return [{}, { rows: [{ in_recovery: false, server: server.server }] }, {}];
      if (text === END_REPLICA_READ || text === END_PRIMARY_READ)
        return [{}, { rows: [{ lsn: server.replayLsn }] }, {}];
      return { rows: [] }; // ROLLBACK, the caller's statements
    };
    const none = () => undefined;
    return { query, release: none, on: none, removeListener: none } as unknown as pg.PoolClient;
  };
  return { pool: { connect } as unknown as pg.Pool, opened };
}

const behind = { server: "replica-behind", replayLsn: "0/100", inRecovery: true };
const current = { server: "replica-current", replayLsn: "0/900", inRecovery: true };
const writer = { server: "primary", replayLsn: "0/900", inRecovery: false };

function router(read: readonly Scripted[]) {
  const reads = scriptedPool(read);
  const writes = scriptedPool([writer]);
  const route = new Router({ pool: writes.pool, label: "write" }, { pool: reads.pool, label: "read" }, undefined, {
    pollIntervalMs: 1,
    replicaTimeoutMs: 1000,
    onReplicaUnavailable: "primary",
  });
  return { route, reads, writes };
}

const gate = (attempts: number) => ({
  required: "0/500",
  waitMs: 0,
  attempts,
  lagReason: "lag_over_bound" as const,
});

describe("a bounded read among replicas", () => {
  it("tries another replica when the first is behind the bound, before the primary", async () => {
    const { route, reads, writes } = router([behind, current]);
    const served = await route.replica(async () => "rows", gate(3), undefined);
    expect(served.route).toMatchObject({ target: "replica", server: "replica-current", attempts: 2 });
    expect(reads.opened).toEqual(["replica-behind", "replica-current"]);
    expect(writes.opened).toEqual([]);
  });

  it("goes to the primary once every attempt met a replica behind the bound", async () => {
    const { route, reads } = router([behind]);
    const served = await route.replica(async () => "rows", gate(3), undefined);
    expect(served.route).toMatchObject({ target: "primary", fallback: "lag_over_bound", attempts: 3 });
    expect(reads.opened).toHaveLength(3);
  });

  it("with one attempt (the earlier behaviour) the first replica behind sends the read to the primary", async () => {
    const { route } = router([behind, current]);
    const served = await route.replica(async () => "rows", gate(1), undefined);
    expect(served.route).toMatchObject({ target: "primary", fallback: "lag_over_bound", attempts: 1 });
  });
});
