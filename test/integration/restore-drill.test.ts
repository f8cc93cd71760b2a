/**
 * The restore drill (issue 22, item 7), on stacks of its own: rows are written, a base backup taken, more rows
 * written, the time and an LSN noted, everything deleted; new stacks restored to the time, to the LSN and to the latest
 * archived WAL hold exactly the rows committed before each, their replicas stream and `local up` verified them. Then
 * the source's writer fails over (a new timeline) and a restore to latest follows it. The refusals come first: a
 * target outside the repository, and a restore onto existing state, touch nothing.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { external } from "./support";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { LocalRunner } from "../../components/local/runner";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { localBase, patched } from "../support/configs";
import { sqlOn } from "../support/localStack";
import { type HandRepository, archiveFrom, archiveNow, pgbackrest } from "../support/handArchive";

const parent = mkdtempSync(join(tmpdir(), "pgrr-restore-"));
chmodSync(parent, 0o755);
const repository: HandRepository = {
  path: join(parent, "repo", "drillsrc"),
  stanza: "drillsrc",
  archiveTimeoutSeconds: 5,
};
const runners: LocalRunner[] = [];

function stackConfig(name: string, restore?: Record<string, unknown>): Record<string, unknown> {
  return patched(localBase(), {
    name,
    replicas: "1",
    olap: { enabled: false },
    resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" } },
    ...(restore ? { restore: { from: repository.path, ...restore } } : {}),
  });
}

function runnerFor(name: string): LocalRunner {
  const runner = new LocalRunner(name, join(parent, name));
  runners.push(runner);
  return runner;
}

async function restoreStack(
  name: string,
  restore: Record<string, unknown>,
): Promise<{ runner: LocalRunner; outputs: StackOutputs }> {
  const runner = runnerFor(name);
  const { outputs } = await runner.up(topologyFromConfig(stackConfig(name, restore)).topology);
  return { runner, outputs };
}

async function ids(outputs: StackOutputs): Promise<number[]> {
  const rows = await sqlOn<{ id: number }>(outputs, outputs.writer, "SELECT id FROM drill ORDER BY id");
  return rows.map((r) => r.id);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let source: LocalRunner;
let sourceOutputs: StackOutputs;
let noted: { time: string; lsn: string };

async function insert(from: number, to: number): Promise<void> {
  await sqlOn(
    sourceOutputs,
    sourceOutputs.writer,
    "INSERT INTO drill SELECT g FROM generate_series($1::int, $2::int) g",
    [from, to],
  );
}

beforeAll(async () => {
  source = runnerFor("drillsrc");
  ({ outputs: sourceOutputs } = await source.up(topologyFromConfig(stackConfig("drillsrc")).topology));
  const writer = source.state()!.writer;
  await archiveFrom(source, writer, repository);
  // The replica too, as rendered config would have it: promoted, it archives its timeline's history file at once.
  await archiveFrom(source, source.state()!.topology.standbys[0]!.name, repository);
  await pgbackrest(source, writer, repository.stanza, ["stanza-create"]);
  await sqlOn(sourceOutputs, sourceOutputs.writer, "CREATE TABLE drill (id int PRIMARY KEY)");
  await insert(1, 100);
  await pgbackrest(source, writer, repository.stanza, ["backup", "--type=full"]);
  await insert(101, 150);
  const [lsn] = await sqlOn<{ lsn: string }>(
    sourceOutputs,
    sourceOutputs.writer,
    "SELECT pg_current_wal_lsn()::text AS lsn",
  );
  await insert(151, 200);
  const [time] = await sqlOn<{ at: Date }>(sourceOutputs, sourceOutputs.writer, "SELECT clock_timestamp() AS at");
  noted = { time: time!.at.toISOString(), lsn: lsn!.lsn };
  await insert(201, 300);
  await sqlOn(sourceOutputs, sourceOutputs.writer, "DELETE FROM drill");
  await archiveNow(source, writer);
}, 300_000);

afterAll(async () => {
  for (const runner of runners.reverse()) await runner.down().catch(() => undefined);
  rmSync(parent, { recursive: true, force: true });
}, 300_000);

// Boots servers of its own: against a deployed stack (STACK_OUTPUTS) the suite boots nothing.
describe.skipIf(external)("restore into a new local stack", () => {
  it("refuses a target before the oldest base backup, before any state exists", async () => {
    const runner = runnerFor("drillearly");
    const topology = topologyFromConfig(stackConfig("drillearly", { targetTime: "2020-01-01T00:00:00Z" })).topology;
    await expect(runner.up(topology)).rejects.toThrow(
      /restore.targetTime: 2020-01-01T00:00:00Z is before the oldest base backup/,
    );
    expect(existsSync(runner.layout.stateFile)).toBe(false);
  });

  it("refuses a target after the newest archived WAL", async () => {
    const runner = runnerFor("drilllate");
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const topology = topologyFromConfig(stackConfig("drilllate", { targetTime: later })).topology;
    await expect(runner.up(topology)).rejects.toThrow(/is after the newest WAL/);
    expect(existsSync(runner.layout.stateFile)).toBe(false);
  });

  let timed: { runner: LocalRunner; outputs: StackOutputs };

  it("restores to a time: exactly the rows committed before it, a streaming replica, verified", async () => {
    timed = await restoreStack("drilltime", { targetTime: noted.time });
    expect(await ids(timed.outputs)).toEqual(range(1, 200));
    const reader = timed.outputs.readers[0]!;
    const [streaming] = await sqlOn<{ n: number }>(
      timed.outputs,
      timed.outputs.writer,
      "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'",
      [],
      undefined,
      { stats: true },
    );
    expect(streaming!.n).toBe(1);
    // The replica carries none of the restore's recovery settings (it would promote itself at the target).
    const [target] = await sqlOn<{ t: string }>(
      timed.outputs,
      reader,
      "SELECT current_setting('recovery_target_time') AS t",
    );
    expect(target!.t).toBe("");
    // Nor the source's archiving: a restored stack never archives into the source's repository.
    const [archive] = await sqlOn<{ mode: string }>(
      timed.outputs,
      timed.outputs.writer,
      "SELECT current_setting('archive_mode') AS mode",
    );
    expect(archive!.mode).toBe("off");
    // The new stack's own password opened those sessions: the source's is not the new stack's.
    expect(timed.outputs.password).not.toBe(sourceOutputs.password);
  }, 300_000);

  it("restores to an LSN", async () => {
    const { outputs } = await restoreStack("drilllsn", { targetLsn: noted.lsn });
    expect(await ids(outputs)).toEqual(range(1, 150));
  }, 300_000);

  it("restores to the latest archived WAL, the DELETE included, archiving to its own repository", async () => {
    const own = join(parent, "repo", "drilllatest");
    const runner = runnerFor("drilllatest");
    const config = patched(stackConfig("drilllatest", { latest: true }), {
      backup: { enabled: true, repository: own },
    });
    const { outputs } = await runner.up(topologyFromConfig(config).topology);
    expect(await ids(outputs)).toEqual([]);
    // Its first backup is in its own repository; the source's archive holds no timeline of the restored stack.
    expect(readdirSync(join(own, "backup", "drilllatest")).some((name) => /F$/.test(name))).toBe(true);
    expect(readdirSync(join(repository.path, "archive", "drillsrc", "15-1")).some((n) => n.endsWith(".history"))).toBe(
      false,
    );
  }, 300_000);

  it("refuses a restore onto existing state, and carries on a stack this restore created", async () => {
    const other = topologyFromConfig(stackConfig("drilltime", { targetLsn: noted.lsn })).topology;
    await expect(timed.runner.up(other)).rejects.toThrow(
      new RegExp(`${timed.runner.layout.root} already holds stack drilltime`),
    );
    const again = timed.runner.planUp(
      topologyFromConfig(stackConfig("drilltime", { targetTime: noted.time })).topology,
    );
    expect(again.steps[0]!.title).toMatch(/^Restore skipped: stack drilltime was created from this restore/);
    expect(await ids(timed.outputs)).toEqual(range(1, 200));
  });

  it("follows the source's failover onto its new timeline", async () => {
    await source.stopNodeByName(source.state()!.writer);
    const promoted = await source.promote();
    sourceOutputs = source.outputs();
    await insert(1001, 1010);
    await archiveNow(source, promoted.promoted);
    const { outputs } = await restoreStack("drillfailover", { latest: true });
    expect(await ids(outputs)).toEqual(range(1001, 1010));
    const [timeline] = await sqlOn<{ t: number }>(
      outputs,
      outputs.writer,
      "SELECT timeline_id AS t FROM pg_control_checkpoint()",
    );
    expect(timeline!.t).toBeGreaterThanOrEqual(3);
  }, 300_000);
});
