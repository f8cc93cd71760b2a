/**
 * The prod stack rehearsed as it will run (as root: its regions in network namespaces):
 * TLS required everywhere, synchronous commit to a local replica, eu-west-1 streaming over
 * verified TLS from its own subnet, and a partition drill on that region's link.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStackConfig } from "../../components/config/stackFile";
import { run } from "../../components/local/exec";
import { namespacePrefix } from "../../components/local/network";
import { LocalRunner } from "../../components/local/runner";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import { stackClient } from "../../components/contract/connection";
import { verifyStack } from "../../components/verify/verifier";

const ROOT = { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false };
const REMOTE = ["pg-replica-eu-west-1-0", "pg-replica-eu-west-1-1"];

async function sql(
  outputs: StackOutputs,
  endpoint: { host: string; port: number },
  text: string,
  values: unknown[] = [],
) {
  const client = stackClient(outputs, endpoint, { queryTimeoutMs: 10_000 });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe.skipIf(userInfo().uid !== 0).sequential("prod, rehearsed with its regions in network namespaces", () => {
  let parent: string;
  let runner: LocalRunner;
  let outputs: StackOutputs;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), "pgrr-prod-"));
    chmodSync(parent, 0o755);
    runner = new LocalRunner("prod", join(parent, "s"));
    ({ outputs } = await runner.up(topologyFromPulumiConfig(readStackConfig("stacks", "prod")).topology));
  });

  afterAll(async () => {
    const down = await runner?.down();
    expect(down?.namespaces.length).toBe(3);
    const left = (await run("ip", ["netns", "list"], { runAs: ROOT })).stdout;
    expect(left).not.toContain(namespacePrefix(runner.layout.root));
    rmSync(parent, { recursive: true, force: true });
  });

  it("verifies end to end with commits synchronous to a quorum of local replicas, remote ones asynchronous", async () => {
    const report = await verifyStack(outputs, { timeoutMs: 60_000 });
    expect(report.problems).toEqual([]);
    const sync = Object.fromEntries(report.replicas.map((r) => [r.name, r.sync]));
    expect(sync).toEqual({
      "pg-replica-0": "quorum",
      "pg-replica-1": "quorum",
      "pg-replica-2": "quorum",
      "pg-olap-0": "async",
      [REMOTE[0]!]: "async",
      [REMOTE[1]!]: "async",
    });
  });

  it("refuses plain text at the pools and at the servers", async () => {
    const plain = { ...outputs, tls: { required: false } };
    await expect(sql(plain, outputs.pools.write, "SELECT 1")).rejects.toThrow(/SSL required/);
    await expect(sql(plain, outputs.writer, "SELECT 1")).rejects.toThrow(/no encryption/);
  });

  it("streams eu-west-1 over TLS from that region's own subnet", async () => {
    const state = runner.state()!;
    const eu =
      state.network.kind === "namespaces" ? state.network.regions.find((r) => r.region === "eu-west-1")! : undefined;
    // As the superuser: the senders' addresses and TLS are other roles' session details, which the application user
    // does not read (it holds no pg_monitor).
    const text = await runner.superuserQuery(
      state.writer,
      "SELECT r.application_name, host(r.client_addr), s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name LIKE 'pg-replica-eu%' ORDER BY 1",
    );
    const rows = text
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [name, addr, ssl] = line.split("|") as [string, string, string];
        return { name, addr, ssl: ssl === "t" };
      });
    expect(rows.map((r) => r.name)).toEqual(REMOTE);
    for (const row of rows) {
      expect(row.ssl).toBe(true);
      expect(row.addr.startsWith(eu!.octets.join("."))).toBe(true);
    }
  });

  it("names eu-west-1's replicas when its link is cut, keeps taking writes, and catches up on their slots when it is back", async () => {
    await sql(outputs, outputs.pools.write, "CREATE TABLE IF NOT EXISTS partition_drill (id int PRIMARY KEY)");
    await runner.setRegionLink("eu-west-1", false);
    try {
      const report = await verifyStack(outputs, { timeoutMs: 5000, retryDelayMs: 1000 });
      expect(report.ok).toBe(false);
      const named = new Set(report.replicas.filter((r) => r.problems.length > 0).map((r) => r.name));
      expect([...named].sort()).toEqual(REMOTE);
      await sql(outputs, outputs.pools.write, "INSERT INTO partition_drill SELECT generate_series(1, 1000)");
    } finally {
      await runner.setRegionLink("eu-west-1", true);
    }
    const report = await verifyStack(outputs, { timeoutMs: 90_000 });
    expect(report.problems).toEqual([]);
    for (const name of REMOTE) {
      const replica = outputs.readers.find((r) => r.name === name)!;
      expect((await sql(outputs, replica, "SELECT count(*)::int AS n FROM partition_drill"))[0].n).toBe(1000);
    }
    const slots = await sql(
      outputs,
      outputs.writer,
      "SELECT slot_name, active FROM pg_replication_slots WHERE slot_name LIKE 'pg_replica_eu%' ORDER BY 1",
    );
    expect(slots).toEqual([
      { slot_name: "pg_replica_eu_west_1_0", active: true },
      { slot_name: "pg_replica_eu_west_1_1", active: true },
    ]);
  });
});
