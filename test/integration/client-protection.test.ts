/**
 * The routing client protects the primary and rides out replicas' own cancellations, on real servers:
 * - a read pool that accepts connections and never answers (blackholed) costs replicaTimeoutMs for the first
 *   breakerThreshold reads only; then the breaker opens and reads go to the primary at once, the read pool untried
 *   (its listener counts the connections it got);
 * - a replica read cancelled by a conflict with recovery (the primary takes an ACCESS EXCLUSIVE lock on a table the
 *   read holds; an OLTP replica's replay waits max_standby_streaming_delay = 5 s, then cancels the read's statement
 *   with SQLSTATE 40001, or ends its connection when it is between statements) runs again in a new transaction and
 *   returns its rows, instead of failing the caller.
 */
import { type Server, type Socket, createServer } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type ClientOptions, type Queryable, targetsFromOutputs } from "pg-read-replicas/client";
import { clientWith, closeClients, pauseReplay, resumeReplay } from "./clientSupport";
import { eventually, external, oltpReaders, outputs, sql } from "./support";

/** Accepts connections and never answers: a blackholed read pool. */
async function blackhole(): Promise<{
  endpoint: { host: string; port: number };
  accepted: () => number;
  close: () => void;
}> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: { host: "127.0.0.1", port },
    accepted: () => sockets.length,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

const one = async (tx: Queryable) => (await tx.query("SELECT 1 AS one")).rows[0].one as number;

afterAll(closeClients);

describe("the read pool's circuit breaker, on a blackholed read pool", () => {
  it("tries it for the first reads only, then sends reads to the primary without trying it", async () => {
    const hole = await blackhole();
    try {
      const client = clientWith(
        { replicaTimeoutMs: 300, breakerThreshold: 3, breakerCooldownMs: 60_000 },
        { read: hole.endpoint },
      );
      const routes = [];
      for (let i = 0; i < 8; i++) {
        const read = await client.read(one, { consistency: "eventual" });
        expect(read.result).toBe(1);
        routes.push(read.route);
      }
      expect(routes.every((r) => r.target === "primary" && r.fallback === "replica_unavailable")).toBe(true);
      expect(routes.slice(0, 3).map((r) => r.breakerOpen)).toEqual([undefined, undefined, undefined]);
      expect(routes.slice(3).every((r) => r.breakerOpen === true && r.attempts === 0)).toBe(true);
      expect(hole.accepted()).toBe(3);
    } finally {
      hole.close();
    }
  });

  it("with onReplicaUnavailable: error, fails fast while open, naming the breaker", async () => {
    const hole = await blackhole();
    try {
      const client = clientWith(
        { replicaTimeoutMs: 300, breakerThreshold: 2, breakerCooldownMs: 60_000, onReplicaUnavailable: "error" },
        { read: hole.endpoint },
      );
      for (let i = 0; i < 2; i++)
        await expect(client.read(one, { consistency: "eventual" })).rejects.toThrow(/unavailable/);
      await expect(client.read(one, { consistency: "eventual" })).rejects.toThrow(
        /circuit breaker is open after 2 failures/,
      );
      expect(hole.accepted()).toBe(2);
    } finally {
      hole.close();
    }
  });
});

