/**
 * Boots one real local topology for the integration suite, or, with
 * STACK_OUTPUTS=<file>, uses an already deployed stack's outputs instead
 * (then only the checks that need no server stopped run).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { LocalRunner } from "../../components/local/runner";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { readOutputsFile } from "../../components/contract/outputsFile";
import { integrationConfig } from "../support/integrationTopology";

declare module "vitest" {
  export interface ProvidedContext {
    outputs: StackOutputs;
    /** Null when running against STACK_OUTPUTS: no local servers to stop or inspect. */
    stateDir: string | null;
  }
}

let runner: LocalRunner | undefined;
let parent: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.STACK_OUTPUTS;
  if (external) {
    project.provide("outputs", readOutputsFile(external));
    project.provide("stateDir", null);
    return;
  }
  // mkdtemp makes a 0700 directory; the servers run as postgres and must get through it.
  parent = mkdtempSync(join(tmpdir(), "pgrr-it-"));
  chmodSync(parent, 0o755);
  const stateDir = join(parent, "s");
  runner = new LocalRunner("itest", stateDir);
  const { outputs } = await runner.up(topologyFromConfig(integrationConfig()).topology);
  project.provide("outputs", outputs);
  project.provide("stateDir", stateDir);
}

export async function teardown(): Promise<void> {
  await runner?.down();
  if (parent) rmSync(parent, { recursive: true, force: true });
}
