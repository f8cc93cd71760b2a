/**
 * `preview run` as a team's CI runs it, through the CLI, as root (regions in network
 * namespaces): two changes side by side, a broken config, and an interrupt during the suite.
 * Each run deploys the pr template, verifies it, runs the integration suite against its
 * outputs and tears down; afterwards no process names its state directory and no network
 * namespace of it remains (checked here independently of the CLI's own check).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { namespacePrefix } from "../../components/local/network";

const BIN = join(__dirname, "../../bin/pg-read-replicas.cjs");
const TEMPLATE = join(__dirname, "../../stacks/Pulumi.pr.yaml");

const scratch = mkdtempSync(join(tmpdir(), "pgrr-preview-"));
chmodSync(scratch, 0o755); // the servers run as postgres and must get through it
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The CLI's environment without this runner's own vitest variables, as in a CI job. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST")));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: ENV, timeout: 540_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Everything of a state directory still alive: processes naming it, network namespaces named after it. */
function leftovers(stateDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(stateDir) && !cmdline.includes(BIN)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // exited meanwhile
    }
  }
  return [...found, ...namespacesOf(stateDir)];
}

function namespacesOf(stateDir: string): string[] {
  const prefix = namespacePrefix(stateDir);
  return existsSync("/run/netns") ? readdirSync("/run/netns").filter((name) => name.startsWith(prefix)) : [];
}

const state = (id: string) => join(scratch, `state-${id}`);
const run = (id: string, ...extra: string[]) =>
  cli(["preview", "run", "--stack", "pr", "--id", id, "--state-dir", state(id), ...extra]);

describe.skipIf(userInfo().uid !== 0).sequential("preview run, as CI runs it", () => {
  it("passes for two changes side by side, each leaving nothing behind once removed", async () => {
    const summaryFile = join(scratch, "summary-a.md");
    const kept = await run("a", "--keep", "--summary", summaryFile);
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(kept.stdout).toContain("## Preview `pr-a`: passed");
    expect(readFileSync(summaryFile, "utf8")).toBe(kept.stdout);
    expect(kept.stdout).toMatch(
      /\| Run the integration suite against the stack's outputs \| passed: \d+ passed, 0 failed, \d+ skipped \|/,
    );
    expect(kept.stdout).toContain(`preview down --stack pr --id a --state-dir ${state("a")}`);
    expect(namespacesOf(state("a"))).toHaveLength(3);

    // pr-b deploys, verifies and passes its suite while pr-a still runs: nothing of theirs collides.
    const second = await run("b");
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain("Kubernetes namespace pg-pr-b (every region)");
    expect(leftovers(state("b"))).toEqual([]);
    expect(leftovers(state("a")).length).toBeGreaterThan(3);

    const down = await cli(["preview", "down", "--stack", "pr", "--id", "a", "--state-dir", state("a")]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/^Removed .*state-a \(every process of it\); network namespace /);
    expect(leftovers(state("a"))).toEqual([]);
  });

  it("fails on a broken config with the verifier's reason, and still tears down", async () => {
    // A read pool that admits one client: valid config, but the deploy's verification cannot get through it.
    const stacksDir = join(scratch, "broken");
    const template = readFileSync(TEMPLATE, "utf8")
      .replace(
        "    instances: 1\n",
        "    instances: 1\n    pools:\n      read: { maxClientConn: 1, defaultPoolSize: 1, reservePoolSize: 0 }\n",
      )
      .replace("    timeout: 5m\n", "    timeout: 30s\n");
    expect(template).toContain("maxClientConn: 1");
    mkdirSync(stacksDir);
    writeFileSync(join(stacksDir, "Pulumi.pr.yaml"), template);
    const result = await run("broken", "--stacks-dir", stacksDir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("## Preview `pr-broken`: FAILED");
    expect(result.stdout).toMatch(
      /\| Deploy pr-broken \(rehearse it on this machine\) \| failed: replication did not verify within the timeout: \|/,
    );
    expect(result.stdout).toMatch(
      /\| read \| - \| pool read \([\d.]+:6432\): cannot query through it: no more connections allowed \(max_client_conn\)\. Check the PgBouncer log\. \|/,
    );
    expect(result.stdout).toMatch(/\| Tear down pr-broken \| passed \|/);
    expect(leftovers(state("broken"))).toEqual([]);
  });

  it("tears down when interrupted during the integration suite", async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, "preview", "run", "--stack", "pr", "--id", "halt", "--state-dir", state("halt")],
      { env: ENV, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    // Interrupt once the suite has run some of its checks against the preview.
    while (!/▶ Run the integration suite[\s\S]*✓/.test(stderr)) {
      if (child.exitCode !== null) throw new Error(`preview run exited early:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(leftovers(state("halt")).length).toBeGreaterThan(0);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("SIGINT: stopping, then tearing down pr-halt");
    expect(stdout).toContain("## Preview `pr-halt`: interrupted (SIGINT)");
    expect(stdout).toMatch(
      /\| Run the integration suite against the stack's outputs \| interrupted: the suite was stopped \|/,
    );
    expect(stdout).toMatch(/\| Tear down pr-halt \| passed \|/);
    expect(leftovers(state("halt"))).toEqual([]);
  });
});
