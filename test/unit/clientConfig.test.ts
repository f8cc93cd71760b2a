/**
 * The client's configuration: URLs from outputs, shell exports, env vars and outputs refused with reasons, the
 * bounded-read sampler.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  ClientConfigError,
  ReplicaClient,
  connectionUrls,
  shellExports,
  targetsFromEnv,
  targetsFromOutputs,
} from "pg-read-replicas/client";
import { PrimaryPositions } from "../../components/client/positions";
import { OutputsFileError } from "../../components/contract/outputsFile";

const outputs = {
  backend: "local",
  database: "app",
  user: "app",
  password: "p@ss'word/x",
  writer: { host: "127.0.0.1", port: 5432 },
  readerEndpoint: { host: "127.0.0.1", port: 6433 },
  readers: [{ name: "r0", region: "local", role: "oltp", host: "127.0.1.2", port: 5432 }],
  pools: {
    write: { host: "127.0.0.1", port: 6432 },
    read: { host: "127.0.0.1", port: 6433 },
    olap: { host: "127.0.0.1", port: 6434 },
  },
  regions: [],
  topologyHash: "h",
  verification: { timeoutMs: 1000, maxLagBytes: 1, maxLagMs: 1000 },
  notes: [],
};

describe("connection URLs", () => {
  it("point at the pools, encode the password, and survive a shell round trip", () => {
    const urls = connectionUrls(outputs);
    expect(urls).toEqual({
      primary: "postgresql://app:p%40ss'word%2Fx@127.0.0.1:6432/app",
      replica: "postgresql://app:p%40ss'word%2Fx@127.0.0.1:6433/app",
      olap: "postgresql://app:p%40ss'word%2Fx@127.0.0.1:6434/app",
    });
    const printed = execFileSync(
      "bash",
      [
        "-c",
        `${shellExports(urls)}\nprintf '%s\\n' "$DATABASE_PRIMARY_URL" "$DATABASE_REPLICA_URL" "$DATABASE_OLAP_URL"`,
      ],
      { encoding: "utf8" },
    );
    expect(printed.trim().split("\n")).toEqual([urls.primary, urls.replica, urls.olap]);
    expect(shellExports({ primary: "a", replica: "b" })).toMatch(/^unset DATABASE_OLAP_URL$/m);
  });

  it("ask for TLS when the stack requires it, verified when the outputs carry the CA, naming its file when at hand", () => {
    const tls = { ...outputs, tls: { required: true } };
    expect(connectionUrls(tls).primary).toMatch(/\?sslmode=require$/);
    const withCa = { ...outputs, tls: { required: true, caPem: "-----BEGIN CERTIFICATE-----" } };
    expect(connectionUrls(withCa).primary).toMatch(/\?sslmode=verify-full$/);
    expect(connectionUrls(tls, { sslrootcert: "/s/ca.crt" }).primary).toMatch(
      /\?sslmode=verify-full&sslrootcert=%2Fs%2Fca\.crt$/,
    );
  });

  it("are read back by the client into the same pools, the password decoded, TLS as libpq means it", () => {
    const urls = connectionUrls({ ...outputs, tls: { required: true } });
    const targets = targetsFromEnv({ DATABASE_PRIMARY_URL: urls.primary, DATABASE_REPLICA_URL: urls.replica });
    expect(targets.write.config).toMatchObject({
      host: "127.0.0.1",
      port: 6432,
      database: "app",
      user: "app",
      password: "p@ss'word/x",
    });
    expect(targets.read.label).toBe("127.0.0.1:6433/app");
    expect(targets.olap).toBeUndefined();
    // sslmode=require: encrypted, certificate not verified (libpq), not node-postgres's verify-full.
    expect(targets.write.config.ssl).toMatchObject({ rejectUnauthorized: false });
  });
});

describe("a verifying URL without sslrootcert takes libpq's CA file", () => {
  const home = mkdtempSync(join(tmpdir(), "pgrr-home-"));
  const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const urls = {
    DATABASE_PRIMARY_URL: "postgresql://app:pw@pool.example:6432/app?sslmode=verify-full",
    DATABASE_REPLICA_URL: "postgresql://app:pw@pool.example:6433/app?sslmode=require",
  };
  const sslOf = (env: NodeJS.ProcessEnv) => targetsFromEnv({ ...urls, ...env });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("PGSSLROOTCERT first; a missing one is refused naming the file, never replaced by the public roots", () => {
    const file = join(home, "given.crt");
    writeFileSync(file, ca);
    expect(sslOf({ PGSSLROOTCERT: file, HOME: home }).write.config.ssl).toMatchObject({ ca });
    expect(() => sslOf({ PGSSLROOTCERT: join(home, "absent.crt") })).toThrow(/DATABASE_PRIMARY_URL.*absent\.crt/);
  });

  it("then ~/.postgresql/root.crt when it is there; else Node's public roots, which refuse a private CA", () => {
    expect(sslOf({ HOME: home }).write.config.ssl).not.toHaveProperty("ca");
    mkdirSync(join(home, ".postgresql"), { recursive: true });
    writeFileSync(join(home, ".postgresql", "root.crt"), ca);
    const ssl = sslOf({ HOME: home }).write.config.ssl as { ca?: string; rejectUnauthorized?: boolean };
    expect(ssl.ca).toBe(ca);
    expect(ssl.rejectUnauthorized).not.toBe(false);
    // A mode that does not verify takes no CA file, as libpq's.
    expect(sslOf({ HOME: home }).read.config.ssl).toEqual({ rejectUnauthorized: false });
  });
});

describe("configuration refused with the reason", () => {
  it("names missing variables and the command that prints them", () => {
    expect(() => targetsFromEnv({})).toThrow(
      /DATABASE_PRIMARY_URL and DATABASE_REPLICA_URL are not set.*local env --stack/,
    );
    expect(() => targetsFromEnv({ DATABASE_PRIMARY_URL: "postgresql://a:b@h/db" })).toThrow(
      /^DATABASE_REPLICA_URL is not set/,
    );
    expect(() => ReplicaClient.fromEnv({})).toThrow(ClientConfigError);
  });

  it("names a malformed URL without printing its password", () => {
    const env = { DATABASE_PRIMARY_URL: "postgresql://a:b@h/db", DATABASE_REPLICA_URL: "mysql://app:hunter2@h/db" };
    expect(() => targetsFromEnv(env)).toThrow(
      /DATABASE_REPLICA_URL = "mysql:\/\/app:\*\*\*@h\/db" is not a PostgreSQL URL/,
    );
    expect(() => targetsFromEnv({ ...env, DATABASE_REPLICA_URL: "postgresql://app:hunter2@h" })).toThrow(
      /has no database/,
    );
    try {
      targetsFromEnv(env);
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });

  it("refuses outputs without pools, naming the missing keys", () => {
    const { pools: _pools, ...withoutPools } = outputs;
    expect(() => targetsFromOutputs(withoutPools)).toThrow(OutputsFileError);
    expect(() => ReplicaClient.fromOutputs(withoutPools)).toThrow(
      /pools: .*\n.*Create it with pulumi stack output --json --show-secrets/,
    );
    expect(() => ReplicaClient.fromOutputs({ ...outputs, pools: { write: outputs.pools.write } })).toThrow(
      /pools\.read/,
    );
    expect(() => ReplicaClient.fromOutputs({ ...outputs, password: "[secret]" })).toThrow(/--show-secrets/);
  });

  it("refuses nonsense options", () => {
    expect(() => ReplicaClient.fromOutputs(outputs, { maxWaitMs: -1 })).toThrow(/maxWaitMs = -1: use a number ≥ 0/);
    const db = ReplicaClient.fromOutputs(outputs);
    expect(() => db.windowSession({ primaryAfterWriteMs: 0 })).toThrow(/primaryAfterWriteMs = 0: use a number/);
    expect(() => db.windowSession({ primaryAfterWriteMs: 5000, lastWriteAt: Number.NaN })).toThrow(
      /lastWriteAt = NaN: use the epoch milliseconds/,
    );
    void db.close();
    expect(() => ReplicaClient.fromOutputs(outputs, { replicaAttempts: 0 })).toThrow(
      /replicaAttempts = 0: use a whole number ≥ 1/,
    );
    expect(() => ReplicaClient.fromOutputs(outputs, { onReplicaUnavailable: "maybe" as never })).toThrow(
      /onReplicaUnavailable/,
    );
    expect(() => ReplicaClient.fromOutputs(outputs, { breakerThreshold: 0 })).toThrow(
      /breakerThreshold = 0: use a whole number ≥ 1/,
    );
    expect(() => ReplicaClient.fromOutputs(outputs, { breakerCooldownMs: 0 })).toThrow(
      /breakerCooldownMs = 0: use a number of milliseconds > 0/,
    );
    for (const bad of [-1, 1.5])
      expect(() => ReplicaClient.fromOutputs(outputs, { recoveryConflictRetries: bad })).toThrow(
        new RegExp(`recoveryConflictRetries = ${bad}: use a whole number ≥ 0`),
      );
    void ReplicaClient.fromOutputs(outputs, { recoveryConflictRetries: 0 }).close();
  });
});

describe("the writer's position for bounded reads", () => {
  it("uses the oldest sample inside the bound, samples again past half of it, and shares one query", async () => {
    let now = 1000;
    let asked = 0;
    let position = 0x100;
    const positions = new PrimaryPositions(
      async () => {
        asked++;
        return `0/${(position += 0x100).toString(16)}`;
      },
      1000,
      () => now,
    );
    const [a, b] = await Promise.all([positions.requiredFor(1000), positions.requiredFor(1000)]);
    expect([a, b, asked]).toEqual(["0/200", "0/200", 1]);
    now += 400; // newest sample 400 ms old: still within half the bound
    expect(await positions.requiredFor(1000)).toBe("0/200");
    now += 200; // 600 ms: a new sample, but the 600 ms old one is still the weakest proof of the bound
    expect(await positions.requiredFor(1000)).toBe("0/200");
    expect(asked).toBe(2);
    now += 500; // the first sample is now 1100 ms old: the second one (500 ms) is used
    expect(await positions.requiredFor(1000)).toBe("0/300");
    positions.record(now, "0/9000"); // a write through the client is a sample too
    now += 1200;
    expect(await positions.requiredFor(1000)).toBe("0/400");
    expect(asked).toBe(3);
  });

  it("holds a busy client's bound near what it asks for: at 1,000 writes/s, a 1 s bound is not enforced as 31 ms", async () => {
    let now = 0;
    const positions = new PrimaryPositions(
      () => Promise.reject(new Error("no query: the writes are the samples")),
      1000,
      () => now,
    );
    for (; now <= 3000; now++) positions.record(now, `0/${(0x1000 + now).toString(16)}`);
    now = 3000;
    const required = parseInt((await positions.requiredFor(1000)).split("/")[1]!, 16) - 0x1000;
    // The sample used is at most horizon/64 (~16 ms) younger than the bound: the replica may be ~984 ms behind.
    expect(now - required).toBeLessThanOrEqual(1000);
    expect(now - required).toBeGreaterThanOrEqual(1000 - 1000 / 64 - 1);
    expect(positions.size).toBeLessThanOrEqual(128);
  });

  it("only ever asks for a real sample inside the bound, and none much younger than the oldest one there (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 2, maxLength: 400 }),
        fc.integer({ min: 100, max: 2000 }),
        fc.integer({ min: 20, max: 2000 }),
        async (gaps, horizon, boundWanted) => {
          const bound = Math.min(boundWanted, horizon);
          let now = 0;
          const positions = new PrimaryPositions(
            () => Promise.resolve("FF/0"),
            horizon,
            () => now,
          );
          const recorded: number[] = [];
          for (const gap of gaps) {
            now += gap;
            recorded.push(now);
            positions.record(now, `0/${now.toString(16)}`);
          }
          now += Math.floor(bound / 2); // the newest sample still counts: no new query
          const inside = recorded.filter((at) => at >= now - bound);
          const required = await positions.requiredFor(bound);
          if (inside.length === 0) return; // the newest is older than the bound: a new sample was taken
          const at = parseInt(required.split("/")[1]!, 16);
          expect(recorded).toContain(at); // a real sample: the writer was there
          expect(at).toBeGreaterThanOrEqual(now - bound); // it proves the bound
          expect(at - inside[0]!).toBeLessThanOrEqual(horizon / 64 + Math.max(...gaps)); // and asks little more
        },
      ),
    );
  });

  it("keeps the ceiling when the writer cannot be asked: its last reported position, said to be unverified", async () => {
    let now = 0;
    let writerUp = true;
    const positions = new PrimaryPositions(
      () => (writerUp ? Promise.resolve("0/100") : Promise.reject(new Error("connect ECONNREFUSED"))),
      30_000,
      () => now,
    );
    expect(await positions.ceilingFor(30_000)).toEqual({ lsn: "0/100", verified: true });
    writerUp = false;
    now += 20_000; // past half the ceiling: a new sample is wanted, but the one inside the ceiling still proves it
    expect(await positions.ceilingFor(30_000)).toEqual({ lsn: "0/100", verified: true });
    now += 20_000; // nothing inside the ceiling: the last position known is required, unverified
    expect(await positions.ceilingFor(30_000)).toEqual({ lsn: "0/100", verified: false });
    const neverAnswered = new PrimaryPositions(
      () => Promise.reject(new Error("down")),
      30_000,
      () => now,
    );
    expect(await neverAnswered.ceilingFor(30_000)).toEqual({ lsn: undefined, verified: false });
  });
});
