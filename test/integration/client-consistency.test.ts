/**
 * The routing client against real servers: read-your-writes never returns a stale row, also
 * with a replica's replay paused; tokens cross client instances; bounded reads leave a
 * replica past the bound; a server not in recovery is never read from. With STACK_OUTPUTS
 * the tests that pause replay (which needs the servers' superuser) are skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReplicaClient, type Route, WrongServerError, parseToken } from "pg-read-replicas/client";
import {
  clientWith,
  closeClients,
  closedPort,
  pauseReplay,
  readAll,
  readVersion,
  replayed,
  resumeReplay,
  versionedTable,
  writeVersion,
} from "./clientSupport";
import { endpointOf, eventually, external, olapReaders, oltpReaders, outputs, sql } from "./support";

const SESSIONS = 6;
const ITERATIONS = 50;

interface Tally {
  stale: number;
  backwards: number;
  routes: Route[];
}

/**
 * SESSIONS sessions, each writing its own row ITERATIONS times and reading it (and every other row) back after each
 * write.
 */
async function writeThenRead(db: ReplicaClient, table: string): Promise<Tally> {
  const tally: Tally = { stale: 0, backwards: 0, routes: [] };
  await Promise.all(
    Array.from({ length: SESSIONS }, async (_, s) => {
      const session = db.session();
      const seen = new Map<string, number>();
      for (let version = 1; version <= ITERATIONS; version++) {
        await session.write((tx) => writeVersion(tx, table, `s${s}`, version));
        const own = await session.read((tx) => readVersion(tx, table, `s${s}`));
        if (own.result !== version) tally.stale++;
        const all = await session.read((tx) => readAll(tx, table));
        for (const [id, v] of all.result) {
          if (v < (seen.get(id) ?? 0)) tally.backwards++;
          seen.set(id, v);
        }
        if ((all.result.get(`s${s}`) ?? 0) < version) tally.stale++;
        tally.routes.push(own.route, all.route);
      }
    }),
  );
  return tally;
}

afterAll(closeClients);

describe("read-your-writes through the stack's pools", () => {
  let table: string;
  beforeAll(async () => {
    table = await versionedTable("ryw");
  });

  it(`never returns a stale row: ${SESSIONS} concurrent sessions, ${ITERATIONS} writes each, every write read back`, async () => {
    const tally = await writeThenRead(clientWith({ maxWaitMs: 1000 }), table);
    expect(tally.routes).toHaveLength(SESSIONS * ITERATIONS * 2);
    expect(tally.stale).toBe(0);
    expect(tally.backwards).toBe(0);
    // Healthy replicas serve the reads; the primary only when one is slower than the wait bound.
    expect(tally.routes.filter((r) => r.target === "replica").length).toBeGreaterThan(tally.routes.length / 2);
    if (!external)
      for (const route of tally.routes.filter((r) => r.target === "replica"))
        expect(oltpReaders().map((r) => r.name)).toContain(route.server);
  });

  it("gates reads of one client instance with tokens from another (two app pods)", async () => {
    const [podA, podB] = [clientWith({ maxWaitMs: 1000 }), clientWith({ maxWaitMs: 1000 })];
    for (let version = 1; version <= 40; version++) {
      const { token } = await podA.write((tx) => writeVersion(tx, table, "shared", version));
      const read = await podB.read((tx) => readVersion(tx, table, "shared"), { token });
      expect(read.result).toBe(version);
      expect(parseToken(read.token!)).toBeGreaterThanOrEqual(parseToken(token));
    }
  });

  it("serves eventual reads from replicas and primary reads from the writer, read-only both", async () => {
    const db = clientWith();
    const eventual = await db.read((tx) => tx.query("SELECT pg_is_in_recovery() AS r"), { consistency: "eventual" });
    expect(eventual.route.target).toBe("replica");
    expect(eventual.result.rows[0].r).toBe(true);
    const primary = await db.read((tx) => tx.query("SELECT pg_is_in_recovery() AS r"), { consistency: "primary" });
    expect(primary.route.target).toBe("primary");
    expect(primary.route.fallback).toBeUndefined();
    expect(primary.result.rows[0].r).toBe(false);
    await expect(db.read((tx) => writeVersion(tx, table, "x", 1), { consistency: "primary" })).rejects.toThrow(
      /read-only transaction/,
    );
    expect((await db.read((tx) => readVersion(tx, table, "x"), { consistency: "primary" })).result).toBeUndefined();
  });

  it("sends analytic reads to the OLAP pool, or says there is none", async () => {
    const db = clientWith();
    if (!outputs.pools.olap) {
      await expect(db.analytic((tx) => tx.query("SELECT 1"))).rejects.toThrow(/no OLAP pool/);
      return;
    }
    const read = await db.analytic((tx) => tx.query("SELECT pg_is_in_recovery() AS r"));
    expect(read.route.target).toBe("olap");
    expect(read.result.rows[0].r).toBe(true);
    if (!external) expect(read.route.server).toBe(olapReaders()[0]!.name);
  });

  it("never reads from a server that is not in recovery, even when a pool points at one", async () => {
    const db = clientWith({}, { read: outputs.writer, olap: outputs.writer });
    const read = await db.read((tx) => tx.query("SELECT pg_is_in_recovery() AS r"), { consistency: "eventual" });
    expect(read.route).toMatchObject({ target: "primary", fallback: "not_in_recovery" });
    await expect(db.analytic((tx) => tx.query("SELECT 1"))).rejects.toThrow(WrongServerError);
    const replicaAsWriter = clientWith({}, { write: endpointOf(oltpReaders()[0]!), read: outputs.writer });
    await expect(replicaAsWriter.read((tx) => tx.query("SELECT 1"), { consistency: "primary" })).rejects.toThrow(
      /is in recovery \(a replica\): no read was made/,
    );
  });
});

