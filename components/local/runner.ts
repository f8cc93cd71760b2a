/**
 * The local backend: realises a Topology on 127.0.0.1 with real PostgreSQL and
 * PgBouncer, from the same rendered files the Kubernetes backend ships. This
 * facade keeps the state directory and hands each concern to its module:
 * planning `up` (upSteps), tearing down (teardown), promotion (failover).
 *
 * If any step of `up` fails or the run is interrupted, everything started is stopped again.
 */
import { resolve } from "node:path";
import type { StackOutputs } from "../contract/stackOutputs";
import type { Topology } from "../topology/types";
import { endpointOf, nodeByName, nodeContext } from "./contexts";
import { LocalError } from "./errors";
import { type PromoteOptions, type PromoteResult, promote } from "./failover";
import { writeOwnedFile } from "./files";
import { Layout } from "./layout";
import { refreshMonitoring } from "./monitoring";
import { rehearsalVersion } from "./provision";
import { setRegionLink } from "./network";
import { localOutputs } from "./outputs";
import { seedReplica, startNode, stopNode, superuserSql, writeNodeConfig } from "./postgresNode";
import { asStandby } from "./serving";
import { allNodes } from "../topology/queries";
import { type LocalState, readState, writeState } from "./state";
import { stopEverything, tearDown } from "./teardown";
import { type Step, type UpContext, type UpResult, type UpSource, createSteps, resumeSteps } from "./upSteps";
import { rmSync } from "node:fs";

export { LocalError, VerificationFailed } from "./errors";
export type { PromoteResult } from "./failover";
export type { Step, UpResult } from "./upSteps";

function upSource(stack: string, topology: Topology): UpSource {
  switch (topology.backend) {
    case "local":
      return { kind: "local", topology };
    case "selfHosted": {
      const run = rehearsalVersion(topology.postgresVersion);
      return {
        kind: "rehearsal",
        topology,
        postgresVersion: run.version,
        ...(run.change ? { versionChange: run.change } : {}),
      };
    }
    case "aurora":
      throw new LocalError(
        `stack ${stack} uses backend aurora, which cannot be rehearsed here: Aurora is not the open-source PostgreSQL server and replicates through its storage. ` +
          "npm test checks its graph against AWS's documented behaviour instead; rehearse a selfHosted stack, or run the local stack.",
      );
  }
}

export class LocalRunner {
  readonly layout: Layout;

  constructor(
    readonly stack: string,
    stateDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.layout = new Layout(resolve(stateDir));
  }

  state(): LocalState | undefined {
    return readState(this.layout);
  }

  private requireState(): LocalState {
    const state = this.state();
    if (!state)
      throw new LocalError(
        `no local stack ${this.stack} at ${this.layout.root}; start one with: pg-read-replicas local up --stack ${this.stack}`,
      );
    return state;
  }

  /**
   * The steps `up` will take: a fresh topology, or bringing an existing one back to running. A
   * local stack runs as it is; a selfHosted one is rehearsed (rehearsal.ts); Aurora is refused.
   */
  planUp(
    topology: Topology,
    options: { install: boolean; signal?: AbortSignal } = { install: true },
  ): { steps: Step[]; result: () => UpResult } {
    const source = upSource(this.stack, topology);
    const existing = this.state();
    const existingSource = existing?.rehearsal?.sourceHash ?? existing?.topology.hash;
    if (existing && existingSource !== topology.hash) {
      throw new LocalError(
        `${this.layout.root} holds stack ${existing.stack} from a different topology (${existingSource}, now ${topology.hash}). Run pg-read-replicas local down --stack ${this.stack} first; it deletes the local data.`,
      );
    }
    const ready = existing?.phase === "ready" ? existing : undefined;
    const ctx: UpContext = {
      stack: this.stack,
      layout: this.layout,
      env: this.env,
      source,
      started: ready ? "resumed" : "created",
      install: options.install,
      ...(options.signal ? { signal: options.signal } : {}),
      writeOutputs: (state) => this.writeOutputs(state),
      removeLeftover: async () => {
        await this.down();
      },
    };
    const steps = ready ? resumeSteps(ctx, ready) : createSteps(ctx, existing !== undefined);
    return {
      steps,
      result: () => {
        if (!ctx.result) throw new Error("local up: the result is read before every step ran");
        return ctx.result;
      },
    };
  }

