/**
 * The suite step: vitest's JSON report read into counts and failing checks, a suite that
 * fails outside its tests still failing, and an interrupt that stops the whole process group.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSuiteReport, runIntegrationSuite } from "../../components/preview/suite";

const ROOT = "/checkout";
const report = (testResults: unknown[], counts: Partial<Record<string, number>> = {}, success = false) =>
  JSON.stringify({
    numTotalTests: 3,
    numPassedTests: 1,
    numFailedTests: 1,
    numPendingTests: 1,
    numTodoTests: 0,
    success,
    ...counts,
    testResults,
  });

describe("reading vitest's JSON report", () => {
  it("names each failing check with the first line of its failure, colours stripped", () => {
    const json = report([
      {
        name: `${ROOT}/test/integration/1-routing.test.ts`,
        status: "failed",
        message: "",
        assertionResults: [
          { fullName: "routing sends writes to the writer", status: "passed", failureMessages: [] },
          {
            fullName: "routing keeps reads off the OLAP replica",
            status: "failed",
            failureMessages: [
              "\u001b[31mAssertionError: expected 'pg-olap-0' not to be 'pg-olap-0'\u001b[39m\n    at routing.test.ts:40:7",
            ],
          },
          { fullName: "routing survives a replica stop", status: "skipped", failureMessages: [] },
        ],
      },
    ]);
    expect(parseSuiteReport(json, ROOT)).toEqual({
      ok: false,
      passed: 1,
      failed: 1,
      skipped: 1,
      total: 3,
      failures: [
        {
          file: "test/integration/1-routing.test.ts",
          test: "routing keeps reads off the OLAP replica",
          message: "AssertionError: expected 'pg-olap-0' not to be 'pg-olap-0'",
        },
      ],
    });
  });

  it("names a file that failed before any of its tests ran", () => {
    const json = report(
      [
        {
          name: `${ROOT}/test/integration/2-faults.test.ts`,
          status: "failed",
          message: "\nError: connect ECONNREFUSED 198.19.8.10:5432\n at x",
          assertionResults: [],
        },
      ],
      { numFailedTests: 0 },
    );
    expect(parseSuiteReport(json, ROOT).failures).toEqual([
      {
        file: "test/integration/2-faults.test.ts",
        test: "(file)",
        message: "Error: connect ECONNREFUSED 198.19.8.10:5432",
      },
    ]);
  });

  it("refuses a report that is not vitest's", () => {
    expect(() => parseSuiteReport(JSON.stringify({ tests: [] }), ROOT)).toThrow(/numTotalTests/);
  });
});

const node = (script: string) => ({ file: process.execPath, args: ["-e", script] });

describe("running the suite", () => {
  it("hands the suite STACK_OUTPUTS and reads the report it writes", async () => {
    const lines: string[] = [];
    const script = `require("fs").writeFileSync(process.env.SUITE_REPORT, ${JSON.stringify(report([], { numFailedTests: 0 }, true))}); console.log("outputs from " + process.env.STACK_OUTPUTS)`;
    const result = await runIntegrationSuite("/tmp/outputs.json", {
      log: (line) => lines.push(line),
      signal: new AbortController().signal,
      command: node(script),
    });
    expect(result.ok).toBe(true);
    expect(lines).toContain("  outputs from /tmp/outputs.json");
  });

  it("fails when the suite exits non-zero even though every test passed, or writes no report", async () => {
    const passing = report([], { numFailedTests: 0 }, true);
    const crashed = await runIntegrationSuite("/x", {
      log: () => undefined,
      signal: new AbortController().signal,
      command: node(
        `require("fs").writeFileSync(process.env.SUITE_REPORT, ${JSON.stringify(passing)}); process.exit(3)`,
      ),
    });
    expect(crashed).toMatchObject({ ok: false, problem: "the suite exited with code 3; its output is above" });
    const silent = await runIntegrationSuite("/x", {
      log: () => undefined,
      signal: new AbortController().signal,
      command: node("process.exit(1)"),
    });
    expect(silent).toMatchObject({
      ok: false,
      problem: "the suite exited with code 1 without writing its report; its output is above",
    });
  });

  it("stops the suite and every process it started when interrupted", async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    // The suite starts a worker of its own, as vitest does, and both wait forever.
    const script = `const c = require("child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }); console.log("worker " + c.pid); setInterval(() => {}, 1000)`;
    const running = runIntegrationSuite("/x", {
      log: (line) => lines.push(line),
      signal: controller.signal,
      command: node(script),
    });
    while (!lines.some((line) => line.includes("worker "))) await new Promise((resolve) => setTimeout(resolve, 20));
    const worker = Number(
      lines
        .find((line) => line.includes("worker "))!
        .trim()
        .split(" ")[1],
    );
    controller.abort("SIGINT");
    expect(await running).toMatchObject({ ok: false, problem: "the suite was stopped" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const alive = (() => {
      try {
        return !readFileSync(`/proc/${worker}/stat`, "utf8").includes(") Z ");
      } catch {
        return false;
      }
    })();
    expect(alive).toBe(false);
  });
});
