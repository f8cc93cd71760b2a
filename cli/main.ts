/**
 * pg-read-replicas: the local backend (up, status, down), the verifier for any
 * stack's outputs, and promotion of a local replica to writer.
 */
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } from "listr2";
import { awsAuroraApi, awsEngineVersionApi } from "../components/aurora/check/awsApi";
import { checkEngineVersion } from "../components/aurora/engineVersionCheck";
import { checkAurora } from "../components/aurora/check/checkAurora";
import { removeAutoscaledReaders } from "../components/aurora/check/autoscaledReaders";
import {
  CLEANUP_ENV,
  ENGINE_VERSION_ENV,
  EXPECTATION_ENV,
  RESTORE_ENV,
  parseCleanupTarget,
  parseEngineVersionExpectation,
  parseExpectation,
  parseRestoreExpectation,
} from "../components/aurora/check/handover";
import { checkRestoreSource } from "../components/aurora/check/checkRestore";
import { auroraAppRole } from "./auroraAppRole";
import { readStackConfig } from "../components/config/stackFile";
import { LocalError, LocalRunner, type PreparedChange, type Step } from "../components/local/runner";
import { timedSteps, timingsText } from "../components/local/stepTimings";
import { changePlanText } from "./changePlanText";
import { collectStatus } from "../components/local/status";
import { topologyFromJson } from "../components/topology/fromJson";
import { topologyFromPulumiConfig } from "../components/pipeline/loadTopology";
import type { Topology } from "../components/topology/types";
import { readOutputsFile } from "../components/contract/outputsFile";
import { verifyStack } from "../components/verify/verifier";
import { DEFAULT_STACKS_DIR, defaultStateDir } from "../components/ground/paths";
import { UserError } from "../components/ground/errors";
import { writePrivateFile } from "../components/ground/privateFile";
import { alertsTable, auroraReportText, connectHelp, monitoringHelp, statusTable, verificationTable } from "./render";
import { activeAlerts, alertsPageUrl, prometheusUrl } from "../components/local/monitoring";
import type { LocalState } from "../components/local/state";
import { durationOption, invokedAs, keepGoingWhenOutputCloses, quote, stackName, stderr } from "./shared";
import { previewCommands } from "./preview";
import { localReseed } from "./reseed";
import { registerKubernetesCommands } from "./kubernetes";
import { connectionUrls, shellExports } from "../components/contract/urls";
import { keptRepository } from "../components/local/archive";
import { localBackup, localBackups, parseBackupType } from "./backups";

interface StackOptions {
  stack: string;
  stateDir?: string;
  stacksDir: string;
}

function runnerFor(options: StackOptions): LocalRunner {
  return new LocalRunner(options.stack, options.stateDir ?? defaultStateDir(options.stack));
}

function loadTopology(options: StackOptions & { fromEnv?: boolean }): Topology {
  if (options.fromEnv) return topologyFromJson(process.env.PG_READ_REPLICAS_TOPOLOGY, "PG_READ_REPLICAS_TOPOLOGY");
  const { topology, warnings } = topologyFromPulumiConfig(
    readStackConfig(options.stacksDir, options.stack),
    `stack ${options.stack} config`,
  );
  for (const warning of warnings) stderr(`warning: ${warning}`);
  return topology;
}

/** The stack options as the user gave them, to paste back into printed commands. */
function stackArgs(options: StackOptions): string {
  return [
    `--stack ${quote(options.stack)}`,
    ...(options.stateDir !== undefined ? [`--state-dir ${quote(options.stateDir)}`] : []),
    ...(options.stacksDir !== DEFAULT_STACKS_DIR ? [`--stacks-dir ${quote(options.stacksDir)}`] : []),
  ].join(" ");
}

/** Progress on stderr, so stdout stays clean for --json; with `timings`, each step's duration after them. */
async function runWithProgress(runner: LocalRunner, steps: Step[], timings = false): Promise<void> {
  const logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
  const timed = timedSteps(async (step) => {
    const list = new Listr([{ title: step.title, task: step.run }], {
      renderer: "default",
      fallbackRenderer: "simple",
      rendererOptions: { logger, timer: PRESET_TIMER },
      fallbackRendererOptions: { logger, timer: PRESET_TIMER },
      registerSignalListeners: false,
      exitOnError: true,
    });
    await list.run();
  });
  try {
    await runner.runSteps(steps, timed.onStep);
  } finally {
    if (timings) stderr(`local up, step by step:\n${timingsText(timed.timings)}`);
  }
}

