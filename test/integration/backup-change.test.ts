/**
 * Day two for the WAL archive (issue 22): backup turned on on a running local stack holding data, under the change
 * drill's write load. archive_mode restarts every server (the writer hands over), then the stanza, check and a first
 * full backup; nothing acknowledged is lost, and the plan said so before. Then `local status` shows the archive.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { external } from "./support";
import { WriteLoad } from "../../bench/writeLoad";
import { listBackups } from "../../components/local/backup";
import { collectStatus } from "../../components/local/status";
import { ChangingStack, drillConfig } from "../support/changeDrill";

const BIN = join(__dirname, "../../bin/pg-read-replicas.cjs");

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 240_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// Boots servers of its own: against a deployed stack (STACK_OUTPUTS) the suite boots nothing.
describe.skipIf(external).sequential("backup turned on on a running local stack under write load", () => {
  const stack = new ChangingStack("bkon");
  // Made in beforeAll, not here: a skipped describe's body still runs (STACK_OUTPUTS), and its afterAll does not.
  let repositoryRoot = "";
  let repository = "";
  let load: WriteLoad;

  beforeAll(async () => {
    repositoryRoot = mkdtempSync(join(tmpdir(), "pgrr-bkon-repo-"));
    repository = join(repositoryRoot, "bkon");
    chmodSync(repositoryRoot, 0o755);
    stack.edit(drillConfig("bkon"));
    const { outputs } = await stack.up();
    load = new WriteLoad(outputs);
    await load.start();
  });

  afterAll(async () => {
    await load?.stop();
    await stack.down();
    if (repositoryRoot) rmSync(repositoryRoot, { recursive: true, force: true });
  });

  it("plans restarts for archive_mode with the writer handed over, and says what follows", async () => {
    stack.edit(drillConfig("bkon", { backup: { enabled: true, repository } }));
    const change = await stack.runner.planChange(stack.topology());
    expect(change?.plan.refusals).toEqual([]);
    const actions = Object.fromEntries(change!.plan.servers.map((s) => [s.name, s.action]));
    expect(actions).toEqual({
      "bkon-primary-0": "switchover",
      "bkon-replica-0": "restart",
      "bkon-replica-1": "restart",
    });
    expect(change!.plan.notes.join("\n")).toContain("backup turned on");
  });

  it("applies it: verified, a first full backup, the new writer archiving, nothing acknowledged lost", async () => {
    const from = Date.now();
    const result = await stack.up();
    expect(result.started).toBe("changed");
    expect(result.report.ok).toBe(true);
    expect(load.failuresBetween(from, Date.now())).toEqual([]);
    const state = stack.runner.state()!;
    const inventory = await listBackups(stack.runner.layout, state);
    expect(inventory.backups.map((b) => b.type)).toEqual(["full"]);
    const archiving = await stack.runner.superuserQuery(
      state.writer,
      "SELECT current_setting('archive_mode') || ' ' || (last_archived_wal IS NOT NULL) FROM pg_stat_archiver",
    );
    expect(archiving).toBe("on true");
    await load.stop();
    expect(load.acknowledged.length).toBeGreaterThan(50);
    expect(await load.lost()).toEqual([]);
  });

  it("local status shows the archive: last archived WAL with its age, failures, the newest base backup", async () => {
    const rows = await collectStatus(stack.runner.state()!, stack.runner.layout);
    const archive = rows.find((r) => r.role === "archive")!;
    expect(archive.endpoint).toBe(repository);
    expect(archive.state).toMatch(/last archived [0-9A-F]{24}\S* \d+s ago; \d+ archived, (no failures|\d+ failed)/);
    // Failures while the writer archived before the stanza existed are history, not "failing now".
    expect(archive.state).not.toContain("FAILING");
    const backup = rows.find((r) => r.role === "backup")!;
    expect(backup.state).toMatch(/^\d{8}-\d{6}F \(full\) ended .* ago; 1 backup kept$/);
  });

  it("the CLI: local backup --type diff, local backups --json, and local down keeps the repository", async () => {
    const where = ["--stack", "bkon", "--state-dir", stack.stateDir, "--stacks-dir", stack.stacksDir];
    const backup = await cli(["local", "backup", ...where, "--type", "diff"]);
    expect(backup.stderr).toContain("Taking a diff backup");
    expect(backup.code).toBe(0);
    const listed = await cli(["local", "backups", ...where, "--json"]);
    expect(listed.code).toBe(0);
    const inventory = JSON.parse(listed.stdout) as {
      repository: string;
      backups: Array<{ type: string; walStart: string }>;
    };
    expect(inventory.repository).toBe(repository);
    expect(inventory.backups.map((b) => b.type)).toEqual(["full", "diff"]);
    expect(inventory.backups[1]!.walStart).toMatch(/^[0-9A-F]{24}$/);
    const wrong = await cli(["local", "backup", ...where, "--type", "weekly"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("--type weekly: use one of full, diff, incr");
    const down = await cli(["local", "down", ...where]);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(`Kept the backup repository ${repository} (stanza bkon)`);
    expect(down.stderr).toContain(`rm -rf ${repository}`);
    // pgBackRest's own files outlive the stack.
    expect(readdirSync(join(repository, "backup", "bkon"))).toContain("backup.info");
  });
});
