/**
 * replicaRouting "direct" (issue 26 item 7): the client connects to each OLTP replica, remembers each one's replay
 * position from its reads, and sends a gated read straight to a replica known to have caught up. With replay paused on
 * one replica, every read-your-writes read goes to the other at the first transaction; with replay paused on all, the
 * read is served by the primary without a transaction opened on any replica (their positions were asked, not polled
 * with reads); a replica that cannot be reached is skipped and the other serves.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  type ClientOptions,
  ClientConfigError,
  type Queryable,
  ReplicaClient,
  targetsFromOutputs,
} from "pg-read-replicas/client";
import {
  clientWith,
  closeClients,
  closedPort,
  pauseReplay,
  resumeReplay,
  versionedTable,
  writeVersion,
} from "./clientSupport";
import { external, oltpReaders, outputs } from "./support";

const own: ReplicaClient[] = [];
afterEach(async () => {
  if (!external) for (const reader of oltpReaders()) await resumeReplay(reader.name);
});
afterAll(async () => {
  await Promise.all(own.splice(0).map((c) => c.close()));
  await closeClients();
});

const direct = (options: ClientOptions = {}) => clientWith({ replicaRouting: "direct", maxWaitMs: 300, ...options });
const one = async (tx: Queryable) => (await tx.query("SELECT 1 AS one")).rows[0].one as number;

describe.skipIf(external || oltpReaders().length < 2)("direct replica routing", () => {
  it("sends every gated read straight to the replica that has caught up, never opening one on the paused one", async () => {
    const [paused, running] = oltpReaders();
    const db = direct();
    const table = await versionedTable("direct");
    await pauseReplay(paused!.name);
    for (let i = 1; i <= 20; i++) {
      const { token } = await db.write((tx) => writeVersion(tx, table, "k", i));
      const read = await db.read(
        async (tx) => (await tx.query(`SELECT version FROM ${table} WHERE id = 'k'`)).rows[0].version,
        {
          token,
          maxWaitMs: 5_000,
        },
      );
      expect(read.result).toBe(i);
      expect(read.route).toMatchObject({ target: "replica", server: running!.name, attempts: 1 });
    }
  });

  it("asks the replicas' positions instead of opening reads on them when none has caught up, then reads the primary", async () => {
    const db = direct({ maxWaitMs: 200 });
    const table = await versionedTable("direct_all");
    for (const reader of oltpReaders()) await pauseReplay(reader.name);
    const { token } = await db.write((tx) => writeVersion(tx, table, "k", 1));
    const read = await db.read(one, { token });
    expect(read.route).toMatchObject({ target: "primary", fallback: "wait_timeout", attempts: 0 });
    expect(read.route.bytesBehind).toBeGreaterThan(0);
  });

  it("spreads reads without a token over every replica", async () => {
    const db = direct();
    const servers = new Set<string>();
    for (let i = 0; i < 40; i++) servers.add((await db.read(one, { consistency: "eventual" })).route.server);
    expect([...servers].sort()).toEqual(
      oltpReaders()
        .map((r) => r.name)
        .sort(),
    );
  });

  it("never reads from a member that reaches a writer (a promoted replica), and the read still completes", async () => {
    const targets = targetsFromOutputs(outputs);
    const [promoted, ...rest] = targets.replicas!;
    const writer = { ...promoted!.target, config: { ...promoted!.target.config, ...outputs.writer } };
    const db = new ReplicaClient(
      { ...targets, replicas: [{ name: promoted!.name, target: writer }, ...rest] },
      {
        replicaRouting: "direct",
        maxWaitMs: 300,
      },
    );
    own.push(db);
    const table = await versionedTable("direct_promoted");
    for (let i = 1; i <= 5; i++) {
      const { token } = await db.write((tx) => writeVersion(tx, table, "k", i));
      // A deadline, so a read that looped on the writer fails here instead of hanging the suite.
      const read = await db.read(one, { token, timeoutMs: 10_000 });
      expect(read.route.target).not.toBe("olap");
      if (read.route.target === "replica") expect(rest.map((r) => r.name)).toContain(read.route.server);
    }
  });

  it("skips a replica that cannot be reached, and the others serve", async () => {
    const targets = targetsFromOutputs(outputs);
    const closed = await closedPort();
    const [lost, ...rest] = targets.replicas!;
    const db = new ReplicaClient(
      {
        ...targets,
        replicas: [
          { name: lost!.name, target: { ...lost!.target, config: { ...lost!.target.config, ...closed } } },
          ...rest,
        ],
      },
      { replicaRouting: "direct", breakerThreshold: 1, breakerCooldownMs: 60_000, replicaTimeoutMs: 1_000 },
    );
    own.push(db);
    for (let i = 0; i < 10; i++) {
      const read = await db.read(one, { consistency: "eventual" });
      expect(read.route.target).toBe("replica");
      expect(rest.map((r) => r.name)).toContain(read.route.server);
    }
  });
});

describe("direct replica routing's configuration", () => {
  it("needs the replicas' addresses: from environment URLs it is refused, naming the fix", () => {
    const env = {
      DATABASE_PRIMARY_URL: "postgresql://a@127.0.0.1:1/d",
      DATABASE_REPLICA_URL: "postgresql://a@127.0.0.1:2/d",
    };
    expect(() => ReplicaClient.fromEnv(env, { replicaRouting: "direct" })).toThrow(ClientConfigError);
    expect(() => ReplicaClient.fromEnv(env, { replicaRouting: "direct" })).toThrow(
      /build the client from the stack outputs/,
    );
    expect(() => ReplicaClient.fromEnv(env, { replicaRouting: "sideways" as never })).toThrow(
      /use "pool" .* or "direct"/,
    );
  });

  it("takes the OLTP replicas of the writer's region from the outputs, never the OLAP one", () => {
    const names = targetsFromOutputs(outputs).replicas?.map((r) => r.name) ?? [];
    const home = outputs.regions.find((r) => r.primary)?.region;
    expect(names.sort()).toEqual(
      outputs.readers
        .filter((r) => r.role === "oltp" && r.region === home)
        .map((r) => r.name)
        .sort(),
    );
    expect(names).not.toContain(outputs.readers.find((r) => r.role === "olap")?.name);
  });
});
