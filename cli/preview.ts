/** `preview run` and `preview down`: a per-change stack from a template, deployed, verified, tested and removed. */
import { writeFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { type PreviewIdentity, runPreview } from "../components/preview/cycle";
import { type Automation, cloudDriver, pulumiAutomation, removeCloudPreview } from "../components/preview/cloudDriver";
import { localDriver, localPreviewRunner, removeLocalPreview } from "../components/preview/localDriver";
import { reapPreviews } from "../components/preview/reap";
import type { ReapApi } from "../components/preview/reap";
import { awsReapApi } from "../components/preview/reapAws";
import { runIntegrationSuite } from "../components/preview/suite";
import { readStackConfig } from "../components/config/stackFile";
import { previewMarkdown } from "../components/preview/summary";
import { checkChangeId, previewStackName } from "../components/preview/template";
import { DEFAULT_STACKS_DIR, PROJECT_ROOT } from "../components/ground/paths";
import { verifyStack } from "../components/verify/verifier";
import { durationOption, invokedAs, quote, stackName, stderr } from "./shared";

interface PreviewOptions {
  stack: string;
  id: string;
  stacksDir: string;
  stateDir?: string;
  cloud?: boolean;
}

const DEFAULT_TTL = "3d";

function idOption(value: string): string {
  try {
    return checkChangeId(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function identityOf(options: PreviewOptions): PreviewIdentity {
  return { template: options.stack, id: options.id, stack: previewStackName(options.stack, options.id) };
}

/** The `preview down` that removes this preview, with the directories it was given. */
function downCommand(options: PreviewOptions): string {
  return [
    `${invokedAs()} preview down --stack ${quote(options.stack)} --id ${quote(options.id)}`,
    ...(options.stateDir !== undefined ? [`--state-dir ${quote(options.stateDir)}`] : []),
    ...(options.stacksDir !== DEFAULT_STACKS_DIR ? [`--stacks-dir ${quote(options.stacksDir)}`] : []),
    ...(options.cloud ? ["--cloud"] : []),
  ].join(" ");
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function previewRun(
  options: PreviewOptions & { keep?: boolean; ttl: number; summary?: string; install: boolean },
  automation: () => Promise<Automation>,
): Promise<number> {
  const identity = identityOf(options);
  const cleanupCommand = downCommand(options);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      stderr(`${signal} again: abandoning the teardown. Finish it with: ${cleanupCommand}`);
      process.exit(SIGNAL_EXIT[signal] ?? 1);
    }
    stderr(`${signal}: stopping, then tearing down ${identity.stack} (${signal} again abandons the teardown)`);
    controller.abort(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const expires = new Date(Date.now() + options.ttl);
    const driver = options.cloud
      ? cloudDriver({ ...identity, stacksDir: options.stacksDir, expires, automation })
      : localDriver({
          ...identity,
          stacksDir: options.stacksDir,
          ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
          expires,
          install: options.install,
          signal: controller.signal,
        });
    const result = await runPreview(driver, identity, {
      keep: options.keep ?? false,
      signal: controller.signal,
      log: stderr,
      cleanupCommand,
      deps: {
        verify: (outputs, signal) =>
          verifyStack(outputs, {
            signal,
            onAttempt: (attempt, report) =>
              !report.ok &&
              stderr(`  attempt ${attempt}: ${report.problems.length} problem(s), first: ${report.problems[0]}`),
          }),
        suite: (outputsFile, log, signal) => runIntegrationSuite(outputsFile, { log, signal }),
      },
    });
    const markdown = previewMarkdown(result);
    if (options.summary) writeFileSync(options.summary, markdown);
    process.stdout.write(markdown);
    return result.interrupted ? (SIGNAL_EXIT[result.interrupted] ?? 1) : result.ok ? 0 : 1;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

async function previewDown(options: PreviewOptions, automation: () => Promise<Automation>): Promise<void> {
  const { stack } = identityOf(options);
  if (options.cloud) {
    const pulumiStack = await (await automation()).selectStack({ stackName: stack, workDir: PROJECT_ROOT });
    if (!pulumiStack) {
      stderr(`Nothing to do: no Pulumi stack ${stack}.`);
      return;
    }
    const removed = await removeCloudPreview(pulumiStack, stack, stderr);
    stderr(`Removed ${removed.join("; ")}.`);
    return;
  }
  const removed = await removeLocalPreview(localPreviewRunner(stack, options.stateDir));
  stderr(removed.length > 0 ? `Removed ${removed.join("; ")}.` : `Nothing to do: no preview ${stack} here.`);
}

function previewOptions(command: Command): Command {
  return command
    .option(
      "--stack <template>",
      "the preview template in stacks/ (Pulumi.<template>.yaml); the stack is <template>-<id>",
      stackName,
      "pr",
    )
    .requiredOption("--id <id>", "the change: a pull request number, or lower-case letters, digits and -", idOption)
    .option("--stacks-dir <dir>", "directory of Pulumi.<stack>.yaml files", DEFAULT_STACKS_DIR)
    .option(
      "--state-dir <dir>",
      "where the local preview's data and logs live (default .pg-read-replicas/<template>-<id>)",
    )
    .option(
      "--cloud",
      "through Pulumi's Automation API (needs the Pulumi CLI and cloud credentials) instead of rehearsing it here",
    );
}

/** The regions an Aurora preview template deploys to: its region and each crossRegion entry's. */
export function templateRegions(stacksDir: string, template: string): string[] {
  const config = readStackConfig(stacksDir, template);
  const region = config["pg-read-replicas:region"];
  const cross = JSON.parse(config["pg-read-replicas:crossRegion"] ?? "[]") as Array<{ region: string }>;
  return [...new Set([...(region ? [region] : []), ...cross.map((c) => c.region)])];
}

interface ReapOptions {
  olderThan: number;
  /** Without it, reap only lists: nothing destroys by default. */
  delete?: boolean;
  region?: string[];
  stack: string;
  stacksDir: string;
}

async function previewReap(options: ReapOptions, api: ReapApi): Promise<number> {
  const regions = options.region ?? templateRegions(options.stacksDir, options.stack);
  const report = await reapPreviews(api, {
    regions,
    now: new Date(),
    olderThanMs: options.olderThan,
    delete: options.delete === true,
    log: stderr,
  });
  const acted = options.delete === true;
  stderr(
    `${acted ? "Deleted" : "Would delete (run again with --delete to delete)"} ${acted ? report.deleted.length : report.remove.length}, failed ${report.failed.length}, by hand ${report.byHand.length}, refused ${report.refused.length}, not expired ${report.kept} (regions ${regions.join(", ")}).`,
  );
  return report.failed.length > 0 ? 1 : 0;
}

/** `automation` is Pulumi's LocalWorkspace; a test hands in another. */
export function previewCommands(
  root: Command,
  automation: () => Promise<Automation> = pulumiAutomation,
  reapApi: ReapApi = awsReapApi,
): void {
  const preview = root
    .command("preview")
    .description("a per-change stack from a template: deploy, verify, run the integration suite, tear down");
  previewOptions(
    preview
      .command("run")
      .description("the whole cycle for one change; always tears down (unless --keep), also on failure or interrupt"),
  )
    .option(
      "--keep",
      "leave the stack up for inspection (an interrupted run still tears down); remove it later with preview down",
    )
    .addOption(
      new Option("--ttl <duration>", "labels the stack to expire this long from now")
        .default(durationOption(DEFAULT_TTL), DEFAULT_TTL)
        .argParser(durationOption),
    )
    .option("--summary <file>", "also write the summary (Markdown) here, e.g. for a pull request comment")
    .option("--no-install", "never install PostgreSQL with apt-get or build PgBouncer; fail with the commands instead")
    .action(async (options: PreviewOptions & { keep?: boolean; ttl: number; summary?: string; install: boolean }) => {
      process.exitCode = await previewRun(options, automation);
    });
  previewOptions(
    preview.command("down").description("remove a preview left by --keep or by a teardown that did not finish"),
  ).action((options: PreviewOptions) => previewDown(options, automation));
  preview
    .command("reap")
    .description(
      "list AWS resources of previews whose expiry tag passed longer ago than --older-than, and with --delete delete them in dependency order; anything without the tag is refused",
    )
    .requiredOption(
      "--older-than <duration>",
      "how long past its expiry a preview must be, e.g. 0s or 6h",
      durationOption,
    )
    .option("--delete", "delete what is listed (without it, reap lists what it would delete and deletes nothing)")
    .option("--region <region...>", "regions to search (default: the template's region and crossRegion regions)")
    .option("--stack <template>", "the Aurora preview template whose regions to search", stackName, "aurora-pr")
    .option("--stacks-dir <dir>", "directory of Pulumi.<stack>.yaml files", DEFAULT_STACKS_DIR)
    .action(async (options: ReapOptions) => {
      process.exitCode = await previewReap(options, reapApi);
    });
}