async function localUp(
  options: StackOptions & {
    outputs?: string;
    json?: boolean;
    install: boolean;
    fromEnv?: boolean;
    dryRun?: boolean;
    timings?: boolean;
  },
): Promise<void> {
  const topology = loadTopology(options);
  const runner = runnerFor(options);
  // A running stack whose stack file changed: the plan is shown first (and is all a dry run does).
  const change = await runner.planChange(topology);
  if (options.dryRun) {
    printDryRun(options, runner, change);
    return;
  }
  if (change) stderr(changePlanText(options.stack, change.plan));
  // Planning checks the backend, any existing state and what this machine lacks before anything is installed or
  // started.
  const plan = runner.planUp(topology, { install: options.install, ...(change ? { change } : {}) });
  await runWithProgress(runner, plan.steps, options.timings === true);
  const result = plan.result();
  if (options.outputs) writePrivateFile(options.outputs, `${JSON.stringify(result.outputs, null, 2)}\n`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result.outputs)}\n`);
    return;
  }
  const state = runner.state()!;
  console.log(statusTable(await collectStatus(state, runner.layout)));
  console.log(connectHelp(result.outputs, options.outputs ?? result.outputsFile, stackArgs(options), invokedAs()));
  if (result.prometheusUrl)
    console.log(
      monitoringHelp(result.prometheusUrl, await alertsPageUrl(result.prometheusUrl), runner.layout.monitoringDir),
    );
}

function printDryRun(options: StackOptions & { json?: boolean }, runner: LocalRunner, change?: PreparedChange): void {
  const state = runner.state();
  const what = !state
    ? `no stack runs at ${runner.layout.root}: local up would create it`
    : change
      ? undefined
      : `stack ${options.stack} runs this stack file already: local up would only start what is stopped`;
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(change ? change.plan : { servers: [], pools: [], refusals: [], notes: [what] })}\n`,
    );
    return;
  }
  console.log(change ? changePlanText(options.stack, change.plan) : what);
  if (change?.plan.refusals.length) process.exitCode = 1;
}

/** The stack's alerts, said after its status table. */
async function alertsOf(state: LocalState): Promise<string> {
  if (!state.monitoring) return "Monitoring is off for this stack (monitoring.enabled: false).";
  try {
    const url = prometheusUrl(state.monitoring.prometheus);
    return alertsTable(await activeAlerts(state), await alertsPageUrl(url));
  } catch (error) {
    return `Alerts: Prometheus at ${prometheusUrl(state.monitoring.prometheus)} did not answer (${(error as Error).message}); local up starts it again.`;
  }
}

