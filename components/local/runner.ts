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
import type { LocalTopology, Topology } from "../topology/types";
import { type ChangePlan, planChange } from "./changePlan";
import { observeChange } from "./changeObserve";
import type { StackSource } from "./changeRefusals";
import { type ChangeContext, changeSteps } from "./changeSteps";
import { rehearsalTopology } from "./rehearsal";
import { restoreOnExisting } from "./restore";
import { endpointOf, nodeByName, nodeContext } from "./contexts";
import { LocalError } from "./errors";
import { type PromoteOptions, type PromoteResult, follow, promote } from "./failover";
import { writeOwnedFile } from "./files";
import { Layout } from "./layout";
import { refreshMonitoring } from "./monitoring";
import { rehearsalVersion } from "./provision";
import { setRegionLink } from "./network";
import { localOutputs } from "./outputs";
import { seedReplica, startNode, stopNode, superuserSql, writeNodeConfig } from "./postgresNode";
import { reseedTarget } from "./reseedTarget";
import { type LocalState, readState, writeState } from "./state";
import { stopEverything, tearDown } from "./teardown";
import {
  type PhaseListener,
  type Step,
  type UpContext,
  type UpResult,
  type UpSource,
  createSteps,
  provisionFor,
  resumeSteps,
  serviceSteps,
} from "./upSteps";
import { removeTree } from "./removeTree";

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

/** A change to a running stack, planned: what `local up --dry-run` prints and `local up` carries out. */
export interface PreparedChange {
  plan: ChangePlan;
  /** The topology the servers will run (a selfHosted stack's, as rehearsed here). */
  topology: LocalTopology;
  rehearsal?: LocalState["rehearsal"];
}

/** The topology a stack file's topology runs as here, on the running stack's network. */
function runningTopology(
  state: LocalState,
  source: UpSource,
): { topology: LocalTopology; rehearsal?: LocalState["rehearsal"] } {
  if (source.kind === "local") return { topology: source.topology };
  const rehearsed = rehearsalTopology(source.topology, state.network, {
    postgresVersion: source.postgresVersion,
    ...(source.versionChange ? { versionChange: source.versionChange } : {}),
  });
  return {
    topology: rehearsed.topology,
    rehearsal: {
      sourceHash: source.topology.hash,
      changes: rehearsed.changes,
      sourceVersion: source.topology.postgresVersion,
    },
  };
}

function stackSource(source: UpSource): StackSource {
  return source.kind === "local"
    ? { backend: "local", postgresVersion: source.topology.postgresVersion }
    : { backend: "selfHosted", postgresVersion: source.topology.postgresVersion };
}

/** Every refusal, as one error: nothing was touched. */
function refuse(stack: string, plan: ChangePlan): void {
  if (plan.refusals.length === 0) return;
  throw new LocalError(
    `local up cannot change the running stack ${stack} in place:\n${plan.refusals.map((r) => `  - ${r}`).join("\n")}`,
  );
}

export class LocalRunner {
  /** A change to a running stack is under way: a failure leaves the stack running rather than stopping it. */
  private changing = false;

  readonly layout: Layout;

  constructor(
    readonly stack: string,
    stateDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.layout = new Layout(resolve(stateDir));
  }

