/**
 * The preview cycle's step list with a fake driver: the order of the steps, teardown after
 * every kind of failure and after an interrupt, --keep, and a summary that names what failed.
 */
import { describe, expect, it } from "vitest";
import { LocalError, VerificationFailed } from "../../components/local/errors";
import { type PreviewDriver, type PreviewResult, runPreview } from "../../components/preview/cycle";
import { previewMarkdown } from "../../components/preview/summary";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { patched, selfHostedBase } from "../support/configs";
import { FAKE_OUTPUTS, PASSED_SUITE, deps, report } from "../support/previewFakes";

const IDENTITY = { template: "pr", id: "42", stack: "pr-42" };
const CLEANUP = "pg-read-replicas preview down --stack pr --id 42";
const TOPOLOGY = topologyFromConfig(patched(selfHostedBase(), { changeId: "42" })).topology;

function fakeDriver(
  calls: string[],
  fail: Partial<Record<"prepare" | "deploy" | "teardown", Error>> = {},
): PreviewDriver {
  const step = async <T>(name: "prepare" | "deploy" | "teardown", value: T): Promise<T> => {
    calls.push(name);
    if (fail[name]) throw fail[name];
    return value;
  };
  return {
    mode: "local",
    prepare: () => step("prepare", TOPOLOGY),
    deploy: () =>
      step("deploy", { outputs: FAKE_OUTPUTS, outputsFile: "/tmp/outputs.json", notes: ["memory 2Gi → 512Mi"] }),
    teardown: () => step("teardown", ["everything"]),
    release: () => void calls.push("release"),
  };
}

async function run(
  driver: PreviewDriver,
  options: { keep?: boolean; signal?: AbortSignal; deps?: ReturnType<typeof deps> } = {},
): Promise<PreviewResult> {
  return runPreview(driver, IDENTITY, {
    keep: options.keep ?? false,
    signal: options.signal ?? new AbortController().signal,
    log: () => undefined,
    cleanupCommand: CLEANUP,
    deps: options.deps ?? deps(),
  });
}

const statuses = (result: PreviewResult) => Object.fromEntries(result.steps.map((s) => [s.name, s.status]));

describe("a preview run's log and summary", () => {
  it("never show the stack's password, though a failing check prints a URL with it", async () => {
    const password = "pw'S3cr/et@x";
    const outputs = { ...FAKE_OUTPUTS, password };
    const url = `postgresql://app:${encodeURIComponent(password)}@h:5432/app`;
    const driver: PreviewDriver = {
      ...fakeDriver([]),
      deploy: async () => ({ outputs, outputsFile: "/tmp/outputs.json", notes: [] }),
    };
    const logged: string[] = [];
    const result = await runPreview(driver, IDENTITY, {
      keep: false,
      signal: new AbortController().signal,
      log: (line) => void logged.push(line),
      cleanupCommand: CLEANUP,
      deps: deps({
        suite: async (_file, log) => {
          log(`connecting to ${url} with password ${password}`);
          return {
            ...PASSED_SUITE,
            ok: false,
            failed: 1,
            failures: [{ file: "routing.test.ts", test: "reads", message: `could not reach ${url} (${password})` }],
          };
        },
      }),
    });
    const everything = [previewMarkdown(result), ...logged].join("\n");
    expect(everything).toContain("could not reach postgresql://app:***@h:5432/app (***)");
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(encodeURIComponent(password));
  });
});

