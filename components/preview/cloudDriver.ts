/**
 * The preview cycle through Pulumi's Automation API, for CI that has the Pulumi CLI and cloud
 * credentials: create or select stack pr-<id> in this project, set its config from the
 * template (changeId and the expiry label added), `up` (whose verification Job or Aurora
 * check gates the update), read its outputs into a StackOutputs file for the verifier and the
 * suite, then `destroy` and remove the stack. Only the calls below are used, so a test can
 * hand in a fake in place of @pulumi/pulumi/automation's LocalWorkspace.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { writePrivateFile } from "../ground/privateFile";
import { join } from "node:path";
import { LocalWorkspace, StackNotFoundError } from "@pulumi/pulumi/automation";
import { readStackConfig } from "../config/stackFile";
import { PROJECT_ROOT } from "../ground/paths";
import { topologyFromPulumiConfig } from "../pipeline/loadTopology";
import { readOutputsFile } from "../contract/outputsFile";
import type { Deployed, Log, PreviewDriver, PreviewIdentity } from "./cycle";
import { PreviewError, instantiateTemplate } from "./template";

/** The part of an Automation API Stack the cycle uses. */
export interface AutomationStack {
  setAllConfig(config: Record<string, { value: string; secret?: boolean }>): Promise<void>;
  up(options: { onOutput: (out: string) => void; signal?: AbortSignal }): Promise<unknown>;
  outputs(): Promise<Record<string, { value: unknown; secret: boolean }>>;
  destroy(options: { onOutput: (out: string) => void }): Promise<unknown>;
  workspace: { removeStack(stackName: string): Promise<void> };
}

/** The part of LocalWorkspace the cycle uses. */
export interface Automation {
  createOrSelectStack(args: { stackName: string; workDir: string }): Promise<AutomationStack>;
  /** Undefined when there is no such stack. */
  selectStack(args: { stackName: string; workDir: string }): Promise<AutomationStack | undefined>;
}

const NEEDS =
  "--cloud needs the Pulumi CLI on PATH (https://www.pulumi.com/docs/install/) and a logged-in backend (PULUMI_ACCESS_TOKEN, or pulumi login)";

/** Pulumi's LocalWorkspace, its failures explained (usually: no Pulumi CLI, or not logged in). */
export async function pulumiAutomation(): Promise<Automation> {
  const explain = (error: unknown): never => {
    // The Automation API's CommandError starts with "code: -2"; the line that says what happened comes later.
    const lines = (error as Error).message.split("\n").map((line) => line.replace(/^\s*(stderr|err\?):\s*/, "").trim());
    const said = lines.find((line) => line !== "" && !/^(code|stdout):/.test(line)) ?? lines[0];
    throw new PreviewError(`${NEEDS}; Pulumi's Automation API said: ${said}`);
  };
  return {
    createOrSelectStack: (args) => LocalWorkspace.createOrSelectStack(args).catch(explain),
    selectStack: (args) =>
      LocalWorkspace.selectStack(args).catch((error: unknown) =>
        error instanceof StackNotFoundError ? undefined : explain(error),
      ),
  };
}

export interface CloudPreviewOptions extends PreviewIdentity {
  stacksDir: string;
  expires: Date;
  automation: () => Promise<Automation>;
  /** The Pulumi project's directory (Pulumi.yaml); this checkout by default. */
  workDir?: string;
}

/**
 * Pulumi's outputs as the StackOutputs JSON `verify --outputs` and the suite read (the password in plain text, file
 * mode 0600).
 */
export function writeOutputsFile(outputs: Record<string, { value: unknown }>, dir: string): string {
  const file = join(dir, "outputs.json");
  // An output that resolved to nothing (capacity without the formula) is left out, as `pulumi stack output --json`
  // does.
  const plain = Object.fromEntries(
    Object.entries(outputs).flatMap(([key, output]) =>
      output.value === null || output.value === undefined ? [] : [[key, output.value]],
    ),
  );
  writePrivateFile(file, `${JSON.stringify(plain, null, 2)}\n`);
  readOutputsFile(file);
  return file;
}

/** Destroys a Pulumi stack and removes it; what `preview down --cloud` and teardown do. */
export async function removeCloudPreview(stack: AutomationStack, stackName: string, log: Log): Promise<string[]> {
  await stack.destroy({ onOutput: (out) => log(out.trimEnd()) });
  await stack.workspace.removeStack(stackName);
  return [`every resource of Pulumi stack ${stackName}, and the stack`];
}

export function cloudDriver(options: CloudPreviewOptions): PreviewDriver {
  const workDir = options.workDir ?? PROJECT_ROOT;
  let stack: AutomationStack | undefined;
  let scratch: string | undefined;
  return {
    mode: "cloud",
    async prepare(log: Log) {
      const template = readStackConfig(options.stacksDir, options.template);
      const { config } = instantiateTemplate(template, {
        id: options.id,
        expires: options.expires,
        template: options.template,
      });
      // Computed here too: a config problem is reported before Pulumi creates anything.
      const { topology, warnings } = topologyFromPulumiConfig(
        config,
        `stack ${options.stack} config (template ${options.template} with changeId ${options.id})`,
      );
      for (const warning of warnings) log(`warning: ${warning}`);
      const automation = await options.automation();
      stack = await automation.createOrSelectStack({ stackName: options.stack, workDir });
      await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value }])));
      return topology;
    },
    async deploy(log: Log, signal: AbortSignal): Promise<Deployed> {
      if (!stack) throw new Error("preview: deploy before prepare");
      await stack.up({ onOutput: (out) => log(out.trimEnd()), signal });
      scratch = mkdtempSync(join(tmpdir(), "pgrr-preview-"));
      const outputsFile = writeOutputsFile(await stack.outputs(), scratch);
      const outputs = readOutputsFile(outputsFile);
      return { outputs, outputsFile, notes: outputs.notes };
    },
    release() {
      // The outputs file holds the password; `pulumi stack output --json --show-secrets` makes it again.
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
    async teardown(log: Log) {
      // Nothing was created when the stack could not even be selected.
      if (!stack) return [];
      return removeCloudPreview(stack, options.stack, log);
    },
  };
}
