/**
 * The prod stack rehearsed here (as root: regions in network namespaces, TLS required, synchronous
 * commit, a replica region), changed as its stack file changes, under a write load through the write
 * pool: the capacity formula asks for a fourth replica (seeded into the home region's namespace), then
 * max_connections goes up on every server (a postmaster setting that standbys need at least at the
 * primary's value: replicas restart first, then the writer is switched over and the remote region follows
 * it over verified TLS). No write fails, none is lost, the writer's slots are its standbys'.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { WriteLoad } from "../../bench/writeLoad";
import { ChangingStack } from "../support/changeDrill";

describe.skipIf(userInfo().uid !== 0).sequential("prod, rehearsed, changed under write load", () => {
  const stack = new ChangingStack("prod");
  let load: WriteLoad;

  function editStackFile(change: (config: Record<string, unknown>) => void): void {
    const document = parse(readFileSync(stack.stackFile(), "utf8")) as { config: Record<string, unknown> };
    change(document.config);
    writeFileSync(stack.stackFile(), stringify(document));
  }

  beforeAll(async () => {
    copyFileSync(join(__dirname, "../../stacks/Pulumi.prod.yaml"), stack.stackFile());
    load = new WriteLoad((await stack.up()).outputs);
    await load.start();
  });

  // Where a failure happened: each up's steps with their times, and the load's last commit (printed in full above the
  // summary; the steps' times line up with the servers' logs).
  afterEach(({ task }) => {
    if (task.result?.state !== "fail") return;
    const last = load?.acknowledged.at(-1);
    console.log(
      `prod change steps:\n${stack.steps.join("\n")}\nload: ${load?.acknowledged.length ?? 0} acknowledged, the last at ${last ? new Date(last.at).toISOString() : "-"}`,
    );
  });

  afterAll(async () => {
    await load?.stop();
    await stack.down();
  });

  it("adds a home-region replica when the capacity formula asks for one", async () => {
    editStackFile((config) => {
      (config["pg-read-replicas:capacity"] as Record<string, unknown>).peakReadQps = 13000;
    });
    const result = await stack.up();
    expect(result.started).toBe("changed");
    expect(result.change!.plan.servers.find((s) => s.name === "pg-replica-3")?.action).toBe("seed");
    // The problems themselves, so a failure's first line (all CI's tail keeps) says what went wrong.
    expect(result.report.problems).toEqual([]);
    const { slots, expected } = await stack.slots();
    expect(slots).toEqual(expected);
  });

  it("raises max_connections everywhere: replicas restart, the writer switches over, the remote region follows", async () => {
    editStackFile((config) => {
      (config["pg-read-replicas:postgresql"] as Record<string, unknown>).maxConnections = 450;
    });
    const result = await stack.up();
    expect(result.change!.switchover?.from).toBe("pg-primary-0");
    // The problems themselves, so a failure's first line (all CI's tail keeps) says what went wrong.
    expect(result.report.problems).toEqual([]);
    const state = stack.runner.state()!;
    expect(await stack.runner.superuserQuery(state.writer, "SHOW max_connections")).toBe("450");
    const remote = await stack.runner.superuserQuery(
      state.writer,
      "SELECT string_agg(application_name, ',' ORDER BY application_name) FROM pg_stat_replication WHERE state = 'streaming' AND application_name LIKE '%eu-west-1%'",
    );
    expect(remote).toBe("pg-replica-eu-west-1-0,pg-replica-eu-west-1-1");
    const { slots, expected } = await stack.slots();
    expect(slots).toEqual(expected);
    await load.stop();
    expect(load.failures.map((f) => `${new Date(f.at).toISOString()} ${f.message}`)).toEqual([]);
    expect(await load.lost()).toEqual([]);
  });
});