  /** Runs the plan; on failure or interrupt stops whatever it started and rethrows. */
  async runSteps(steps: Step[], onStep: (step: Step) => Promise<void> = (step) => step.run()): Promise<void> {
    let interrupted = false;
    const onSignal = () => {
      interrupted = true;
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      for (const step of steps) {
        if (interrupted) throw new LocalError("interrupted");
        await onStep(step);
      }
    } catch (error) {
      await this.stopEverything().catch(() => undefined);
      throw error;
    } finally {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
  }

  async up(topology: Topology): Promise<UpResult> {
    const plan = this.planUp(topology);
    await this.runSteps(plan.steps);
    return plan.result();
  }

  /** Stops every process the state knows of (pools, endpoint, servers: replicas first). */
  async stopEverything(): Promise<void> {
    const state = this.state();
    if (state) await stopEverything(this.layout, state);
  }

  down(): Promise<{ removed: boolean; namespaces: string[] }> {
    return tearDown(this.layout);
  }

  async promote(options: PromoteOptions = {}): Promise<PromoteResult> {
    const state = this.requireState();
    const result = await promote(this.layout, state, options, (promoted) => this.writeOutputs(promoted));
    await refreshMonitoring(this.layout, state);
    return result;
  }

  outputs(): StackOutputs {
    return localOutputs(this.requireState());
  }

  // Individual nodes, for fault drills and tests.

  async stopNodeByName(name: string, mode: "fast" | "immediate" = "fast"): Promise<void> {
    const state = this.requireState();
    await stopNode(nodeContext(this.layout, state), nodeByName(state, name), mode);
  }

  async startNodeByName(name: string): Promise<void> {
    const state = this.requireState();
    if (state.retired.includes(name))
      throw new LocalError(`${name} is a former writer; starting it would create a second writer. Re-seed it instead.`);
    await startNode(nodeContext(this.layout, state), nodeByName(state, name));
  }

  /** Throws a standby's data away and seeds it again from the current writer (e.g. after its slot was lost). */
  async reseed(name: string): Promise<void> {
    const state = this.requireState();
    const node = nodeContext(this.layout, state);
    if (name === state.writer) throw new LocalError(`${name} is the writer; only replicas are re-seeded.`);
    const found = allNodes(state.topology).find((n) => n.name === name);
    if (!found) throw new LocalError(`${name} is not a node of stack ${this.stack}; only its replicas are re-seeded.`);
    // A retired former writer rejoins as a standby of the current writer, on a slot of its own name.
    const member = asStandby(found);
    await stopNode(node, member);
    rmSync(this.layout.dataDir(name), { recursive: true, force: true });
    const writer = nodeByName(state, state.writer);
    await superuserSql(node, writer, [
      "-c",
      `SELECT pg_drop_replication_slot('${member.slot}') FROM pg_replication_slots WHERE slot_name = '${member.slot}' AND NOT active`,
    ]);
    state.retired = state.retired.filter((r) => r !== name);
    writeState(this.layout, state);
    await seedReplica(node, member, endpointOf(state, writer));
    writeNodeConfig(nodeContext(this.layout, state), member);
    await startNode(node, member);
  }

  /** The partition drill: cuts a region's link (down) or restores it; needs the regions in namespaces (root). */
  async setRegionLink(region: string, up: boolean): Promise<void> {
    const state = this.requireState();
    if (state.network.kind !== "namespaces")
      throw new LocalError(
        `stack ${this.stack} runs its regions on loopback (${state.network.reason}); there is no link to cut`,
      );
    await setRegionLink(state.network, region, up);
  }

  /** Superuser SQL on one node over its socket (CHECKPOINT, slot inspection). */
  async superuserQuery(name: string, sql: string): Promise<string> {
    const state = this.requireState();
    return superuserSql(nodeContext(this.layout, state), nodeByName(state, name), ["-c", sql]);
  }

  /** outputs.json: owned by whoever runs the CLI (it holds the application password, mode 0600). */
  private writeOutputs(state: LocalState): StackOutputs {
    const outputs = localOutputs(state);
    writeOwnedFile(this.layout.outputsFile, `${JSON.stringify(outputs, null, 2)}\n`, {
      ...state.runAs,
      switchUser: false,
    });
    return outputs;
  }
}
