/**
 * The CLI as a user runs it (bin/pg-read-replicas.cjs): bad input gets a clear
 * error naming the fix; verify passes on a healthy stack and names the culprit
 * on a broken one; an interrupted `local up` leaves no process running.
 * Against a deployed stack (STACK_OUTPUTS) only verify runs: the bad-input and Aurora-check tests never touch the stack
 * in the outputs file (npm test runs them), and the ones on a stack of their own need the suite's own topology.
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
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalRunner } from "../../components/local/runner";
import { againstADeployedStack, external, outputs, runner, stateDir } from "./support";

const BIN = join(__dirname, "../../bin/pg-read-replicas.cjs");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 240_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const scratch = mkdtempSync(join(tmpdir(), "pgrr-cli-"));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A small local stack in its own stacks directory, as a user would write one. */
function smallStack(name: string): { stacksDir: string; stateDir: string } {
  const stacksDir = join(scratch, `stacks-${name}`);
  mkdirSync(stacksDir, { recursive: true });
  writeFileSync(
    join(stacksDir, `Pulumi.${name}.yaml`),
    [
      "config:",
      "  pg-read-replicas:backend: local",
      "  pg-read-replicas:postgresVersion: 15",
      `  pg-read-replicas:name: ${name}`,
      "  pg-read-replicas:replicas: 1",
      "  pg-read-replicas:database: app",
      "  pg-read-replicas:user: app",
      "  pg-read-replicas:allowedCidrs: [127.0.0.1/32]",
      "  pg-read-replicas:olap: { enabled: false }",
      "  pg-read-replicas:resources: { primary: { memory: 256Mi }, replica: { memory: 256Mi } }",
      "",
    ].join("\n"),
  );
  return { stacksDir, stateDir: join(scratch, `state-${name}`) };
}

