/**
 * Failover that loses nothing it acknowledged: writers insert sequential ids through the
 * write pool as fast as they can, the primary's postmaster is killed with SIGKILL, a replica
 * is promoted, and every acknowledged id is looked for on the new writer. A synchronous stack
 * must lose none; an asynchronous one's loss is measured and printed, not hidden.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive } from "../../components/local/exec";
import { LocalRunner } from "../../components/local/runner";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { stackClient } from "../../components/contract/connection";
import { localBase, patched } from "../support/configs";

interface Crash {
  acknowledged: number[];
  lost: number[];
  promoted: string;
  synchronous: string;
}

async function writeUntilCrash(outputs: StackOutputs, crash: () => void): Promise<number[]> {
  const acknowledged: number[] = [];
  let next = 1;
  let crashed = false;
  const writer = async () => {
    const client = stackClient(outputs, outputs.pools.write, { queryTimeoutMs: 3000 });
    await client.connect();
    try {
      while (true) {
        const id = next++;
        try {
          await client.query("INSERT INTO acked (id) VALUES ($1)", [id]);
          acknowledged.push(id);
        } catch {
          if (crashed) return;
        }
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const writers = Array.from({ length: 4 }, writer);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  crash();
  crashed = true;
  await Promise.all(writers);
  return acknowledged;
}

async function crashAndPromote(name: string, replication: Record<string, unknown>): Promise<Crash> {
  const parent = mkdtempSync(join(tmpdir(), "pgrr-durability-"));
  chmodSync(parent, 0o755);
  const runner = new LocalRunner(name, join(parent, "s"));
  try {
    const config = patched(localBase(), {
      name,
      olap: { enabled: false },
      replication,
      resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" } },
    });
    const { outputs } = await runner.up(topologyFromConfig(config).topology);
    const setup = stackClient(outputs, outputs.pools.write);
    await setup.connect();
    await setup.query("CREATE TABLE acked (id int PRIMARY KEY)");
    await setup.end();
    const state = runner.state()!;
    const primary = state.topology.primary.name;
    let killed = 0;
    const acknowledged = await writeUntilCrash(outputs, () => {
      killed = Number(readFileSync(join(runner.layout.dataDir(primary), "postmaster.pid"), "utf8").split("\n")[0]);
      process.kill(killed, "SIGKILL");
    });
    // SIGKILL is delivered, not instant: on a loaded machine the postmaster can outlive the writers' errors briefly.
    for (const deadline = Date.now() + 10_000; isAlive(killed) && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await runner.promote();
    const reader = stackClient(result.outputs, result.outputs.pools.write);
    await reader.connect();
    const present = new Set((await reader.query<{ id: number }>("SELECT id FROM acked")).rows.map((r) => r.id));
    await reader.end();
    const lost = acknowledged.filter((id) => !present.has(id));
    console.log(
      `failover durability (${name}): ${acknowledged.length} commits acknowledged before SIGKILL, ${lost.length} lost after promoting ${result.promoted}; ${result.synchronous}`,
    );
    return { acknowledged, lost, promoted: result.promoted, synchronous: result.synchronous };
  } finally {
    const down = await runner.down();
    expect(down.removed).toBe(true);
    rmSync(parent, { recursive: true, force: true });
  }
}

describe.sequential("failover after the primary is killed", () => {
  it("loses no acknowledged commit on a synchronous stack, and keeps commits synchronous on the new writer", async () => {
    const crash = await crashAndPromote("durable", { synchronousCommit: "remote_write", synchronousReplicas: 1 });
    expect(crash.acknowledged.length).toBeGreaterThan(100);
    expect(crash.lost).toEqual([]);
    const survivor = ["durable-replica-0", "durable-replica-1"].find((n) => n !== crash.promoted);
    expect(crash.synchronous).toBe(
      `synchronous_commit = remote_write, synchronous_standby_names = ANY 1 ("${survivor}")`,
    );
  });

  it("on an asynchronous stack, counts what the crash lost (printed) and still promotes a writer", async () => {
    const crash = await crashAndPromote("hasty", { synchronousCommit: "local" });
    expect(crash.acknowledged.length).toBeGreaterThan(100);
    // Whatever was lost is the tail: commits acknowledged after the last WAL the replica received.
    const firstLost = Math.min(...crash.lost, Infinity);
    expect(crash.acknowledged.filter((id) => id < firstLost - 200 && crash.lost.includes(id))).toEqual([]);
    expect(crash.synchronous).toMatch(/^asynchronous, as the stack/);
  });
});
