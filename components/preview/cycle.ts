/**
 * One preview, the same steps in both modes: create the per-change stack from its template,
 * deploy it, verify replication, run the integration suite against its outputs, tear it down.
 * Teardown always runs: after a failed step, and when the run is interrupted (even with
 * --keep, which otherwise leaves the stack up). A driver per mode does what differs: the
 * local one rehearses the stack on this machine, the cloud one deploys it through Pulumi.
 */
import { redactSecrets, redactSecretsDeep } from "../ground/redact";
import type { StackOutputs } from "../contract/stackOutputs";
import type { Topology } from "../topology/types";
import type { VerificationReport } from "../verify/verifier";
import { describeTopology } from "./describe";
import type { SuiteResult } from "./suite";

export type Log = (line: string) => void;
export type StepName = "prepare" | "deploy" | "verify" | "suite" | "teardown";
export type StepStatus = "passed" | "failed" | "skipped" | "interrupted" | "kept";

export interface StepRecord {
  name: StepName;
  title: string;
  status: StepStatus;
  ms: number;
  error?: string;
}

export interface Deployed {
  outputs: StackOutputs;
  /** The StackOutputs JSON the integration suite reads (STACK_OUTPUTS). */
  outputsFile: string;
  /** What the deployment does differently from the topology (a rehearsal's changes). */
  notes: string[];
}

/** A step failure that carries the verifier's report (the deploy gate's, or the verify step's). */
export interface WithReport {
  report: VerificationReport;
}

export interface PreviewDriver {
  readonly mode: "local" | "cloud";
  /**
   * Creates or selects the stack from its template; its topology is computed here first, so bad config fails before
   * anything exists.
   */
  prepare(log: Log): Promise<Topology>;
  deploy(log: Log, signal: AbortSignal): Promise<Deployed>;
  /** Removes the stack and all it runs; resolves with what it removed, throws when something remains. */
  teardown(log: Log): Promise<string[]>;
  /** Removes what the run itself made on this machine (not the stack), kept or not. */
  release?(): void;
}

export interface PreviewIdentity {
  template: string;
  id: string;
  stack: string;
}

export interface CycleDeps {
  verify(outputs: StackOutputs, signal: AbortSignal): Promise<VerificationReport>;
  suite(outputsFile: string, log: Log, signal: AbortSignal): Promise<SuiteResult>;
}

export interface PreviewResult extends PreviewIdentity {
  mode: PreviewDriver["mode"];
  /** What was (or was to be) deployed, in words. */
  deployed: string[];
  notes: string[];
  steps: StepRecord[];
  verification?: VerificationReport;
  suite?: SuiteResult;
  /** What teardown removed. */
  removed: string[];
  /** The signal that interrupted the run, if one did. */
  interrupted?: string;
  /** Run by hand to remove the stack: after a failed teardown, or later for a kept one. */
  cleanupCommand: string;
  ok: boolean;
}