  state(): LocalState | undefined {
    return readState(this.layout, this.env);
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
    options: { install: boolean; signal?: AbortSignal; change?: PreparedChange; onPhase?: PhaseListener } = {
      install: true,
    },
  ): { steps: Step[]; result: () => UpResult } {
    const source = upSource(this.stack, topology);
    const existing = this.state();
    const existingSource = existing?.rehearsal?.sourceHash ?? existing?.topology.hash;
    const changed = existing !== undefined && existingSource !== topology.hash;
    if (changed && existing.phase !== "ready") {
      throw new LocalError(
        `${this.layout.root} holds stack ${existing.stack} half-created from another topology (${existingSource}, now ${topology.hash}); a change applies only to a stack that came up. Run pg-read-replicas local down --stack ${this.stack} first; it deletes the local data.`,
      );
    }
    const restoreNotice = restoreOnExisting(this.layout, existing, topology);
    const ready = existing?.phase === "ready" ? existing : undefined;
    const ctx: UpContext = {
      stack: this.stack,
      layout: this.layout,
      env: this.env,
      source,
      started: changed ? "changed" : ready ? "resumed" : "created",
      install: options.install,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onPhase ? { onPhase: options.onPhase } : {}),
      writeOutputs: (state) => this.writeOutputs(state),
      removeLeftover: async () => {
        await this.down();
      },
    };
    this.changing = changed;
    const planned =
      changed && ready
        ? this.changeUpSteps(ctx, ready, options.change)
        : ready
          ? resumeSteps(ctx, ready)
          : createSteps(ctx, existing !== undefined);
    const steps = restoreNotice ? [restoreNotice, ...planned] : planned;
    return {
      steps,
      result: () => {
        if (!ctx.result) throw new Error("local up: the result is read before every step ran");
        return ctx.result;
      },
    };
  }

  /**
   * The change a stack file makes to the running stack, planned from what runs now; undefined when the stack file is
   * the one the stack runs (or no stack runs). Reads only.
   */
  async planChange(topology: Topology): Promise<PreparedChange | undefined> {
    const existing = this.state();
    restoreOnExisting(this.layout, existing, topology);
    if (!existing || existing.phase !== "ready") return undefined;
    if ((existing.rehearsal?.sourceHash ?? existing.topology.hash) === topology.hash) return undefined;
    const source = upSource(this.stack, topology);
    const next = runningTopology(existing, source);
    const input = await observeChange(this.layout, existing, { topology: next.topology, source: stackSource(source) });
    return { plan: planChange(input), ...next };
  }

  /** Provisioning, the change (planned first when not given), then the pools, verification and outputs. */
  private changeUpSteps(ctx: UpContext, state: LocalState, prepared?: PreparedChange): Step[] {
    const apply = (change: PreparedChange): ChangeContext => {
      refuse(this.stack, change.plan);
      return {
        layout: this.layout,
        state,
        topology: change.topology,
        ...(change.rehearsal ? { rehearsal: change.rehearsal } : {}),
        plan: change.plan,
      };
    };
    const finish: Step = {
      title: "Hand the changed stack to the pools and the verifier",
      run: async () => {
        ctx.state = changing!.state;
        ctx.change = { plan: changing!.plan, ...(changing!.switchover ? { switchover: changing!.switchover } : {}) };
      },
    };
    let changing: ChangeContext | undefined = prepared ? apply(prepared) : undefined;
    const middle: Step[] = changing
      ? changeSteps(changing)
      : [
          {
            title: "Plan the change to the running stack",
            run: async () => {
              const planned = await this.planChange(ctx.source.topology);
              if (!planned) throw new Error("local up: the stack changed while its change was planned");
              changing = apply(planned);
            },
          },
          {
            title: "Apply the change: seed, reload, restart replicas, switch the writer over, remove",
            run: async () => {
              for (const step of changeSteps(changing!)) await step.run();
            },
          },
        ];
    return [...provisionFor(state, ctx.install, ctx.env), ...middle, finish, ...serviceSteps(ctx)];
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
      // A fresh stack that failed is stopped; a running stack being changed keeps running as the failure left it.
      if (!this.changing) await this.stopEverything().catch(() => undefined);
      throw error;
    } finally {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
  }

  async up(topology: Topology, onStep?: (step: Step) => Promise<void>): Promise<UpResult> {
    const change = await this.planChange(topology);
    const plan = this.planUp(topology, { install: true, ...(change ? { change } : {}) });
    await this.runSteps(plan.steps, onStep);
    return plan.result();
  }

  /** Stops every process the state knows of (pools, endpoint, servers: replicas first). */
  async stopEverything(): Promise<void> {
    const state = this.state();
    if (state) await stopEverything(this.layout, state);
  }

  down(): Promise<{ removed: boolean; namespaces: string[] }> {
    return tearDown(this.layout, this.env);
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
    const node = nodeByName(state, name);
    await startNode(nodeContext(this.layout, state), node);
    // A standby stopped while a promotion re-pointed the others still names the former writer in its
    // postgresql.auto.conf: it follows the writer now, as seed-replica.sh points a Kubernetes standby at rw.
    if (node.role !== "primary" && state.retired.length > 0)
      await follow(this.layout, state, node, nodeByName(state, state.writer));
  }

  /**
   * Throws a standby's data away and seeds it again from the current writer (e.g. after its slot was lost). The
   * checks (reseedTarget) come first; `onChecked` runs after them, before anything is stopped or deleted. A former
   * writer rejoins as a standby of the current writer, on a slot of its own name, only with `discardWrites`.
   */
  async reseed(
    name: string,
    options: { discardWrites?: boolean; onChecked?: (writer: string) => void } = {},
  ): Promise<{ writer: string }> {
    const state = this.requireState();
    const node = nodeContext(this.layout, state);
    const member = reseedTarget(state, {
      stack: this.stack,
      name,
      discardWrites: options.discardWrites === true,
      dataDir: this.layout.dataDir(name),
    });
    options.onChecked?.(state.writer);
    await stopNode(node, member);
    await removeTree(this.layout.dataDir(name), node.runAs);
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
    return { writer: state.writer };
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
