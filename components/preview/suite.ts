/**
 * The integration suite against a stack's outputs file, as a team's CI runs it
 * (`STACK_OUTPUTS=<file> vitest run --project integration`), with vitest's JSON reporter
 * beside the default one so the summary can name each failing check. The suite runs in a
 * process group of its own: an interrupted preview stops all of it before tearing down.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import type { Readable } from "node:stream";
import { dirname, join, relative } from "node:path";
import { z } from "zod";
import { PROJECT_ROOT } from "../ground/paths";

export interface SuiteFailure {
  /** The test file, relative to the project. */
  file: string;
  /** Describe blocks and test name, or "(file)" when the file itself failed to run. */
  test: string;
  /** The first line of the failure. */
  message: string;
}

export interface SuiteResult {
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  total: number;
  failures: SuiteFailure[];
  /** Why there are no counts: the suite did not produce its report. */
  problem?: string;
}

const reportSchema = z.object({
  numTotalTests: z.number(),
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number(),
  numTodoTests: z.number().optional(),
  success: z.boolean(),
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      message: z.string().optional(),
      assertionResults: z.array(
        z.object({ fullName: z.string(), status: z.string(), failureMessages: z.array(z.string()) }),
      ),
    }),
  ),
});

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const firstLine = (text: string) =>
  text
    .replace(ANSI, "")
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line !== "") ?? "(no message)";

/** vitest's JSON report → counts and the failing checks, each with the first line of its failure. */
export function parseSuiteReport(json: string, root = PROJECT_ROOT): SuiteResult {
  const report = reportSchema.parse(JSON.parse(json));
  const failures: SuiteFailure[] = [];
  for (const file of report.testResults) {
    const name = relative(root, file.name);
    const failed = file.assertionResults.filter((a) => a.status === "failed");
    for (const test of failed)
      failures.push({ file: name, test: test.fullName, message: firstLine(test.failureMessages.join("\n")) });
    // A file that fails before its tests run (an import error, a failing hook) has no failed test of its own.
    if (file.status === "failed" && failed.length === 0)
      failures.push({ file: name, test: "(file)", message: firstLine(file.message ?? "") });
  }
  return {
    ok: report.success && failures.length === 0,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + (report.numTodoTests ?? 0),
    total: report.numTotalTests,
    failures,
  };
}

function vitestEntry(): string {
  const require = createRequire(join(PROJECT_ROOT, "package.json"));
  return join(dirname(require.resolve("vitest/package.json")), "vitest.mjs");
}

/** SIGTERM to the suite's process group, SIGKILL after `graceMs`; resolves when it has exited. */
function stopGroup(child: ChildProcess, exited: Promise<unknown>, graceMs = 10_000): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  return exited.then(() => clearTimeout(timer));
}

export interface SuiteOptions {
  log: (line: string) => void;
  signal: AbortSignal;
  /**
   * The suite's command; the default runs this checkout's vitest on its integration project. Another command writes its
   * JSON report to $SUITE_REPORT.
   */
  command?: { file: string; args: string[] };
}

export async function runIntegrationSuite(outputsFile: string, options: SuiteOptions): Promise<SuiteResult> {
  const scratch = mkdtempSync(join(tmpdir(), "pgrr-suite-"));
  const reportFile = join(scratch, "report.json");
  try {
    const command = options.command ?? vitestCommand(reportFile);
    const env = { ...process.env, STACK_OUTPUTS: outputsFile, SUITE_REPORT: reportFile };
    const code = await runInGroup(command, env, options);
    if (options.signal.aborted) return withoutCounts("the suite was stopped");
    return suiteOutcome(code, reportFile);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function vitestCommand(reportFile: string): { file: string; args: string[] } {
  return {
    file: process.execPath,
    args: [
      vitestEntry(),
      "run",
      "--project",
      "integration",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${reportFile}`,
    ],
  };
}

/** Runs the command in a process group of its own, its output logged line by line, stopped on abort; its exit code. */
async function runInGroup(
  command: { file: string; args: string[] },
  env: NodeJS.ProcessEnv,
  { log, signal }: SuiteOptions,
): Promise<number | null> {
  const child = spawn(command.file, command.args, {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
  for (const stream of [child.stdout, child.stderr]) if (stream) logLines(stream, log);
  const stop = () => void stopGroup(child, exited);
  signal.addEventListener("abort", stop, { once: true });
  return exited.finally(() => signal.removeEventListener("abort", stop));
}

function logLines(stream: Readable, log: (line: string) => void): void {
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) log(`  ${line}`);
  });
}

const withoutCounts = (problem: string): SuiteResult => ({
  ok: false,
  passed: 0,
  failed: 0,
  skipped: 0,
  total: 0,
  failures: [],
  problem,
});

/** What the exit code and the report say together. */
function suiteOutcome(code: number | null, reportFile: string): SuiteResult {
  if (!existsSync(reportFile))
    return withoutCounts(`the suite exited with code ${code} without writing its report; its output is above`);
  let result: SuiteResult;
  try {
    result = parseSuiteReport(readFileSync(reportFile, "utf8"));
  } catch (error) {
    return withoutCounts(`its report is not vitest's JSON report: ${(error as Error).message.split("\n")[0]}`);
  }
  if (code === 0) return result;
  // A non-zero exit with every test passed (an error outside the tests) is still a failure.
  return {
    ...result,
    ok: false,
    ...(result.failures.length === 0 ? { problem: `the suite exited with code ${code}; its output is above` } : {}),
  };
}