async function localStatus(options: StackOptions & { json?: boolean }): Promise<void> {
  const runner = runnerFor(options);
  const state = runner.state();
  if (!state)
    throw new LocalError(
      `no local stack ${options.stack} at ${runner.layout.root} (one started with --state-dir is found only with the same --state-dir); start one with: ${invokedAs()} local up ${stackArgs(options)}`,
    );
  const rows = await collectStatus(state, runner.layout);
  if (options.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log(statusTable(rows));
  console.log(await alertsOf(state));
}

/** The client's environment for a local stack: eval "$(pg-read-replicas local env)". */
async function localEnv(options: StackOptions): Promise<void> {
  const runner = runnerFor(options);
  const state = runner.state();
  if (!state)
    throw new LocalError(
      `no local stack ${options.stack} at ${runner.layout.root} (one started with --state-dir is found only with the same --state-dir); start one with: ${invokedAs()} local up ${stackArgs(options)}`,
    );
  // Locally the stack's CA is a file at hand, so TLS URLs verify against it.
  process.stdout.write(
    shellExports(connectionUrls(runner.outputs(), state.tls ? { sslrootcert: state.tls.caFile } : {})),
  );
}

async function localDown(options: StackOptions): Promise<void> {
  const runner = runnerFor(options);
  // An unreadable state is down's to remove, not a reason to stop before it.
  const kept = (() => {
    try {
      return keptRepository(runner.state());
    } catch {
      return undefined;
    }
  })();
  const { removed } = await runner.down();
  stderr(
    removed
      ? `Stopped every process of stack ${options.stack} and removed ${runner.layout.root}.`
      : `Nothing to do: no local stack ${options.stack} at ${runner.layout.root}.`,
  );
  if (kept) stderr(kept);
}

async function verify(options: {
  outputs: string;
  timeout?: number;
  json?: boolean;
  sslmode?: "disable" | "require";
}): Promise<void> {
  const outputs = readOutputsFile(options.outputs);
  const report = await verifyStack(outputs, {
    ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
    ...(options.sslmode ? { sslmode: options.sslmode } : {}),
    onAttempt: (attempt, r) => {
      if (!r.ok) stderr(`attempt ${attempt}: ${r.problems.length} problem(s), first: ${r.problems[0]}`);
    },
  });
  console.log(options.json ? JSON.stringify(report, null, 2) : verificationTable(report));
  if (!report.ok) process.exitCode = 1;
}

async function promote(options: StackOptions & { replica?: string; force?: boolean }): Promise<void> {
  const runner = runnerFor(options);
  const result = await runner.promote({
    ...(options.replica ? { replica: options.replica } : {}),
    ...(options.force ? { force: true } : {}),
  });
  stderr(
    `Promoted ${result.promoted} to writer (${result.formerWriter} retired); ${result.followers.join(", ") || "no replicas"} now follow it; ${result.synchronous}; ` +
      `a write through the write pool landed on it ${result.writeThroughPoolMs} ms after repointing.`,
  );
  const report = await verifyStack(result.outputs);
  console.log(verificationTable(report));
  if (!report.ok) process.exitCode = 1;
}

async function auroraCheck(options: { expect?: string; json?: boolean }): Promise<void> {
  const text = options.expect ? readFileSync(options.expect, "utf8") : process.env[EXPECTATION_ENV];
  const expectation = parseExpectation(text, options.expect ?? EXPECTATION_ENV);
  const report = await checkAurora(expectation, awsAuroraApi());
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else console.log(auroraReportText(report));
  if (!report.ok) {
    stderr(
      `pg-read-replicas: Aurora is not ready after ${report.attempts} attempts:\n  - ${report.problems.join("\n  - ")}`,
    );
    process.exitCode = 1;
  }
}

async function auroraRestoreCheck(): Promise<void> {
  const expectation = parseRestoreExpectation(process.env[RESTORE_ENV], RESTORE_ENV);
  const problems = await checkRestoreSource(expectation, awsAuroraApi());
  if (problems.length === 0) {
    stderr(`pg-read-replicas: the restore's source in ${expectation.region} can be restored as stack config asks.`);
    return;
  }
  stderr(
    `pg-read-replicas: the restore would fail or never verify; nothing was restored:\n  - ${problems.join("\n  - ")}`,
  );
  process.exitCode = 1;
}

async function auroraEngineVersionCheck(): Promise<void> {
  const expectation = parseEngineVersionExpectation(process.env[ENGINE_VERSION_ENV], ENGINE_VERSION_ENV);
  const problems = await checkEngineVersion(awsEngineVersionApi(), expectation);
  if (problems.length === 0) {
    stderr(
      `pg-read-replicas: Aurora PostgreSQL ${expectation.engineVersion} can be created in ${expectation.regions.join(", ")}.`,
    );
    return;
  }
  stderr(`pg-read-replicas: no cluster was created:\n  - ${problems.join("\n  - ")}`);
  process.exitCode = 1;
}

async function auroraRemoveAutoscaled(): Promise<void> {
  const target = parseCleanupTarget(process.env[CLEANUP_ENV], CLEANUP_ENV);
  const removed = await removeAutoscaledReaders(target, awsAuroraApi(), { log: stderr });
  stderr(
    removed.length === 0
      ? `pg-read-replicas: ${target.clusterId} has no autoscaled readers.`
      : `pg-read-replicas: removed ${removed.join(", ")}.`,
  );
}

function stackOptions(command: Command): Command {
  return command
    .option("--stack <name>", "stack in stacks/ (Pulumi.<name>.yaml)", stackName, "local")
    .option(
      "--state-dir <dir>",
      "where local data and logs live (default .pg-read-replicas/<stack>, or $PG_READ_REPLICAS_STATE_DIR)",
    )
    .option("--stacks-dir <dir>", "directory of Pulumi.<stack>.yaml files", DEFAULT_STACKS_DIR);
}

export function program(): Command {
  const root = new Command("pg-read-replicas")
    .description("PostgreSQL read replicas: local topology, verification, promotion.")
    .showHelpAfterError();
  const local = root
    .command("local")
    .description("run a stack's topology on this machine with real PostgreSQL and PgBouncer");
  stackOptions(local.command("up").description("start (or resume) the topology, verify it, print status and outputs"))
    .option("--outputs <file>", "also write the StackOutputs JSON here")
    .option("--json", "print only the StackOutputs JSON on stdout (with --dry-run: the plan)")
    .option("--dry-run", "print what up would do to each server and pool of a running stack, and change nothing")
    .option("--no-install", "never install PostgreSQL with apt-get or build PgBouncer; fail with the commands instead")
    .option("--timings", "after the steps, print how long each took (on stderr)")
    .addOption(
      new Option(
        "--from-env",
        "read the topology from $PG_READ_REPLICAS_TOPOLOGY (used by the Pulumi local backend)",
      ).hideHelp(),
    )
    .action(localUp);
  stackOptions(
    local.command("status").description("role, endpoint, state, replay lag and slot of every server and pool"),
  )
    .option("--json", "print rows as JSON")
    .action(localStatus);
  stackOptions(
    local
      .command("env")
      .description(
        "print DATABASE_PRIMARY_URL, DATABASE_REPLICA_URL, DATABASE_OLAP_URL as shell exports (they hold the password)",
      ),
  ).action(localEnv);
  stackOptions(
    local
      .command("down")
      .description("stop everything the topology started and remove its data (a backup repository is kept)"),
  ).action(localDown);
  stackOptions(local.command("backup").description("take a base backup now (backup.enabled stacks; pgBackRest)"))
    .option("--type <type>", "full, diff (changes since the last full) or incr (since the last backup)", "full")
    .action((options: StackOptions & { type: string }) =>
      localBackup(runnerFor(options), options.stack, parseBackupType(options.type)),
    );
  stackOptions(local.command("backups").description("the base backups in the stack's repository, with their WAL range"))
    .option("--json", "print the inventory as JSON")
    .action((options: StackOptions & { json?: boolean }) =>
      localBackups(runnerFor(options), options.stack, options.json === true),
    );
  stackOptions(
    local
      .command("reseed")
      .description("replace a replica's data with a fresh copy of the writer's (after a lost slot; a former writer)")
      .argument("<name>", "the replica (or former writer), as local status names it"),
  )
    .option("--discard-writes", "a former writer: throw away whatever it holds that the writer never received")
    .action((name: string, options: StackOptions & { discardWrites?: boolean }) =>
      localReseed(runnerFor(options), name, { discardWrites: options.discardWrites === true }),
    );
  root
    .command("verify")
    .description("prove replication streams end to end for any stack's outputs")
    .requiredOption("--outputs <file>", "pulumi stack output --json --show-secrets, or local up's outputs file")
    .option(
      "--timeout <duration>",
      "poll for up to this long (default: the stack's verification.timeout)",
      durationOption,
    )
    .addOption(
      new Option(
        "--sslmode <mode>",
        "TLS to the servers (default: required when the outputs say the stack requires it)",
      ).choices(["disable", "require"]),
    )
    .option("--json", "print the report as JSON")
    .action(verify);
  root
    .command("aurora-check")
    .description(
      "fail unless every Aurora instance is available in its role and replicating within the bound (run by pulumi up)",
    )
    .option("--from-env", `read the expectation from $${EXPECTATION_ENV} (the default)`)
    .option("--expect <file>", "read the expectation from a file instead")
    .option("--json", "print the report as JSON")
    .action(auroraCheck);
  root
    .command("aurora-restore-check", { hidden: true })
    .description("fail unless the restore's source exists and can be restored as stack config asks (run by pulumi up)")
    .option("--from-env", `read the restore from $${RESTORE_ENV} (the default)`)
    .action(auroraRestoreCheck);
  root
    .command("aurora-engine-version-check", { hidden: true })
    .description(
      "fail unless aurora.engineVersion can still be created in every region of the stack (run by pulumi up)",
    )
    .option("--from-env", `read the version and regions from $${ENGINE_VERSION_ENV} (the default)`)
    .action(auroraEngineVersionCheck);
  root
    .command("aurora-app-role", { hidden: true })
    .description("create the application role through the RDS Data API, or set its password again (run by pulumi up)")
    .option("--from-env", "read the cluster, secret and role from the environment (the default)")
    .action(auroraAppRole);
  root
    .command("aurora-remove-autoscaled", { hidden: true })
    .description(
      "delete the readers Application Auto Scaling added to a cluster, so it can be deleted (run by pulumi destroy)",
    )
    .option("--from-env", `read the cluster from $${CLEANUP_ENV} (the default)`)
    .action(auroraRemoveAutoscaled);
  previewCommands(root);
  stackOptions(
    root
      .command("promote")
      .description("make a local replica the writer (the writer must be stopped) and repoint the write pool"),
  )
    .option("--replica <name>", "which OLTP replica (default: the most advanced)")
    .option("--force", "stop the current writer first")
    .action(promote);
  registerKubernetesCommands(root);
  return root;
}

export async function main(argv: string[]): Promise<void> {
  keepGoingWhenOutputCloses();
  try {
    await program().parseAsync(argv);
  } catch (error) {
    // Errors whose message is the whole story are printed without a stack trace.
    if (error instanceof UserError || error instanceof InvalidArgumentError) {
      stderr(`pg-read-replicas: ${(error as Error).message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