export interface CycleOptions {
  keep: boolean;
  signal: AbortSignal;
  log: Log;
  cleanupCommand: string;
  deps: CycleDeps;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const hasReport = (error: unknown): error is WithReport =>
  typeof error === "object" && error !== null && "report" in error;

export async function runPreview(
  driver: PreviewDriver,
  identity: PreviewIdentity,
  options: CycleOptions,
): Promise<PreviewResult> {
  const { signal } = options;
  const result: PreviewResult = {
    ...identity,
    mode: driver.mode,
    deployed: [],
    notes: [],
    steps: [],
    removed: [],
    cleanupCommand: options.cleanupCommand,
    ok: false,
  };
  // The stack's password, once deployed, never reaches the log or the summary (a failing check may print a URL).
  const secrets: string[] = [];
  const guarded: CycleOptions = { ...options, log: (line) => options.log(redactSecrets(line, secrets)) };
  await runSteps(cycleSteps(driver, identity, guarded, result, secrets), result, guarded);
  await tearDown(driver, identity, guarded, result);
  driver.release?.();
  if (signal.aborted) result.interrupted = String(signal.reason ?? "interrupted");
  result.ok = !signal.aborted && result.steps.every((step) => step.status === "passed" || step.status === "kept");
  return redactSecretsDeep(result, secrets);
}

interface Step {
  name: StepName;
  title: string;
  run: () => Promise<void>;
}

/** Every step before teardown; each records what it learns in the result. */
function cycleSteps(
  driver: PreviewDriver,
  identity: PreviewIdentity,
  { log, signal, deps }: CycleOptions,
  result: PreviewResult,
  secrets: string[],
): Step[] {
  let deployed: Deployed | undefined;
  const need = () => {
    if (!deployed) throw new Error("preview: a step ran before the stack was deployed");
    return deployed;
  };
  const how = driver.mode === "local" ? "rehearse it on this machine" : "deploy it with Pulumi";
  return [
    {
      name: "prepare",
      title: `Create stack ${identity.stack} from template ${identity.template}`,
      run: async () => {
        result.deployed = describeTopology(await driver.prepare(log));
      },
    },
    {
      name: "deploy",
      title: `Deploy ${identity.stack} (${how})`,
      run: async () => {
        deployed = await driver.deploy(log, signal);
        secrets.push(deployed.outputs.password);
        result.notes = deployed.notes;
      },
    },
    {
      name: "verify",
      title: "Verify replication streams end to end",
      run: async () => {
        result.verification = await deps.verify(need().outputs, signal);
        throwUnlessVerified(result.verification);
      },
    },
    {
      name: "suite",
      title: "Run the integration suite against the stack's outputs",
      run: async () => {
        result.suite = await deps.suite(need().outputsFile, log, signal);
        throwUnlessPassed(result.suite);
      },
    },
  ];
}

function throwUnlessVerified(report: VerificationReport): void {
  if (!report.ok)
    throw new Error(`${report.problems.length} problem(s); first: ${report.problems[0] ?? "(none listed)"}`);
}

function throwUnlessPassed(suite: SuiteResult): void {
  if (!suite.ok)
    throw new Error(
      suite.problem ?? `${suite.failed} failing check(s); first: ${suite.failures[0]?.test ?? "(none listed)"}`,
    );
}

/** In order; after a failure, or once interrupted, the rest are skipped. */
async function runSteps(steps: Step[], result: PreviewResult, { log, signal }: CycleOptions): Promise<void> {
  let stopped = false;
  for (const step of steps) {
    if (stopped || signal.aborted) {
      result.steps.push({ name: step.name, title: step.title, status: "skipped", ms: 0 });
      continue;
    }
    stopped = !(await runStep(step, result, log, signal));
  }
}

/** Runs one step and records it; false when it failed. */
async function runStep(step: Step, result: PreviewResult, log: Log, signal: AbortSignal): Promise<boolean> {
  log(`▶ ${step.title}`);
  const started = Date.now();
  try {
    await step.run();
    result.steps.push({ name: step.name, title: step.title, status: "passed", ms: Date.now() - started });
    return true;
  } catch (error) {
    if (hasReport(error)) result.verification = error.report;
    result.steps.push({
      name: step.name,
      title: step.title,
      status: signal.aborted ? "interrupted" : "failed",
      ms: Date.now() - started,
      error: message(error),
    });
    log(`✖ ${step.title}: ${message(error).split("\n")[0]}`);
    return false;
  }
}

/** Always, after a failure too; only --keep on a run that was not interrupted leaves the stack up. */
async function tearDown(
  driver: PreviewDriver,
  identity: PreviewIdentity,
  { keep, signal, log, cleanupCommand }: CycleOptions,
  result: PreviewResult,
): Promise<void> {
  const title = `Tear down ${identity.stack}`;
  if (keep && !signal.aborted) {
    result.steps.push({ name: "teardown", title, status: "kept", ms: 0 });
    return;
  }
  log(`▶ ${title}`);
  const started = Date.now();
  try {
    result.removed = await driver.teardown(log);
    result.steps.push({ name: "teardown", title, status: "passed", ms: Date.now() - started });
  } catch (error) {
    result.steps.push({ name: "teardown", title, status: "failed", ms: Date.now() - started, error: message(error) });
    log(`✖ ${title}: ${message(error).split("\n")[0]}. Finish it with: ${cleanupCommand}`);
  }
}