/** Server processes whose command line mentions `dir` (postgres shows its data directory, pgbouncer its ini). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(dir) && !cmdline.includes("vitest")) found.push(`${pid}: ${cmdline}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

describe.skipIf(againstADeployedStack)("bad input to the CLI", () => {
  it("names an unknown stack and lists the known ones", async () => {
    const result = await cli(["local", "up", "--stack", "nope"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /stack nope: no file .*Pulumi\.nope\.yaml\. Known stacks: aurora-dev, aurora-pr, aurora-prod, dev, local, pr, prod, prod-cnpg, staging; create it or pass one of those with --stack\./,
    );
  });

  it("refuses a stack name that is a path, before anything is read or deleted", async () => {
    for (const name of ["..", "../x", "a/b", ".hidden"]) {
      const result = await cli(["local", "down", "--stack", name]);
      expect(result.code, name).toBe(1);
      expect(result.stderr).toContain(`${JSON.stringify(name)} is not a stack name`);
    }
    expect(existsSync(join(__dirname, "../../package.json"))).toBe(true);
  });

  it("local down refuses a directory local up did not create, and leaves it whole", async () => {
    const mine = join(scratch, "not-a-stack");
    mkdirSync(mine);
    writeFileSync(join(mine, "notes.txt"), "keep\n");
    const result = await cli(["local", "down", "--stack", "local", "--state-dir", mine]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${mine} is not a pg-read-replicas state directory`);
    expect(readFileSync(join(mine, "notes.txt"), "utf8")).toBe("keep\n");
  });

  it("refuses kubernetes failover on a CloudNativePG stack: the operator fails over itself", async () => {
    const result = await cli(["kubernetes", "failover", "--stack", "prod-cnpg"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "stack prod-cnpg runs on CloudNativePG (kubernetes.engine cloudnative-pg): the operator fails over by itself",
    );
    expect(result.stderr).toContain("kubectl cnpg promote pg <instance> -n pg-prod");
  });

  it("refuses to rehearse an Aurora stack, saying why", async () => {
    const result = await cli(["local", "up", "--stack", "aurora-dev", "--state-dir", join(scratch, "aurora")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("stack aurora-dev uses backend aurora, which cannot be rehearsed here");
    expect(existsSync(join(scratch, "aurora"))).toBe(false);
  });

  it("says which binaries are missing and how to install them", async () => {
    const result = await cli(["local", "up", "--no-install", "--state-dir", join(scratch, "nobin")], {
      PG_READ_REPLICAS_PG_BINDIR: "/nonexistent/bin",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("missing: postgresql-15 (install it: sudo apt-get install postgresql-15)");
  });

  it("refuses a PgBouncer too old for prepared statements and says how to build one", async () => {
    // A stand-in that answers --version as Debian 12's PgBouncer does: the test needs no package installed.
    const oldBouncer = join(scratch, "pgbouncer-1.18");
    writeFileSync(
      oldBouncer,
      "#!/bin/sh\nprintf 'PgBouncer 1.18.0\\nlibevent 2.1.12-stable\\nadns: c-ares 1.18.1\\ntls: OpenSSL 3.0.15\\n'\n",
      { mode: 0o755 },
    );
    const result = await cli(["local", "up", "--no-install", "--state-dir", join(scratch, "oldbouncer")], {
      PG_READ_REPLICAS_PGBOUNCER: oldBouncer,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`missing: PgBouncer 1.21 or newer (${oldBouncer} is PgBouncer 1.18.0)`);
    expect(result.stderr).toMatch(/build 1\.24 from Debian 13's source: sudo bash \S+\/scripts\/build-pgbouncer\.sh /);
  });

  it("says when the state directory cannot be created", async () => {
    const result = await cli(["local", "up", "--state-dir", "/proc/pgrr-nope/state"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /cannot create the state directory \/proc\/pgrr-nope\/state .*pass a writable --state-dir/,
    );
  });

  it("names what is wrong with an outputs file", async () => {
    const notJson = join(scratch, "not.json");
    writeFileSync(notJson, "{ writer:");
    expect((await cli(["verify", "--outputs", notJson])).stderr).toMatch(/not\.json is not valid JSON/);

    const partial = join(scratch, "partial.json");
    writeFileSync(partial, JSON.stringify({ ...outputs, writer: undefined, pools: { read: outputs.pools.read } }));
    const result = await cli(["verify", "--outputs", partial]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is not a pg-read-replicas outputs file");
    expect(result.stderr).toMatch(/- writer: /);
    expect(result.stderr).toMatch(/- pools\.write: /);

    const hidden = join(scratch, "hidden.json");
    writeFileSync(hidden, JSON.stringify({ ...outputs, password: "[secret]" }));
    expect((await cli(["verify", "--outputs", hidden])).stderr).toContain(
      "export the outputs with: pulumi stack output --json --show-secrets",
    );

    expect((await cli(["verify", "--outputs", join(scratch, "absent.json")])).stderr).toContain(
      "absent.json does not exist",
    );
  });

  it("refuses a malformed duration", async () => {
    const result = await cli(["verify", "--outputs", "x.json", "--timeout", "soon"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("use a duration such as 90s or 5m");
  });

  it("says when there is no local stack to report on", async () => {
    const result = await cli(["local", "status", "--state-dir", join(scratch, "none")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no local stack local at");
  });
});

describe.skipIf(againstADeployedStack)("the Aurora check from the command line", () => {
  it("refuses a missing or malformed expectation", async () => {
    const missing = await cli(["aurora-check", "--from-env"], { PG_READ_REPLICAS_AURORA_EXPECT: "" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "PG_READ_REPLICAS_AURORA_EXPECT is empty; the Aurora check runs from pulumi up, which sets it.",
    );
    const malformed = await cli(["aurora-check"], {
      PG_READ_REPLICAS_AURORA_EXPECT: JSON.stringify({ timeoutMs: 1, maxLagMs: 5000, clusters: [] }),
    });
    expect(malformed.stderr).toMatch(/is not an Aurora check input: .*clusters: /);
    const restore = await cli(["aurora-restore-check"], { PG_READ_REPLICAS_AURORA_RESTORE: "" });
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain(
      "PG_READ_REPLICAS_AURORA_RESTORE is empty; the Aurora restore check runs from pulumi up, which sets it.",
    );
    const cleanup = await cli(["aurora-remove-autoscaled"], { PG_READ_REPLICAS_AURORA_CLUSTER: "" });
    expect(cleanup.code).toBe(1);
    expect(cleanup.stderr).toContain(
      "PG_READ_REPLICAS_AURORA_CLUSTER is empty; the Aurora cleanup runs from pulumi destroy, which sets it.",
    );
  });

  it("fails pulumi up's check, naming cluster and region, when AWS cannot be reached", async () => {
    const expectation = {
      timeoutMs: 1,
      maxLagMs: 5000,
      postgresVersion: 16,
      majorUpgrade: "held",
      clusters: [{ region: "us-east-1", clusterId: "pg-cluster", primary: true, readers: [] }],
    };
    const result = await cli(["aurora-check"], {
      PG_READ_REPLICAS_AURORA_EXPECT: JSON.stringify(expectation),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_PROFILE: "pg-read-replicas-none",
      AWS_CONFIG_FILE: "/nonexistent",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Aurora NOT verified after 1 attempt(s)");
    expect(result.stderr).toMatch(/cluster pg-cluster in us-east-1: the AWS API failed: /);
  });
});

describe("verify from the command line", () => {
  const outputsFile = () => (external ? process.env.STACK_OUTPUTS! : runner().layout.outputsFile);

  it("passes on a healthy stack", async () => {
    const result = await cli(["verify", "--outputs", outputsFile(), "--timeout", "60s"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^verified in \d+ ms/);
  });

  it.skipIf(external)("names the culprit on a broken one", async () => {
    const broken = runner()
      .outputs()
      .readers.find((r) => r.role === "oltp")!.name;
    await runner().stopNodeByName(broken);
    try {
      const result = await cli(["verify", "--outputs", outputsFile(), "--timeout", "2s"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^NOT verified after/);
      expect(result.stdout).toContain(`${broken}: not connected to the writer`);
      expect(result.stderr).toContain(`${broken}: not connected to the writer`);
    } finally {
      await runner().startNodeByName(broken);
    }
  });
});

describe.skipIf(external)("local up on a stack of its own", () => {
  it("refuses to resume when a recorded port has been taken, and leaves nothing running", async () => {
    const stack = smallStack("porty");
    const up = await cli([
      "local",
      "up",
      "--stack",
      "porty",
      "--stacks-dir",
      stack.stacksDir,
      "--state-dir",
      stack.stateDir,
    ]);
    expect(up.code, up.stderr).toBe(0);
    // Printed follow-up commands act on this same stack: they carry the directories it was given.
    expect(up.stdout).toContain(
      `local down --stack porty --state-dir ${stack.stateDir} --stacks-dir ${stack.stacksDir}`,
    );
    expect(up.stdout).toContain(
      `local status --stack porty --state-dir ${stack.stateDir} --stacks-dir ${stack.stacksDir}`,
    );
    const local = new LocalRunner("porty", stack.stateDir);
    const state = local.state()!;
    await local.stopEverything();
    const blocker = createServer();
    const { host, port } = state.endpoints.nodes["porty-replica-0"]!;
    await new Promise<void>((resolve) => blocker.listen(port, host, resolve));
    try {
      const again = await cli([
        "local",
        "up",
        "--stack",
        "porty",
        "--stacks-dir",
        stack.stacksDir,
        "--state-dir",
        stack.stateDir,
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(
        `${host}:${port}, recorded for porty-replica-0, is in use by another process. Stop that process, or run local down to start over with new addresses.`,
      );
      expect(processesUnder(stack.stateDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    // An outputs file that exists already, world-readable, is narrowed to its owner: it holds the passwords.
    const outputs = join(stack.stateDir, "..", "porty.outputs.json");
    writeFileSync(outputs, "{}\n", { mode: 0o644 });
    const resumed = await cli([
      "local",
      "up",
      "--stack",
      "porty",
      "--stacks-dir",
      stack.stacksDir,
      "--state-dir",
      stack.stateDir,
      "--outputs",
      outputs,
      "--json",
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).backend).toBe("local");
    expect(statSync(outputs).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(outputs, "utf8")).backend).toBe("local");
    const down = await cli(["local", "down", "--stack", "porty", "--state-dir", stack.stateDir]);
    expect(down.stderr).toContain("Stopped every process of stack porty");
    expect(processesUnder(stack.stateDir)).toEqual([]);
  });

  it("re-seeds a replica with local reseed, and refuses the writer and names it does not know", async () => {
    const stack = smallStack("reseedy");
    const where = ["--stack", "reseedy", "--stacks-dir", stack.stacksDir, "--state-dir", stack.stateDir];
    const outputsFile = join(scratch, "reseedy.outputs.json");
    const up = await cli(["local", "up", ...where, "--outputs", outputsFile]);
    expect(up.code, up.stderr).toBe(0);
    const local = new LocalRunner("reseedy", stack.stateDir);
    const marker = join(local.layout.dataDir("reseedy-replica-0"), "pgrr-before-reseed");
    writeFileSync(marker, "");
    try {
      const writer = await cli(["local", "reseed", ...where, "reseedy-primary-0"]);
      expect(writer.code).toBe(1);
      expect(writer.stderr).toContain("reseedy-primary-0 is the writer of stack reseedy; only replicas are re-seeded");
      expect(writer.stderr).not.toContain("Re-seeding");
      const unknown = await cli(["local", "reseed", ...where, "reseedy-replica-9"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(
        "reseedy-replica-9 is not a node of stack reseedy; its replicas are reseedy-replica-0",
      );
      expect(unknown.stderr).not.toContain("Re-seeding");
      expect(existsSync(marker)).toBe(true);

      const reseed = await cli(["local", "reseed", ...where, "reseedy-replica-0"]);
      expect(reseed.code, reseed.stderr).toBe(0);
      expect(reseed.stderr).toContain("Re-seeding reseedy-replica-0 from reseedy-primary-0");
      expect(reseed.stderr).toContain("Done: reseedy-replica-0 streams from reseedy-primary-0 again.");
      expect(existsSync(marker)).toBe(false);
      const verify = await cli(["verify", "--outputs", outputsFile]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    } finally {
      await cli(["local", "down", "--stack", "reseedy", "--state-dir", stack.stateDir]);
    }
    expect(processesUnder(stack.stateDir)).toEqual([]);
  });

  it("stops everything it started when interrupted half-way", async () => {
    const stack = smallStack("halt");
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, "local", "up", "--stack", "halt", "--stacks-dir", stack.stacksDir, "--state-dir", stack.stateDir],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (stderr.includes("Seed halt-replica-0")) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    expect(processesUnder(stack.stateDir).length).toBeGreaterThan(0);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain("pg-read-replicas: interrupted");
    expect(processesUnder(stack.stateDir)).toEqual([]);
    await cli(["local", "down", "--stack", "halt", "--state-dir", stack.stateDir]);
  });
});

describe.skipIf(external)("a reader that goes away (| head)", () => {
  it("does not stop local up half-way: it finishes, and the stack runs", async () => {
    const stack = smallStack("headed");
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, "local", "up", "--stack", "headed", "--stacks-dir", stack.stacksDir, "--state-dir", stack.stateDir],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    // Close both pipes after the first line, as `| head -1` does: every later write meets EPIPE.
    await new Promise<void>((resolve) => child.stderr!.once("data", () => resolve()));
    child.stdout!.destroy();
    child.stderr!.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(existsSync(join(stack.stateDir, "outputs.json"))).toBe(true);
    expect(processesUnder(stack.stateDir).length).toBeGreaterThan(2);
    const down = await cli(["local", "down", "--stack", "headed", "--state-dir", stack.stateDir]);
    expect(down.code, down.stderr).toBe(0);
    expect(processesUnder(stack.stateDir)).toEqual([]);
  });
});

describe("the suite's own topology", () => {
  it("keeps its state where the suite said", () => {
    if (!external) expect(runner().layout.root).toBe(stateDir);
  });
});