describe("a preview run", () => {
  it("creates, deploys, verifies, runs the suite, then tears down, in that order", async () => {
    const calls: string[] = [];
    const result = await run(fakeDriver(calls), {
      deps: deps({
        verify: async (outputs) => (calls.push(`verify ${outputs.writer.host}`), report()),
        suite: async (file) => (calls.push(`suite ${file}`), PASSED_SUITE),
      }),
    });
    expect(calls).toEqual([
      "prepare",
      "deploy",
      `verify ${FAKE_OUTPUTS.writer.host}`,
      "suite /tmp/outputs.json",
      "teardown",
      "release",
    ]);
    expect(result.ok).toBe(true);
    expect(statuses(result)).toEqual({
      prepare: "passed",
      deploy: "passed",
      verify: "passed",
      suite: "passed",
      teardown: "passed",
    });
    const summary = previewMarkdown(result);
    expect(summary).toContain("## Preview `pr-42`: passed");
    expect(summary).toContain(
      "| Run the integration suite against the stack's outputs | passed: 28 passed, 0 failed, 20 skipped |",
    );
    expect(summary).toContain(
      "- us-east-1 (primary region): primary pg-primary-0; OLTP replicas pg-replica-0, pg-replica-1; OLAP replica pg-olap-0; pools write, read, olap",
    );
    expect(summary).toContain("Kubernetes namespace pg-test-42");
  });

  it("tears down after a failed deploy, skipping what follows, and says why it failed", async () => {
    const calls: string[] = [];
    const result = await run(fakeDriver(calls, { deploy: new LocalError("pg_basebackup failed") }));
    expect(calls).toEqual(["prepare", "deploy", "teardown", "release"]);
    expect(result.ok).toBe(false);
    expect(statuses(result)).toEqual({
      prepare: "passed",
      deploy: "failed",
      verify: "skipped",
      suite: "skipped",
      teardown: "passed",
    });
    expect(previewMarkdown(result)).toContain("| failed: pg_basebackup failed |");
  });

  it("tears down even when the stack could not be created (bad config)", async () => {
    const calls: string[] = [];
    const problem =
      'stack pr-42 config has 1 problem; nothing was created:\n  - pg-read-replicas:replicas = "-1": must be from 1 to 15. Fix: use a whole number from 1 to 15, e.g. 2.';
    const result = await run(fakeDriver(calls, { prepare: new Error(problem) }));
    expect(calls).toEqual(["prepare", "teardown", "release"]);
    // The table shows the first line; the whole error follows it.
    expect(previewMarkdown(result)).toContain(
      `### Create stack pr-42 from template pr: failed\n\n\`\`\`\n${problem}\n\`\`\``,
    );
  });

  it("shows which replica is not streaming and why, when the deploy's gate fails verification", async () => {
    const failing = report({
      "pg-replica-eu-west-1-0": [
        "pg-replica-eu-west-1-0: not connected to the writer (absent from pg_stat_replication).",
      ],
    });
    const calls: string[] = [];
    const result = await run(fakeDriver(calls, { deploy: new VerificationFailed(failing, "/state/logs") }));
    expect(result.verification).toEqual(failing);
    const summary = previewMarkdown(result);
    expect(summary).toContain("**Not verified** after 2000 ms (3 attempts):");
    expect(summary).toMatch(
      /\| pg-replica-eu-west-1-0 \| oltp \| eu-west-1 \| - \| - \| - \| - \| pg-replica-eu-west-1-0: not connected to the writer/,
    );
    expect(calls).toContain("teardown");
  });

  it("fails the verify step with the verifier's report", async () => {
    const failing = report({ "pg-replica-0": ["pg-replica-0: lags 9000000 bytes behind the writer (bound 1048576)."] });
    const result = await run(fakeDriver([]), { deps: deps({ verify: async () => failing }) });
    expect(statuses(result)).toMatchObject({ verify: "failed", suite: "skipped", teardown: "passed" });
    expect(previewMarkdown(result)).toContain("pg-replica-0: lags 9000000 bytes behind the writer");
  });

  it("lists each failing check of the suite", async () => {
    const suite = {
      ok: false,
      passed: 26,
      failed: 2,
      skipped: 20,
      total: 48,
      failures: [
        {
          file: "test/integration/1-routing.test.ts",
          test: "routing > read pool lands only on OLTP replicas",
          message: "AssertionError: expected 'pg-olap-0' to be one of [pg-replica-0]",
        },
        { file: "test/integration/5-conf-quoting.test.ts", test: "(file)", message: "Error: connect ECONNREFUSED" },
      ],
    };
    const result = await run(fakeDriver([]), { deps: deps({ suite: async () => suite }) });
    expect(statuses(result)).toMatchObject({ suite: "failed", teardown: "passed" });
    const summary = previewMarkdown(result);
    expect(summary).toContain("26 passed, 2 failed, 20 skipped (of 48).");
    expect(summary).toContain(
      "- `test/integration/1-routing.test.ts` › routing > read pool lands only on OLTP replicas: AssertionError: expected 'pg-olap-0' to be one of [pg-replica-0]",
    );
    expect(summary).toContain("- `test/integration/5-conf-quoting.test.ts` › (file): Error: connect ECONNREFUSED");
  });

  it("reports a teardown that did not finish on its own, with the command that finishes it", async () => {
    const result = await run(
      fakeDriver([], {
        teardown: new Error(
          "still running after local down:\n  - process 123: postgres -D /state/nodes/pg-primary-0/data",
        ),
      }),
    );
    expect(result.ok).toBe(false);
    expect(statuses(result)).toMatchObject({ suite: "passed", teardown: "failed" });
    const summary = previewMarkdown(result);
    expect(summary).toContain("**Teardown did not finish:**");
    expect(summary).toContain("process 123: postgres -D /state/nodes/pg-primary-0/data");
    expect(summary).toContain(`Finish the cleanup with:\n\n\`\`\`sh\n${CLEANUP}\n\`\`\``);
  });

  it("leaves the stack up with --keep, and says how to remove it", async () => {
    const calls: string[] = [];
    const result = await run(fakeDriver(calls), { keep: true });
    expect(calls).toEqual(["prepare", "deploy", "release"]);
    expect(result.ok).toBe(true);
    expect(statuses(result).teardown).toBe("kept");
    expect(previewMarkdown(result)).toContain(`Kept for inspection (--keep). Remove it with:\n\n\`\`\`sh\n${CLEANUP}`);
  });

  it("stops the suite when interrupted and tears down, even with --keep", async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const suite = (_file: string, _log: unknown, signal: AbortSignal) =>
      new Promise<typeof PASSED_SUITE>((resolve) => {
        signal.addEventListener(
          "abort",
          () => (
            calls.push("suite stopped"),
            resolve({ ...PASSED_SUITE, ok: false, problem: "the suite was stopped" })
          ),
        );
        setTimeout(() => controller.abort("SIGINT"), 10);
      });
    const result = await run(fakeDriver(calls), { keep: true, signal: controller.signal, deps: deps({ suite }) });
    expect(calls).toEqual(["prepare", "deploy", "suite stopped", "teardown", "release"]);
    expect(result.interrupted).toBe("SIGINT");
    expect(result.ok).toBe(false);
    expect(statuses(result)).toMatchObject({ suite: "interrupted", teardown: "passed" });
    expect(previewMarkdown(result)).toContain("## Preview `pr-42`: interrupted (SIGINT)");
  });

  it("runs no further step once interrupted between steps", async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const driver = fakeDriver(calls);
    const deploy = driver.deploy.bind(driver);
    driver.deploy = async (log, signal) => {
      const deployed = await deploy(log, signal);
      controller.abort("SIGTERM");
      return deployed;
    };
    const result = await run(driver, { signal: controller.signal });
    expect(statuses(result)).toEqual({
      prepare: "passed",
      deploy: "passed",
      verify: "skipped",
      suite: "skipped",
      teardown: "passed",
    });
    expect(result.interrupted).toBe("SIGTERM");
  });
});