describe.skipIf(external).sequential("with one replica's replay paused", () => {
  const [paused, healthy] = [oltpReaders()[0]!, oltpReaders()[1]!];
  let table: string;
  beforeAll(async () => {
    table = await versionedTable("paused");
    await eventually(
      `the table on ${paused.name}`,
      10_000,
      async () => (await sql(endpointOf(paused), `SELECT count(*) FROM ${table}`)).length,
    );
    await pauseReplay(paused.name);
  });
  afterAll(async () => {
    await resumeReplay(paused.name);
  });

  it("never returns a stale row through the read pool, and the paused replica serves none of the reads", async () => {
    const tally = await writeThenRead(clientWith({ maxWaitMs: 1000 }), table);
    expect(tally.stale).toBe(0);
    expect(tally.backwards).toBe(0);
    expect(tally.routes.map((r) => r.server)).not.toContain(paused.name);
    expect(tally.routes.filter((r) => r.server === healthy.name).length).toBeGreaterThan(0);
  });

  it("falls back to the primary within the wait bound when the replica it reaches stays behind", async () => {
    const db = clientWith({ maxWaitMs: 100, pollIntervalMs: 2 }, { read: endpointOf(paused) });
    // Pauses of 2, 4, 8, 16, 20, 20, 20 ms fit in 100 ms: at most 8 checks before the primary serves.
    for (let version = 1; version <= 20; version++) {
      const { token } = await db.write((tx) => writeVersion(tx, table, "fallback", version));
      const read = await db.read((tx) => readVersion(tx, table, "fallback"), { token });
      expect(read.result).toBe(version);
      expect(read.route).toMatchObject({ target: "primary", fallback: "wait_timeout", gated: true });
      expect(read.route.attempts).toBeGreaterThanOrEqual(2);
      expect(read.route.attempts).toBeLessThanOrEqual(8);
      expect(read.route.bytesBehind).toBeGreaterThan(0);
    }
  });

  it("lets bounded reads leave the paused replica once its lag exceeds the bound, and use the current one", async () => {
    const onPaused = clientWith({ maxStalenessMs: 200 }, { read: endpointOf(paused) });
    await onPaused.write((tx) => writeVersion(tx, table, "bounded", 1));
    // Past the bound: the paused replica now misses a write older than 200 ms.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < 10; i++) {
      const read = await onPaused.read((tx) => readVersion(tx, table, "bounded"), { consistency: "bounded" });
      expect(read.route).toMatchObject({ target: "primary", fallback: "lag_over_bound" });
      expect(read.result).toBe(1);
    }
    const onHealthy = clientWith({ maxStalenessMs: 200 }, { read: endpointOf(healthy) });
    const served = await eventually("a bounded read on the current replica", 10_000, async () => {
      const read = await onHealthy.read((tx) => readVersion(tx, table, "bounded"), { consistency: "bounded" });
      return read.route.target === "replica" ? read : undefined;
    });
    expect(served.result).toBe(1);
    // Through the read pool: a read that meets the paused replica first tries again (replicaAttempts, default 3) and
    // the current replica serves it; the primary only when every attempt met the paused one. How often the pool hands
    // out the paused replica is PgBouncer's and the read pool controller's (which drops a replica it finds too far
    // behind), so the comparison with one attempt is test/unit/clientRouting.test.ts's, on scripted servers.
    const boundedReads = async (options: { replicaAttempts?: number }): Promise<Route[]> => {
      const db = clientWith({ maxStalenessMs: 200, ...options });
      const routes: Route[] = [];
      for (let i = 0; i < 100; i++)
        routes.push((await db.read((tx) => tx.query("SELECT 1"), { consistency: "bounded" })).route);
      return routes;
    };
    const routes = await boundedReads({});
    const single = await boundedReads({ replicaAttempts: 1 });
    const onReplicas = (list: Route[]) => list.filter((r) => r.target === "replica").length;
    expect([...routes, ...single].map((r) => r.server)).not.toContain(paused.name);
    expect(routes.every((r) => r.attempts <= 3)).toBe(true);
    expect(onReplicas(routes)).toBeGreaterThanOrEqual(60);
    expect(single.every((r) => r.attempts === 1)).toBe(true);
  });

  it("keeps eventual and token-less reads under the staleness ceiling: a replica further behind the writer serves none", async () => {
    const capped = clientWith({ maxReplicaStalenessMs: 300, maxWaitMs: 50 }, { read: endpointOf(paused) });
    await capped.write((tx) => writeVersion(tx, table, "ceiling", 1));
    // Past the ceiling: the paused replica now misses a write older than 300 ms, and says so by its position only
    // (its lag figure is no help: replay paused, or a dead WAL receiver, it reports what it has).
    await new Promise((resolve) => setTimeout(resolve, 700));
    for (const consistency of ["eventual", "read-your-writes"] as const) {
      const read = await capped.read((tx) => readVersion(tx, table, "ceiling"), { consistency });
      expect(read.result).toBe(1);
      expect(read.route).toMatchObject({ target: "primary", fallback: "lag_over_ceiling", ceilingVerified: true });
    }
  });

  it("keeps serving replica reads while the writer cannot be asked, saying the ceiling is unverified", async () => {
    const writerDown = clientWith(
      { maxReplicaStalenessMs: 300 },
      { read: endpointOf(healthy), write: await closedPort() },
    );
    const read = await writerDown.read((tx) => tx.query("SELECT 1"), { consistency: "eventual" });
    expect(read.route).toMatchObject({ target: "replica", server: healthy.name, ceilingVerified: false });
  });

  it("routes a token-less window session to the primary for its window after a write, then to replicas", async () => {
    const db = clientWith({}, { read: endpointOf(healthy) });
    const session = db.windowSession({ primaryAfterWriteMs: 400 });
    const before = await session.read((tx) => readVersion(tx, table, "window"));
    expect(before.route.target).toBe("replica"); // no write yet: any replica
    await session.write((tx) => writeVersion(tx, table, "window", 1));
    const inWindow = await session.read((tx) => readVersion(tx, table, "window"));
    expect(inWindow).toMatchObject({ result: 1, route: { target: "primary" } });
    // Another instance, given only the time of the write (a cookie), keeps the window.
    const elsewhere = db.windowSession({ primaryAfterWriteMs: 400, lastWriteAt: session.lastWriteAt });
    expect((await elsewhere.read((tx) => readVersion(tx, table, "window"))).route.target).toBe("primary");
    await new Promise((resolve) => setTimeout(resolve, 500));
    // After the window a replica serves (one that has the write here; a replica further behind than the window but
    // within the staleness ceiling would serve a stale row: the window's weakness, which a token does not have).
    const after = await session.read((tx) => readVersion(tx, table, "window"));
    expect(after).toMatchObject({ result: 1, route: { target: "replica", server: healthy.name } });
  });

  it("goes back to the replica once replay resumes", async () => {
    const db = clientWith({ maxWaitMs: 2000 }, { read: endpointOf(paused) });
    const before = await replayed(endpointOf(paused));
    await resumeReplay(paused.name);
    await eventually(`${paused.name} replaying again`, 10_000, async () =>
      (await replayed(endpointOf(paused))) !== before ? true : undefined,
    );
    for (let version = 1; version <= 20; version++) {
      const { token } = await db.write((tx) => writeVersion(tx, table, "resumed", version));
      const read = await db.read((tx) => readVersion(tx, table, "resumed"), { token });
      expect(read.result).toBe(version);
      expect(read.route).toMatchObject({ target: "replica", server: paused.name });
      expect(read.route.fallback).toBeUndefined();
    }
  });
});
