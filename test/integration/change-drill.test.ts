/**
 * The change drill (issue 21): a running stack changed again and again under a steady write load
 * through its write pool, by editing its stack file and running `local up`, as a user would. Replicas
 * 2 → 3 → 1, then more memory on every server (shared_buffers needs a restart: replicas restart one
 * at a time, the writer is switched over), then replicas back to 2. After each `up`: verification
 * passed, the writer's slots are exactly its standbys', and at the end every acknowledged write is
 * there. The drill runs on its own small stack in its own state directory, beside the shared one.
 * Skipped against a deployed stack (STACK_OUTPUTS): the drill boots and changes a stack of its own, not the stack in
 * the outputs file; npm test runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { againstADeployedStack } from "./support";
import { WriteLoad } from "../../bench/writeLoad";
import { ChangingStack, drillConfig } from "../support/changeDrill";

describe.skipIf(againstADeployedStack).sequential("change drill: local up on a running stack under write load", () => {
  const stack = new ChangingStack("drill");
  let load: WriteLoad;

  beforeAll(async () => {
    stack.edit(drillConfig("drill"));
    const { outputs } = await stack.up();
    load = new WriteLoad(outputs);
    await load.start();
  });

  afterAll(async () => {
    await load?.stop();
    await stack.down();
  });

  async function changeTo(patch: Record<string, unknown>) {
    stack.edit(drillConfig("drill", patch));
    const from = Date.now();
    const result = await stack.up();
    const to = Date.now();
    expect(result.started).toBe("changed");
    expect(result.report.ok).toBe(true);
    const { slots, expected } = await stack.slots();
    expect(slots).toEqual(expected);
    expect(load.failuresBetween(from, to)).toEqual([]);
    return result;
  }

  it("adds a replica: 2 → 3, seeded from the writer, its slot made", async () => {
    const result = await changeTo({ replicas: 3 });
    expect(result.change!.plan.servers.find((s) => s.name === "drill-replica-2")?.action).toBe("seed");
    expect(result.outputs.readers.map((r) => r.name).sort()).toEqual([
      "drill-replica-0",
      "drill-replica-1",
      "drill-replica-2",
    ]);
  });

  it("removes two: 3 → 1, their data and slots gone", async () => {
    const result = await changeTo({ replicas: 1 });
    expect(result.change!.plan.servers.filter((s) => s.action === "remove").map((s) => s.name)).toEqual([
      "drill-replica-1",
      "drill-replica-2",
    ]);
    expect(result.outputs.readers.map((r) => r.name)).toEqual(["drill-replica-0"]);
    expect((await stack.slots()).slots).toEqual(["drill_replica_0"]);
  });

  it("raises memory on every server: replicas restart, the writer is switched over, writes only wait", async () => {
    const result = await changeTo({
      replicas: 1,
      resources: { primary: { memory: "384Mi" }, replica: { memory: "384Mi" } },
    });
    const { plan, switchover } = result.change!;
    const writerStep = plan.servers.find((s) => s.name === "drill-primary-0")!;
    expect(writerStep.action).toBe("switchover");
    expect(writerStep.settings.find((s) => s.name === "shared_buffers")?.context).toBe("postmaster");
    expect(switchover).toMatchObject({ from: "drill-primary-0", to: "drill-replica-0" });
    expect(stack.runner.state()!.writer).toBe("drill-replica-0");
    // The old writer serves again, as a replica of the new one.
    expect(result.outputs.readers.map((r) => r.name).sort()).toEqual(["drill-primary-0"]);
  });

  it("adds a replica back (1 → 2) on the switched-over stack, and lost no acknowledged write", async () => {
    await changeTo({ replicas: 2, resources: { primary: { memory: "384Mi" }, replica: { memory: "384Mi" } } });
    await load.stop();
    expect(load.acknowledged.length).toBeGreaterThan(100);
    expect(await load.lost()).toEqual([]);
    expect(load.failures).toEqual([]);
  });
});
