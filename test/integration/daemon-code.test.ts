/**
 * `local up` on a running stack after the checkout changed (a pull, an upgrade of this tool): the CLI's daemons, the
 * read pool controller and the pools' exporter, are started again when the code they were started from is not the
 * code on disk (daemonCode.ts), and left alone when it is. A daemon from other code is modelled by the digest an
 * earlier checkout would have recorded, or none (a state written before digests were). Runs on a small stack of its
 * own, with monitoring, beside the shared one; skipped against a deployed stack.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daemonCodeDigest } from "../../components/local/daemonCode";
import { isAlive } from "../../components/local/exec";
import { writeState } from "../../components/local/state";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { sqlOn } from "../support/localStack";
import { ChangingStack, drillConfig } from "../support/changeDrill";
import { againstADeployedStack } from "./support";

describe.skipIf(againstADeployedStack).sequential("the CLI's daemons across local up", () => {
  const stack = new ChangingStack("daemons");
  let outputs: StackOutputs;
  const daemons = () => {
    const state = stack.runner.state()!;
    return { controller: state.pids.readPoolController, exporter: state.monitoring?.pids.poolExporter, state };
  };
  const readThroughPool = async () =>
    (await sqlOn<{ replica: boolean }>(outputs, outputs.pools.read, "SELECT pg_is_in_recovery() AS replica"))[0]
      ?.replica;

  beforeAll(async () => {
    stack.edit(drillConfig("daemons", { replicas: 1, monitoring: { enabled: true } }));
    ({ outputs } = await stack.up());
  });

  afterAll(async () => {
    await stack.down();
  });

  it("records the code each daemon was started from", () => {
    const { state, controller, exporter } = daemons();
    expect(isAlive(controller) && isAlive(exporter)).toBe(true);
    expect(state.daemonCode).toEqual({ "read-pool": daemonCodeDigest(), "pool-exporter": daemonCodeDigest() });
  });

  it("leaves daemons that run the code on disk alone", async () => {
    const before = daemons();
    await stack.up();
    const after = daemons();
    expect([after.controller, after.exporter]).toEqual([before.controller, before.exporter]);
  });

  it("starts again a daemon started from other code, and only that one", async () => {
    const before = daemons();
    writeState(stack.runner.layout, {
      ...before.state,
      daemonCode: { ...before.state.daemonCode, "read-pool": "0".repeat(32) },
    });
    await stack.up();
    const after = daemons();
    expect(after.controller).not.toBe(before.controller);
    expect(isAlive(before.controller)).toBe(false);
    expect(isAlive(after.controller)).toBe(true);
    expect(after.exporter).toBe(before.exporter);
    expect(after.state.daemonCode?.["read-pool"]).toBe(daemonCodeDigest());
    expect(await readThroughPool()).toBe(true);
  });

  it("starts both again for a state that recorded no code (written by a version before this one)", async () => {
    const before = daemons();
    const { daemonCode: _recorded, ...older } = before.state;
    writeState(stack.runner.layout, older);
    await stack.up();
    const after = daemons();
    expect(after.controller).not.toBe(before.controller);
    expect(after.exporter).not.toBe(before.exporter);
    expect([isAlive(before.controller), isAlive(before.exporter)]).toEqual([false, false]);
    expect(after.state.daemonCode).toEqual({ "read-pool": daemonCodeDigest(), "pool-exporter": daemonCodeDigest() });
    expect(await readThroughPool()).toBe(true);
  });
});