describe("a replica read cancelled by a conflict with recovery", () => {
  /** A table on the writer with two rows, there on every OLTP replica, and a client whose reads replicas serve. */
  async function conflictSetup(options: ClientOptions) {
    const table = `conflict_${Date.now()}`;
    await sql(outputs.pools.write, `CREATE TABLE ${table} (id int); INSERT INTO ${table} VALUES (1), (2)`);
    for (const reader of oltpReaders())
      await eventually(`${table} on ${reader.name}`, 30_000, async () =>
        (await sql(reader, `SELECT to_regclass('${table}') IS NOT NULL AS there`))[0]?.there ? true : undefined,
      );
    const client = clientWith({ recoveryConflictRetries: 2, ...options });
    // A new client's staleness ceiling asks replicas for the writer's position at its start: once a read is a
    // replica's, the read below is one too (a read the primary served would hold the lock there, not on a replica).
    await eventually("a replica serving the client's reads", 30_000, async () =>
      (await client.read(one, { consistency: "eventual" })).route.target === "replica" ? true : undefined,
    );
    return { table, client };
  }

  /**
   * The writer takes ACCESS EXCLUSIVE on the table for 7 s. The lock's WAL record is not flushed by itself (it is
   * marked unimportant and asks for no flush), so a commit of another session's follows it at once: the replicas
   * receive the lock then, and an OLTP replica's replay waits max_standby_streaming_delay = 5 s for a read holding the
   * table, then cancels it. Without the flush the lock arrived with the COMMIT, or with the background writer's
   * running-transactions record every 15 s, whichever came first.
   */
  async function lockOnWriter(table: string): Promise<void> {
    const locking = sql(
      outputs.pools.write,
      `BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(7); COMMIT`,
    );
    await eventually("the writer holding the lock", 10_000, async () =>
      (
        await sql(
          outputs.writer,
          `SELECT count(*)::int AS n FROM pg_locks WHERE relation = '${table}'::regclass AND mode = 'AccessExclusiveLock' AND granted`,
        )
      )[0]?.n === 1
        ? true
        : undefined,
    );
    await sql(outputs.writer, `CREATE TABLE ${table}_flush (id int)`);
    await locking;
  }

  /**
   * A read whose first run reads the table on a replica and then holds it (`hold`) while the writer takes its lock;
   * every later run returns at once. Resolves with the read and how many times its function ran.
   */
  async function conflictedRead(
    hold: (tx: Queryable) => Promise<unknown>,
    afterLock: () => void = () => undefined,
    options: ClientOptions = {},
  ) {
    const { table, client } = await conflictSetup(options);
    const servers: string[] = [];
    let runs = 0;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const reading = client.read(
      async (tx) => {
        runs++;
        const { rows } = await tx.query(
          `SELECT count(*)::int AS n, pg_is_in_recovery() AS replica, current_setting('cluster_name') AS server FROM ${table}`,
        );
        servers.push(rows[0].server as string);
        if (!rows[0].replica) throw new Error("the read ran on the primary: no recovery conflict can happen there");
        if (runs === 1) {
          holding();
          await hold(tx);
        }
        return rows[0].n as number;
      },
      { consistency: "eventual" },
    );
    await held;
    await lockOnWriter(table);
    afterLock();
    return { read: await reading, runs, servers };
  }

  it("runs again and returns its rows when the primary's lock cancels its statement on the replica", async () => {
    // pg_sleep holds the table's lock until replay cancels it.
    const { read, runs } = await conflictedRead((tx) => tx.query("SELECT pg_sleep(30)"));
    expect(read.result).toBe(2);
    expect(runs).toBe(2);
    expect(read.route).toMatchObject({ target: "replica", recoveryConflicts: 1 });
  });

  it("with direct routing, runs again on another replica than the one that cancelled it, when there is another", async () => {
    const { read, runs, servers } = await conflictedRead(
      (tx) => tx.query("SELECT pg_sleep(30)"),
      () => undefined,
      { replicaRouting: "direct" },
    );
    expect(read.result).toBe(2);
    expect(runs).toBe(2);
    // The replicas direct routing reads: the OLTP replicas of the writer's region (a stack may have one).
    const members = targetsFromOutputs(outputs).replicas?.length ?? 0;
    if (members > 1) expect(servers[1]).not.toBe(servers[0]);
    else expect(servers[1]).toBe(servers[0]); // the only one: its replay passed the lock, and it serves again
    expect(read.route).toMatchObject({ target: "replica", server: servers[1], recoveryConflicts: 1 });
  });

  it("runs again when replay ends its connection while the function is between two statements", async () => {
    // A transaction idle between statements cannot have its statement cancelled: the standby ends its connection
    // (FATAL 40001), which pg reports apart from the next statement, that fails only with "not queryable".
    let released!: () => void;
    const lockReplayed = new Promise<void>((resolve) => (released = resolve));
    const { read, runs } = await conflictedRead(async (tx) => {
      await lockReplayed; // idle in transaction, holding the table's lock, until the writer's lock is over
      return tx.query("SELECT 1");
    }, released);
    expect(read.result).toBe(2);
    expect(runs).toBe(2);
    expect(read.route).toMatchObject({ target: "replica", recoveryConflicts: 1 });
  });
});

