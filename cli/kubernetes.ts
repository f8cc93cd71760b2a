/** `pg-read-replicas kubernetes …`: operations on a self-hosted stack's cluster, through kubectl. */
import type { Command } from "commander";
import { failover } from "../components/kubernetes/statefulset/failover/failover";
import { kubectlOps, kubectlRunner } from "../components/kubernetes/statefulset/failover/kubectl";
import { backupNow } from "../components/kubernetes/statefulset/backupNow";
import { switchover } from "../components/kubernetes/statefulset/failover/switchover";
import { roll } from "../components/kubernetes/statefulset/failover/roll";
import { readStackConfig } from "../components/config/stackFile";
import { UserError } from "../components/ground/errors";
import { DEFAULT_STACKS_DIR } from "../components/ground/paths";
import { stackName } from "./shared";
import { topologyFromPulumiConfig } from "../components/pipeline/loadTopology";
import type { SelfHostedTopology } from "../components/topology/types";
import { backupKubectl, takeCnpgBackup } from "../components/kubernetes/cnpg/onDemandBackup";

interface FailoverCliOptions {
  stack: string;
  stacksDir: string;
  to?: string;
  context?: string;
  timeout: string;
  oldWriterNodeLost?: string;
}

function selfHostedTopology(options: FailoverCliOptions): SelfHostedTopology {
  const { topology } = topologyFromPulumiConfig(
    readStackConfig(options.stacksDir, options.stack),
    `stack ${options.stack} config`,
  );
  if (topology.backend !== "selfHosted") {
    throw new UserError(
      `stack ${options.stack} uses the ${topology.backend} backend; kubernetes failover and switchover are for selfHosted stacks (Aurora fails over itself; local stacks use pg-read-replicas promote)`,
    );
  }
  if (topology.kubernetes.engine.name === "cloudnative-pg") {
    throw new UserError(
      `stack ${options.stack} runs on CloudNativePG (kubernetes.engine cloudnative-pg): the operator fails over by itself; for a planned switchover use its plugin (kubectl cnpg promote ${topology.name} <instance> -n ${topology.kubernetes.namespace})`,
    );
  }
  return topology;
}

function clusterOps(options: FailoverCliOptions, topology: SelfHostedTopology) {
  const config = readStackConfig(options.stacksDir, options.stack);
  const context = options.context ?? config["kubernetes:context"];
  const timeoutS = Number(options.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS <= 0)
    throw new UserError(`--timeout ${options.timeout}: give whole seconds, such as 300`);
  return {
    ops: kubectlOps({ ...(context ? { context } : {}), namespace: topology.kubernetes.namespace, timeoutS }),
    timeoutS,
  };
}

function printNext(options: FailoverCliOptions, next: readonly string[]): void {
  console.log(
    "Now record it in the stack's config, so pulumi up keeps it so (the primary's StatefulSet stays at zero):",
  );
  for (const line of next) console.log(`  ${line}${line.startsWith("pulumi") ? ` --stack ${options.stack}` : ""}`);
}

