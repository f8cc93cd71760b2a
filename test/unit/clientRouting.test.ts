/**
 * The router's choice among replicas, on scripted servers (no network): a bounded read that meets a replica behind
 * the bound tries another read-pool transaction (which the pool may place on another replica) before the primary.
 * On real servers the read pool's placement is PgBouncer's; here each connection answers as the script says.
 */
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { Router } from "../../components/client/route";
import { BEGIN_PRIMARY_READ, BEGIN_REPLICA_READ, endPrimaryRead, endReplicaRead } from "../../components/client/sql";

interface Scripted {
  server: string;
  replayLsn: string;
  inRecovery: boolean;
  /** The caller's statements fail on this server with this SQLSTATE (a recovery conflict: 40001). */
  failsWith?: string;
}

const BEGAN = "1796660260728217";

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
            rows: [
              {
                in_recovery: server.inRecovery,
                replay_lsn: server.replayLsn,
                lag_ms: 0,
                server: server.server,
                began: BEGAN,
              },
            ],
          },
        ];
      if (text === BEGIN_PRIMARY_READ)
        return [{}, { rows: [{ in_recovery: false, server: server.server, began: BEGAN }] }];
      if (text === endReplicaRead(BEGAN) || text === endPrimaryRead(BEGAN))
        return [{ rows: [{ lsn: server.replayLsn }] }, {}];
      if (text === "SELECT 1" && server.failsWith)
        throw Object.assign(new Error("canceling statement due to conflict with recovery"), { code: server.failsWith });
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

const OPTIONS = {
  pollIntervalMs: 1,
  replicaTimeoutMs: 1000,
  onReplicaUnavailable: "primary" as const,
  breakerThreshold: 3,
  breakerCooldownMs: 5000,
  recoveryConflictRetries: 2,
};

function router(read: readonly Scripted[], options: Partial<typeof OPTIONS> & { now?: () => number } = {}) {
  const reads = scriptedPool(read);
  const writes = scriptedPool([writer]);
  const route = new Router({ pool: writes.pool, label: "write" }, { pool: reads.pool, label: "read" }, undefined, {
    ...OPTIONS,
    ...options,
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

/** A read pool that cannot be reached until `up` says so: every connect fails, counted. */
function unreachablePool(): { pool: pg.Pool; tried: () => number; bringUp: () => void } {
  let tried = 0;
  let up = false;
  const healthy = scriptedPool([current]);
  const connect = async () => {
    tried++;
    if (!up) throw new Error("connect ETIMEDOUT");
    return healthy.pool.connect();
  };
  return { pool: { connect } as unknown as pg.Pool, tried: () => tried, bringUp: () => (up = true) };
}

/** A router over an unreachable read pool, on the given clock. */
function unreachableRouter(now: () => number) {
  const reads = unreachablePool();
  const writes = scriptedPool([writer]);
  const route = new Router({ pool: writes.pool, label: "write" }, { pool: reads.pool, label: "read" }, undefined, {
    ...OPTIONS,
    now,
  });
  return { route, reads };
}

describe("the read pool's circuit breaker", () => {
  const eventual = { required: undefined, waitMs: 0, attempts: 1, lagReason: "lag_over_ceiling" as const };

  it("stops trying an unreachable read pool after 3 failures in a row, then probes it once per cooldown", async () => {
    let now = 0;
    const { route, reads } = unreachableRouter(() => now);
    const read = () => route.replica(async () => "rows", eventual, undefined);
    for (let i = 0; i < 3; i++)
      expect((await read()).route).toMatchObject({ target: "primary", fallback: "replica_unavailable" });
    expect(reads.tried()).toBe(3);
    const skipped = await read();
    expect(skipped.route).toMatchObject({ target: "primary", fallback: "replica_unavailable", breakerOpen: true });
    expect(skipped.route.attempts).toBe(0);
    expect(reads.tried()).toBe(3);
    now = 5_000; // the cooldown is over: one probe, which fails and opens it again
    expect((await read()).route.breakerOpen).toBeUndefined();
    expect(reads.tried()).toBe(4);
    expect((await read()).route.breakerOpen).toBe(true);
    expect(reads.tried()).toBe(4);
    reads.bringUp();
    now = 10_000; // the next probe succeeds: closed, replicas serve again
    expect((await read()).route.target).toBe("replica");
    expect((await read()).route.target).toBe("replica");
    expect(reads.tried()).toBe(6);
  });

  it("gives its probe back when the probing read is cancelled before the read pool answers", async () => {
    let now = 0;
    const { route, reads } = unreachableRouter(() => now);
    for (let i = 0; i < 3; i++) await route.replica(async () => "rows", eventual, undefined);
    now = 5_000;
    const cancelled = new AbortController();
    cancelled.abort(new Error("the caller gave up"));
    await expect(route.replica(async () => "rows", eventual, cancelled.signal)).rejects.toThrow("the caller gave up");
    reads.bringUp();
    // Not stuck half-open: the next read is the probe, it succeeds, and the breaker closes.
    expect((await route.replica(async () => "rows", eventual, undefined)).route.target).toBe("replica");
  });

  it("is not opened by reads behind their token, only by a read pool that cannot be reached", async () => {
    const { route, reads } = router([behind]);
    for (let i = 0; i < 5; i++) await route.replica(async () => "rows", gate(1), undefined);
    const served = await route.replica(async () => "rows", gate(1), undefined);
    expect(served.route.breakerOpen).toBeUndefined();
    expect(reads.opened).toHaveLength(6);
  });
});

describe("a replica read cancelled by a conflict with recovery", () => {
  const conflicting = { ...current, server: "replica-conflict", failsWith: "40001" };
  const select = async (tx: { query: (q: string) => Promise<unknown> }) => {
    await tx.query("SELECT 1");
    return "rows";
  };
  const eventual = { required: undefined, waitMs: 0, attempts: 1, lagReason: "lag_over_ceiling" as const };

  it("runs again in a new transaction, which the read pool may place elsewhere", async () => {
    const { route, reads } = router([conflicting, current]);
    const served = await route.replica(select, eventual, undefined);
    expect(served.result).toBe("rows");
    expect(served.route).toMatchObject({ target: "replica", server: "replica-current", recoveryConflicts: 1 });
    expect(reads.opened).toEqual(["replica-conflict", "replica-current"]);
  });

  it("throws the conflict once its retries are spent, and never retries another error", async () => {
    const { route, reads } = router([conflicting], { recoveryConflictRetries: 2 });
    await expect(route.replica(select, eventual, undefined)).rejects.toMatchObject({ code: "40001" });
    expect(reads.opened).toHaveLength(3);
    const other = router([{ ...current, failsWith: "42P01" }]);
    await expect(other.route.replica(select, eventual, undefined)).rejects.toMatchObject({ code: "42P01" });
    expect(other.reads.opened).toHaveLength(1);
  });
});
