/**
 * Routing and read-only guarantees, against real servers: the topology booted
 * by globalSetup, or any deployed stack given with STACK_OUTPUTS.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyStack } from "../../components/verify/verifier";
import {
  endpointOf,
  eventually,
  external,
  localJobScript,
  olapReaders,
  oltpReaders,
  outputs,
  sql,
  stateDir,
} from "./support";

const run = promisify(execFile);

describe("a topology with OLTP replicas and an OLAP replica", () => {
  it("comes up and verifies streaming end to end", async () => {
    if (!external) {
      expect(oltpReaders().map((r) => r.name)).toEqual(["it-replica-0", "it-replica-1"]);
      expect(olapReaders().map((r) => r.name)).toEqual(["it-olap-0"]);
    }
    const report = await verifyStack(outputs, { timeoutMs: 30_000 });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    for (const replica of report.replicas) {
      expect(replica.state, replica.name).toBe("streaming");
      expect(replica.slotActive, replica.name).toBe(true);
      expect(replica.readOnly, replica.name).toBe(true);
      expect(replica.heartbeatVisibleMs!, replica.name).toBeLessThanOrEqual(outputs.verification.maxLagMs);
    }
  });
});

describe("routing through the pools", () => {
  const table = `routing_${randomBytes(4).toString("hex")}`;
  beforeAll(async () => {
    await sql(
      outputs.pools.write,
      `CREATE TABLE ${table} (token text PRIMARY KEY, written_at timestamptz DEFAULT clock_timestamp())`,
    );
  });

  it("makes a write through the write pool visible through the read pool within the lag bound", async () => {
    const token = randomBytes(8).toString("hex");
    const started = Date.now();
    await sql(outputs.pools.write, `INSERT INTO ${table} (token) VALUES ($1)`, [token]);
    await eventually("the row through the read pool", outputs.verification.maxLagMs, async () => {
      const rows = await sql(outputs.pools.read, `SELECT token FROM ${table} WHERE token = $1`, [token]);
      return rows.length === 1 ? true : undefined;
    });
    expect(Date.now() - started).toBeLessThanOrEqual(outputs.verification.maxLagMs);
  });

  it("lands every one of 200 read-pool connections on an OLTP replica, and uses each of them", async () => {
    const oltp = oltpReaders().map((r) => r.name);
    const landed = new Map<string, number>();
    for (let batch = 0; batch < 10; batch++) {
      const rows = await Promise.all(
        Array.from({ length: 20 }, () =>
          sql<{ name: string; in_recovery: boolean }>(
            outputs.pools.read,
            "SELECT current_setting('cluster_name') AS name, pg_is_in_recovery() AS in_recovery, pg_sleep(0.01)",
          ),
        ),
      );
      for (const [row] of rows) {
        expect(row!.in_recovery).toBe(true);
        expect(oltp).toContain(row!.name);
        landed.set(row!.name, (landed.get(row!.name) ?? 0) + 1);
      }
    }
    expect([...landed.values()].reduce((a, b) => a + b, 0)).toBe(200);
    expect([...landed.keys()].sort()).toEqual([...oltp].sort());
  });

  it("refuses writes through the read pool", async () => {
    await expect(sql(outputs.pools.read, `INSERT INTO ${table} (token) VALUES ('through-read-pool')`)).rejects.toThrow(
      /read-only transaction/,
    );
  });

  it("refuses writes directly on every replica", async () => {
    for (const reader of outputs.readers) {
      await expect(
        sql(endpointOf(reader), `INSERT INTO ${table} (token) VALUES ('direct')`),
        reader.name,
      ).rejects.toThrow(/read-only transaction/);
    }
  });

  it.skipIf(!outputs.pools.olap)("lands OLAP pool connections on the OLAP replica only", async () => {
    const olap = olapReaders().map((r) => r.name);
    expect(olap.length).toBeGreaterThan(0);
    const rows = await Promise.all(
      Array.from({ length: 30 }, () =>
        sql<{ name: string }>(outputs.pools.olap!, "SELECT current_setting('cluster_name') AS name, pg_sleep(0.01)"),
      ),
    );
    expect(new Set(rows.map(([row]) => row!.name))).toEqual(new Set(olap));
  });

  it("keeps the OLAP replica out of the reader endpoint", async () => {
    const rows = await Promise.all(
      Array.from({ length: 30 }, () =>
        sql<{ name: string }>(outputs.readerEndpoint, "SELECT current_setting('cluster_name') AS name"),
      ),
    );
    const olap = olapReaders().map((r) => r.name);
    for (const [row] of rows) expect(olap).not.toContain(row!.name);
  });
});

describe("per-role settings", () => {
  const show = async (reader: { host: string; port: number }, name: string) =>
    (await sql<Record<string, string>>(endpointOf(reader), `SHOW ${name}`))[0]![name];

  // Against any stack: the roles' policies, and analytic memory on the OLAP replica above the OLTP replicas'
  // (stack config may raise work_mem, as prod does). The suite's own topology also gets exact defaults.
  it.skipIf(!outputs.pools.olap)(
    "puts the analytic settings and the no-cancel policy in effect on the OLAP replica",
    async () => {
      const [olap] = olapReaders();
      const [oltp] = oltpReaders();
      const bytes = async (reader: { host: string; port: number }) =>
        Number(
          (
            await sql<{ b: string }>(
              endpointOf(reader),
              "SELECT setting::bigint * 1024 AS b FROM pg_settings WHERE name = 'work_mem'",
            )
          )[0]!.b,
        );
      expect(await bytes(olap!)).toBeGreaterThan(await bytes(oltp!));
      expect(await show(olap!, "max_parallel_workers_per_gather")).toBe("4");
      expect(await show(olap!, "enable_partitionwise_join")).toBe("on");
      expect(await show(olap!, "hot_standby_feedback")).toBe("off");
      expect(await show(olap!, "max_standby_streaming_delay")).toBe("-1");
      if (!external) expect(await show(olap!, "work_mem")).toBe("128MB");
    },
  );

  it("keeps the OLTP replicas fresh, feedback on, read-only", async () => {
    for (const reader of oltpReaders()) {
      expect(await show(reader, "hot_standby_feedback"), reader.name).toBe("on");
      expect(await show(reader, "max_standby_streaming_delay"), reader.name).toBe("5s");
      expect(await show(reader, "default_transaction_read_only"), reader.name).toBe("on");
      if (!external) {
        expect(await show(reader, "work_mem"), reader.name).toBe("4MB");
        expect(await show(reader, "max_parallel_workers_per_gather"), reader.name).toBe("2");
      }
    }
  });
});

describe.skipIf(external)("the Kubernetes verification Job's script", () => {
  it("passes against these servers, run with bash and psql as the Job runs it", async () => {
    const { script, env } = localJobScript({ pools: true });
    const path = join(stateDir!, "verify-job.sh");
    writeFileSync(path, script);
    const { stdout } = await run("bash", [path], { env: { ...env, HEARTBEAT_TOKEN: "itest-job" } });
    expect(stdout).toContain("verify: PASSED (primary mode");
    expect(stdout).toContain("it-replica-1 (oltp, local): streaming on it_replica_1");
    expect(stdout).toContain("pool olap (127.0.0.1:");
  });
});