async function runSwitchover(options: FailoverCliOptions): Promise<void> {
  const topology = selfHostedTopology(options);
  const { ops, timeoutS } = clusterOps(options, topology);
  const result = await switchover(topology, ops, {
    ...(options.to ? { to: options.to } : {}),
    catchUpTimeoutMs: timeoutS * 1000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(
    `${result.to} is the writer, with every write ${result.from} acknowledged; ${result.from} is fenced and stopped. ${result.synchronous}.`,
  );
  for (const warning of result.warnings) console.log(`Warning: ${warning}`);
  printNext(options, result.next);
}

async function runFailover(options: FailoverCliOptions): Promise<void> {
  const topology = selfHostedTopology(options);
  const { ops, timeoutS } = clusterOps(options, topology);
  const result = await failover(topology, ops, {
    ...(options.to ? { to: options.to } : {}),
    ...(options.oldWriterNodeLost ? { oldWriterNodeLost: options.oldWriterNodeLost } : {}),
    stopTimeoutMs: timeoutS * 1000,
    command: `pg-read-replicas kubernetes failover --stack ${options.stack}`,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(`${result.to} is the writer; ${result.from} is fenced and stopped. ${result.synchronous}.`);
  for (const warning of result.warnings) console.log(`Warning: ${warning}`);
  printNext(options, result.next);
}

interface RollCliOptions extends FailoverCliOptions {
  standbysOnly?: boolean;
  readyTimeout: string;
}

async function runRoll(options: RollCliOptions): Promise<void> {
  const topology = selfHostedTopology(options);
  const { ops, timeoutS } = clusterOps(options, topology);
  const readyS = Number(options.readyTimeout);
  if (!Number.isInteger(readyS) || readyS <= 0)
    throw new UserError(`--ready-timeout ${options.readyTimeout}: give whole seconds, such as 1800`);
  const result = await roll(topology, ops, {
    standbysOnly: options.standbysOnly ?? false,
    readyTimeoutMs: readyS * 1000,
    catchUpTimeoutMs: timeoutS * 1000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const rolled = result.rolled.length > 0 ? result.rolled.join(", ") : "none";
  console.log(
    `${result.group} at revision ${result.revision}: rolled ${rolled}; already current: ${result.current.join(", ") || "none"}.`,
  );
  if (result.writerBehind)
    console.log(
      `The writer ${result.writerBehind} is still on its older template: run kubernetes roll without --standbys-only (a switchover) when writes may pause for a moment.`,
    );
  if (result.switchover) {
    console.log(
      `${result.switchover.to} is the writer now (switchover from ${result.switchover.from}). ${result.switchover.synchronous}.`,
    );
    printNext(options, result.switchover.next);
  }
}

interface BackupCliOptions {
  stack: string;
  stacksDir: string;
  context?: string;
  timeout: string;
}

/**
 * A base backup now. cloudnative-pg: a Backup (method plugin), cnpg/onDemandBackup.ts; statefulset: a Job from the
 * stack's backup CronJob, statefulset/backupNow.ts.
 */
async function runBackup(options: BackupCliOptions): Promise<void> {
  const config = readStackConfig(options.stacksDir, options.stack);
  const { topology } = topologyFromPulumiConfig(config, `stack ${options.stack} config`);
  if (topology.backend !== "selfHosted")
    throw new UserError(
      `stack ${options.stack} uses the ${topology.backend} backend; kubernetes backup is for selfHosted stacks`,
    );
  const timeoutS = Number(options.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS <= 0)
    throw new UserError(`--timeout ${options.timeout}: give whole seconds, such as 3600`);
  const context = options.context ?? config["kubernetes:context"];
  const target = { ...(context ? { context } : {}), namespace: topology.kubernetes.namespace };
  if (topology.kubernetes.engine.name === "cloudnative-pg") {
    const result = await takeCnpgBackup(topology, backupKubectl(), target, {
      now: new Date(),
      timeoutS,
      pollMs: 5000,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    console.log(`Backup ${result.name} ${result.phase}`);
    return;
  }
  const started = Date.now();
  const result = await backupNow(topology, { ...target, timeoutS }, kubectlRunner(), {
    now: new Date(),
    pollMs: 5000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    elapsedMs: () => Date.now() - started,
  });
  process.stderr.write(result.log.endsWith("\n") ? result.log : `${result.log}\n`);
  if (!result.succeeded) throw new UserError(`backup Job ${result.job} failed (its log is above)`);
  console.log(`base backup taken by Job ${result.job}`);
}

export function registerKubernetesCommands(root: Command): void {
  const kubernetes = root.command("kubernetes").description("operate a selfHosted stack's cluster (uses kubectl)");
  kubernetes
    .command("failover")
    .description("fence the writer, promote an OLTP replica, point rw and the write pool at it, prove a write")
    .option("--stack <name>", "stack in stacks/ (Pulumi.<name>.yaml)", stackName, "dev")
    .option("--stacks-dir <dir>", "directory of Pulumi.<stack>.yaml files", DEFAULT_STACKS_DIR)
    .option("--to <pod>", "the OLTP replica pod to promote (default: the most advanced)")
    .option("--context <name>", "kubeconfig context (default: the stack's kubernetes:context)")
    .option(
      "--old-writer-node-lost <node>",
      "the old writer's node, which you have confirmed down (powered off or cut off for good): its pod is force-deleted. Without it, a failover whose old writer is on a node that does not answer changes nothing",
    )
    .option("--timeout <seconds>", "how long to wait for the old writer to stop and the write pool to roll", "300")
    .action(runFailover);
  kubernetes
    .command("switchover")
    .description(
      "planned, zero-loss change of writer (how a changed writer template is applied): pause the write pool, let an OLTP replica replay everything, fence and stop the writer, promote, repoint, resume, prove a write",
    )
    .option("--stack <name>", "stack in stacks/ (Pulumi.<name>.yaml)", stackName, "dev")
    .option("--stacks-dir <dir>", "directory of Pulumi.<stack>.yaml files", DEFAULT_STACKS_DIR)
    .option("--to <pod>", "the OLTP replica pod to promote (default: the most advanced)")
    .option("--context <name>", "kubeconfig context (default: the stack's kubernetes:context)")
    .option(
      "--timeout <seconds>",
      "how long the replica may take to catch up (writes wait meanwhile), and kubectl to wait for pods",
      "60",
    )
    .action(runSwitchover);
  kubernetes
    .command("roll")
    .description(
      "bring the writer's group (OnDelete, which pulumi up never restarts) onto its newest template: its standbys one at a time (each Ready and streaming before the next), then the writer by a switchover",
    )
    .option("--stack <name>", "stack in stacks/ (Pulumi.<name>.yaml)", stackName, "dev")
    .option("--stacks-dir <dir>", "directory of Pulumi.<stack>.yaml files", DEFAULT_STACKS_DIR)
    .option("--context <name>", "kubeconfig context (default: the stack's kubernetes:context)")
    .option("--standbys-only", "roll only the standbys; the writer stays on its older template (no switchover)")
    .option(
      "--ready-timeout <seconds>",
      "how long each recreated pod may take to be Ready and streaming (a re-seed copies the whole database)",
      "1800",
    )
    .option("--timeout <seconds>", "the switchover's catch-up bound (writes wait meanwhile)", "60")
    .action(runRoll);
  kubernetes
    .command("backup")
    .description(
      "take a base backup now and wait for it: statefulset, a full backup by a Job from the stack's backup CronJob; cloudnative-pg, a Backup (Barman Cloud plugin)",
    )
    .option("--stack <name>", "stack in stacks/ (Pulumi.<name>.yaml)", stackName, "dev")
    .option("--stacks-dir <dir>", "directory of Pulumi.<stack>.yaml files", DEFAULT_STACKS_DIR)
    .option("--context <name>", "kubeconfig context (default: the stack's kubernetes:context)")
    .option("--timeout <seconds>", "how long to wait for the backup to finish (it keeps running after)", "3600")
    .action(runBackup);
}
