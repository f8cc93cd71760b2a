/**
 * `local up` on a running stack, through the CLI as a user runs it: --dry-run prints the plan and
 * changes nothing (same server processes, same data); a change that cannot be made in place is
 * refused, naming the procedure, and nothing is touched; a reload-only change reloads, restarting
 * nothing. Then a synchronous stack's switchover and scale-down: commits never stall, none is lost.
 * Skipped against a deployed stack (STACK_OUTPUTS): it boots and changes stacks of its own, not the stack in the
 * outputs file; npm test runs it.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { againstADeployedStack } from "./support";
import { WriteLoad } from "../../bench/writeLoad";
import type { ChangePlan } from "../../components/local/changePlan";
import { ChangingStack, drillConfig } from "../support/changeDrill";

const BIN = join(__dirname, "../../bin/pg-read-replicas.cjs");

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 240_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function postmasterPids(stack: ChangingStack): Record<string, number> {
  const state = stack.runner.state()!;
  return Object.fromEntries(
    Object.keys(state.endpoints.nodes).map((name) => [
      name,
      Number(readFileSync(join(stack.runner.layout.dataDir(name), "postmaster.pid"), "utf8").split("\n")[0]),
    ]),
  );
}

describe.skipIf(againstADeployedStack).sequential("local up --dry-run and refusals on a running stack", () => {
  const stack = new ChangingStack("planned");
  const args = () => ["--stack", "planned", "--state-dir", stack.stateDir, "--stacks-dir", stack.stacksDir];
  const rows = async () =>
    Number(await stack.runner.superuserQuery("planned-primary-0", "SELECT count(*) FROM pg_class"));

  beforeAll(async () => {
    stack.edit(drillConfig("planned", { replicas: 1 }));
    await stack.up();
  });
  afterAll(() => stack.down());

  it("prints the plan of a change (seed, restart, switchover, with pg_settings.context) and changes nothing", async () => {
    const before = { pids: postmasterPids(stack), rows: await rows(), state: stack.runner.state() };
    stack.edit(
      drillConfig("planned", {
        replicas: 2,
        resources: { primary: { memory: "320Mi" }, replica: { memory: "320Mi" } },
      }),
    );
    const text = await cli(["local", "up", "--dry-run", ...args()]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/planned-replica-1[\s\S]*seed/);
    expect(text.stdout).toMatch(/shared_buffers .* \(postmaster: restart\)/);
    expect(text.stdout).toMatch(/Switchover: planned-primary-0 → planned-replica-0/);
    const json = await cli(["local", "up", "--dry-run", "--json", ...args()]);
    const plan = JSON.parse(json.stdout) as ChangePlan;
    expect(Object.fromEntries(plan.servers.map((s) => [s.name, s.action]))).toEqual({
      "planned-primary-0": "switchover",
      "planned-replica-0": "restart",
      "planned-replica-1": "seed",
    });
    expect(postmasterPids(stack)).toEqual(before.pids);
    expect(await rows()).toBe(before.rows);
    expect(stack.runner.state()).toEqual(before.state);
  });

  it("refuses another major version before touching anything, naming pg_upgrade", async () => {
    const before = { pids: postmasterPids(stack), state: stack.runner.state() };
    stack.edit(drillConfig("planned", { replicas: 1, postgresVersion: 16 }));
    const dry = await cli(["local", "up", "--dry-run", ...args()]);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/postgresVersion: 15 → 16.*pg_upgrade/);
    await expect(stack.up()).rejects.toThrow(/cannot change the running stack planned in place[\s\S]*pg_upgrade/);
    expect(postmasterPids(stack)).toEqual(before.pids);
    expect(stack.runner.state()).toEqual(before.state);
  });

  it("reloads a reloadable setting (work_mem, user context) and restarts nothing", async () => {
    const before = postmasterPids(stack);
    stack.edit(drillConfig("planned", { replicas: 1, postgresql: { replica: { work_mem: "8MB" } } }));
    const result = await stack.up();
    const step = result.change!.plan.servers.find((s) => s.name === "planned-replica-0")!;
    expect(step.action).toBe("reload");
    expect(step.settings).toMatchObject([{ name: "work_mem", to: "8MB", context: "user" }]);
    expect(postmasterPids(stack)).toEqual(before);
    expect(await stack.runner.superuserQuery("planned-replica-0", "SHOW work_mem")).toBe("8MB");
  });

  it("local up --timings: each step of an up on the running stack with its duration, and the total", async () => {
    const up = await cli(["local", "up", "--timings", "--json", ...args()]);
    expect(up.code, up.stderr).toBe(0);
    const table = up.stderr.slice(up.stderr.indexOf("local up, step by step:")).trimEnd();
    const rows = table.split("\n").slice(2, -1);
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows) expect(row).toMatch(/^\S.*\s+\d+\s+\d+%$/);
    const total = Number(/^total\s+(\d+)$/m.exec(table)?.[1]);
    const sum = rows.reduce((acc, row) => acc + Number(/\s(\d+)\s+\d+%$/.exec(row)![1]), 0);
    expect(total).toBe(sum);
    expect(JSON.parse(up.stdout)).toMatchObject({ backend: "local" }); // stdout stays the outputs alone
  });

  it("turns the OLAP replica on (seeded, its pool started) and off (removed, its slot dropped, its pool stopped)", async () => {
    const base = { replicas: 1, postgresql: { replica: { work_mem: "8MB" } } };
    stack.edit(drillConfig("planned", { ...base, olap: { enabled: true } }));
    const on = await stack.up();
    expect(on.change!.plan.servers.find((s) => s.name === "planned-olap-0")?.action).toBe("seed");
    expect(on.change!.plan.pools.find((p) => p.key === "olap")?.action).toBe("start");
    expect(on.outputs.pools.olap).toBeDefined();
    expect((await stack.slots()).slots).toEqual(["planned_olap_0", "planned_replica_0"]);
    stack.edit(drillConfig("planned", base));
    const off = await stack.up();
    expect(off.change!.plan.servers.find((s) => s.name === "planned-olap-0")?.action).toBe("remove");
    expect(off.outputs.pools.olap).toBeUndefined();
    expect((await stack.slots()).slots).toEqual(["planned_replica_0"]);
    expect(stack.runner.state()!.pids.pools.olap).toBeUndefined();
  });
});

describe.skipIf(againstADeployedStack).sequential("a synchronous stack changed under write load", () => {
  const stack = new ChangingStack("syncdrill");
  const sync = { replication: { synchronousCommit: "remote_write", synchronousReplicas: 1 } };
  let load: WriteLoad;

  beforeAll(async () => {
    stack.edit(drillConfig("syncdrill", sync));
    load = new WriteLoad((await stack.up()).outputs);
    await load.start();
  });
  afterAll(async () => {
    await load?.stop();
    await stack.down();
  });

  it("switches the writer over and removes a standby named in synchronous_standby_names: no commit stalls or is lost", async () => {
    // A hang shows where: the steps each `up` took and the load's last acknowledged commit.
    onTestFailed(() => {
      const last = load.acknowledged.at(-1);
      console.log(
        `syncdrill steps:\n${stack.steps.join("\n")}\nload: ${load.acknowledged.length} acknowledged, the last at ${last ? new Date(last.at).toISOString() : "-"}; failures: ${JSON.stringify(load.failures.slice(-5))}`,
      );
    });
    stack.edit(
      drillConfig("syncdrill", { ...sync, resources: { primary: { memory: "320Mi" }, replica: { memory: "320Mi" } } }),
    );
    const switched = await stack.up();
    expect(switched.change!.switchover?.from).toBe("syncdrill-primary-0");
    const writer = stack.runner.state()!.writer;
    const names = await stack.runner.superuserQuery(writer, "SHOW synchronous_standby_names");
    expect(names).toMatch(/^ANY 1 \(.*"syncdrill-primary-0"/);
    stack.edit(
      drillConfig("syncdrill", {
        ...sync,
        replicas: 1,
        resources: { primary: { memory: "320Mi" }, replica: { memory: "320Mi" } },
      }),
    );
    const shrunk = await stack.up();
    expect(shrunk.report.ok).toBe(true);
    const { slots, expected } = await stack.slots();
    expect(slots).toEqual(expected);
    const synchronous = await stack.runner.superuserQuery(
      stack.runner.state()!.writer,
      "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')",
    );
    expect(Number(synchronous)).toBeGreaterThanOrEqual(1);
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(await load.lost()).toEqual([]);
    expect(load.acknowledged.length).toBeGreaterThan(100);
  });
});
