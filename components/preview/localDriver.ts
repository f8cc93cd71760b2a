/**
 * The preview cycle on this machine: the per-change stack is rehearsed (`local up --stack`
 * with its topology), in a state directory of its own (default .pg-read-replicas/pr-<id>),
 * whose name also names its network namespaces and picks its address block, so two changes
 * never share a process, a namespace or an address. Teardown is `local down`, then a check
 * that nothing of it runs any more.
 */
import { existsSync } from "node:fs";
import { readStackConfig } from "../config/stackFile";
import { leftoversOf } from "../local/leftovers";
import { LocalRunner } from "../local/runner";
import { defaultStateDir } from "../ground/paths";
import { topologyFromPulumiConfig } from "../pipeline/loadTopology";
import type { Deployed, Log, PreviewDriver, PreviewIdentity } from "./cycle";
import { PreviewError, instantiateTemplate } from "./template";

export interface LocalPreviewOptions extends PreviewIdentity {
  stacksDir: string;
  stateDir?: string;
  expires: Date;
  /** Install PostgreSQL / build PgBouncer when missing, as `local up` does. */
  install: boolean;
  /** The run's interrupt: stops the deploy's verification polling. */
  signal: AbortSignal;
}

export class TeardownIncomplete extends PreviewError {
  constructor(readonly remaining: string[]) {
    super(`still running after local down:\n  - ${remaining.join("\n  - ")}`);
  }
}

/** Stops and removes a local preview, then proves nothing of it is left. */
export async function removeLocalPreview(runner: LocalRunner): Promise<string[]> {
  const { removed, namespaces } = await runner.down();
  const remaining = await leftoversOf(runner.layout.root);
  if (remaining.length > 0) throw new TeardownIncomplete(remaining);
  if (!removed && namespaces.length === 0) return [];
  return [`${runner.layout.root} (every process of it)`, ...namespaces.map((name) => `network namespace ${name}`)];
}

export function localPreviewRunner(stack: string, stateDir?: string): LocalRunner {
  return new LocalRunner(stack, stateDir ?? defaultStateDir(stack));
}

export function localDriver(options: LocalPreviewOptions): PreviewDriver {
  const runner = localPreviewRunner(options.stack, options.stateDir);
  let plan: ReturnType<LocalRunner["planUp"]> | undefined;
  return {
    mode: "local",
    async prepare(log: Log) {
      const template = readStackConfig(options.stacksDir, options.template);
      const { config } = instantiateTemplate(template, {
        id: options.id,
        expires: options.expires,
        template: options.template,
      });
      const { topology, warnings } = topologyFromPulumiConfig(
        config,
        `stack ${options.stack} config (template ${options.template} with changeId ${options.id})`,
      );
      for (const warning of warnings) log(`warning: ${warning}`);
      if (topology.backend === "aurora") {
        throw new PreviewError(
          `template ${options.template} is an Aurora stack, which cannot be rehearsed on this machine; run it with --cloud.`,
        );
      }
      if (existsSync(runner.layout.root)) {
        // A kept preview of this change, or one an earlier run could not finish: start from nothing.
        log(`removing the earlier preview at ${runner.layout.root}`);
        await removeLocalPreview(runner);
      }
      plan = runner.planUp(topology, { install: options.install, signal: options.signal });
      return topology;
    },
    async deploy(log: Log, signal: AbortSignal): Promise<Deployed> {
      if (!plan) throw new Error("preview: deploy before prepare");
      // runSteps stops whatever it started when a step fails or the run is interrupted.
      await runner.runSteps(plan.steps, async (step) => {
        if (signal.aborted) throw new PreviewError("interrupted");
        log(`  ${step.title}`);
        await step.run();
      });
      const result = plan.result();
      return {
        outputs: result.outputs,
        outputsFile: result.outputsFile,
        notes: runner.state()?.rehearsal?.changes ?? [],
      };
    },
    teardown: () => removeLocalPreview(runner),
  };
}