describe("this process's own pool, all in use", () => {
  const holdFor = (ms: number) => async (tx: Queryable) => (await tx.query(`SELECT pg_sleep(${ms / 1000})`)).rowCount;

  it("fails the read that found no free connection, naming the pool: no breaker, no primary read", async () => {
    const client = clientWith({ poolSize: 1, replicaTimeoutMs: 400, breakerThreshold: 1, breakerCooldownMs: 60_000 });
    const holding = client.read(holdFor(1500), { consistency: "eventual" });
    // Let the first read take the one connection before the second asks for it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await client.read(one, { consistency: "eventual" }).catch((error: unknown) => error);
    expect((refused as Error).name).toBe("ClientPoolExhaustedError");
    expect((refused as Error).message).toMatch(/all 1 of this client's connections to .* were in use for 400 ms/);
    expect((refused as { pool: string }).pool).toContain(`${outputs.pools.read.port}`);
    expect((await holding).route.target).toBe("replica");
    // The refusal counted nothing against the read pool: with breakerThreshold 1 a failure would have opened it.
    const after = await client.read(one, { consistency: "eventual" });
    expect(after.route).toMatchObject({ target: "replica" });
    expect(after.route.breakerOpen).toBeUndefined();
  });

  it("fails the write that found no free connection as exhaustion, not as the writer being unavailable", async () => {
    const client = clientWith({ poolSize: 1, connectionTimeoutMs: 400 });
    const holding = client.write(holdFor(1500));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await client.write(one).catch((error: unknown) => error);
    expect((refused as Error).name).toBe("ClientPoolExhaustedError");
    expect((refused as Error).message).toContain("nothing was sent to the server");
    await holding;
    expect((await client.write(one)).result).toBe(1);
  });
});

describe.skipIf(external)("the primary's budget of replica reads, with replay stopped on every replica", () => {
  afterEach(async () => {
    for (const reader of oltpReaders()) await resumeReplay(reader.name);
  });

  it("serves fallbacks up to its share of the window's replica reads, then fails fast", async () => {
    const client = clientWith({ maxWaitMs: 50, primaryBudget: { share: 0.25, windowMs: 60_000, minReads: 4 } });
    // Six reads the replicas serve (caught up: eventual reads pass the staleness ceiling).
    for (let i = 0; i < 6; i++)
      expect((await client.read(one, { consistency: "eventual" })).route.target).toBe("replica");
    for (const reader of oltpReaders()) await pauseReplay(reader.name);
    // A commit that writes WAL (an xid), which no replica replays while paused.
    const { token: ahead } = await client.write(async (tx) => (await tx.query("SELECT txid_current()")).rowCount);
    const gated = () => client.read(one, { token: ahead });
    // 1 of 7, then 2 of 8 reads: within a quarter.
    for (let i = 0; i < 2; i++)
      expect((await gated()).route).toMatchObject({ target: "primary", fallback: "wait_timeout" });
    const refused = (await gated().catch((error: unknown) => error)) as Error;
    expect(refused.name).toBe("PrimaryBudgetExceededError");
    expect(refused.message).toMatch(/wait_timeout.*already served 2 of the last 9 replica reads in 60000 ms/);
    for (const reader of oltpReaders()) await resumeReplay(reader.name);
    await eventually("the token replayed", 10_000, async () => (await gated()).route.target === "replica");
  });
});
