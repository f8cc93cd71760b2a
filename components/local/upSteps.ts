/**
 * The steps of `local up`, so the CLI can show progress: a fresh topology is
 * initialised, seeded and started; an existing one is brought back to running.
 * Either way the pools start and replication is verified end to end.
 */
import type { StackOutputs } from "../outputs";
import type { LocalTopology } from "../topology/types";
import { type VerificationReport, verifyStack } from "../verify/verifier";
import { endpointIsFree } from "./addresses";
import { endpointOf, liveNodes, nodeContext, poolContext, poolEndpointOf, poolTarget, poolsOf } from "./contexts";
import { LocalError, VerificationFailed } from "./errors";
import { isAlive, spawnDaemon } from "./exec";
import type { Layout } from "./layout";
import { localOutputs } from "./outputs";
import { startPool, writePoolFiles } from "./pgbouncerProcess";
import { type ProvisionStep, provisionSteps } from "./provision";
import { waitForListener } from "./readiness";
import { bootstrapPrimary, initPrimary, nodeIsRunning, seedReplica, startNode, writeNodeConfig } from "./postgresNode";
import { prepareState } from "./prepare";
import { type LocalState, writeState } from "./state";
import { CLI_ENTRY } from "../paths";
import type { Endpoint } from "../outputs";

export type Step = ProvisionStep;

export interface UpResult {
  outputs: StackOutputs;
  outputsFile: string;
  report: VerificationReport;
  started: "created" | "resumed";
}

/** Shared by the steps of one `up`: filled in as they run. */
export interface UpContext {
  stack: string;
  layout: Layout;
  env: NodeJS.ProcessEnv;
  topology: LocalTopology;
  started: "created" | "resumed";
  state?: LocalState;
  report?: VerificationReport;
  result?: UpResult;
  /** Writes outputs.json and returns what it wrote. */
  writeOutputs: (state: LocalState) => StackOutputs;
  /** Stops and removes what a failed earlier run left. */
  removeLeftover: () => Promise<void>;
  /** Install PostgreSQL / build PgBouncer when missing (apt, as root). */
  install: boolean;
}

function stateOf(ctx: UpContext): LocalState {
  if (!ctx.state) throw new Error("local up: a step ran before the state was prepared");
  return ctx.state;
}

async function requireFree(endpoint: Endpoint, what: string): Promise<void> {
  if (!(await endpointIsFree(endpoint))) {
    throw new LocalError(`${endpoint.host}:${endpoint.port}, recorded for ${what}, is in use by another process. Stop that process, or run local down to start over with new addresses.`);
  }
}

export function createSteps(ctx: UpContext, leftover: boolean): Step[] {
  const { topology, layout } = ctx;
  const primary = topology.primary;
  return [
    ...provisionSteps(topology.postgresVersion, { install: ctx.install }, ctx.env),
    {
      title: `Check PostgreSQL ${topology.postgresVersion}, PgBouncer and the state directory`,
      run: async () => {
        if (leftover) await ctx.removeLeftover();
        ctx.state = await prepareState(ctx.stack, topology, layout, ctx.env);
      },
    },
    {
      title: `Initialise the primary ${primary.name}`,
      run: async () => {
        const state = stateOf(ctx);
        const node = nodeContext(layout, state);
        await initPrimary(node, primary);
        writeNodeConfig(node, primary);
        await startNode(node, primary);
        await bootstrapPrimary(node, primary);
      },
    },
    {
      // In parallel: local data is small, so seeding one at a time (as a StatefulSet does, to spare a
      // large primary) would only add up the waits. Each replica still runs seed-replica.sh on its own slot.
      title: `Seed ${topology.standbys.map((s) => `${s.name} (${s.role}, slot ${s.slot})`).join(", ")} with pg_basebackup`,
      run: async () => {
        const state = stateOf(ctx);
        const node = nodeContext(layout, state);
        await Promise.all(
          topology.standbys.map(async (standby) => {
            await seedReplica(node, standby, endpointOf(state, primary));
            writeNodeConfig(node, standby);
            await startNode(node, standby);
          }),
        );
      },
    },
    ...serviceSteps(ctx),
  ];
}

export function resumeSteps(ctx: UpContext, state: LocalState): Step[] {
  return [
    ...provisionSteps(state.topology.postgresVersion, { install: ctx.install }, ctx.env),
    {
      title: "Start any stopped servers",
      run: async () => {
        ctx.state = state;
        const node = nodeContext(ctx.layout, state);
        for (const member of liveNodes(state)) {
          if (await nodeIsRunning(node, member)) continue;
          await requireFree(endpointOf(state, member), member.name);
          await startNode(node, member);
        }
      },
    },
    ...serviceSteps(ctx),
  ];
}

function serviceSteps(ctx: UpContext): Step[] {
  const { layout } = ctx;
  return [
    {
      title: "Start the PgBouncer pools (the read pool over every OLTP replica's own address)",
      run: async () => {
        const state = stateOf(ctx);
        const pools = poolContext(layout, state);
        for (const pool of poolsOf(state.topology)) {
          writePoolFiles(pools, pool, poolEndpointOf(state, pool), poolTarget(state, pool));
          if (isAlive(state.pids.pools[pool.name])) continue;
          await requireFree(poolEndpointOf(state, pool), `the ${pool.name} pool`);
          state.pids.pools[pool.name] = startPool(pools, pool);
          writeState(layout, state);
        }
        for (const pool of poolsOf(state.topology)) {
          await waitForListener(poolEndpointOf(state, pool), state.pids.pools[pool.name], pool.service, layout.log(pool.service));
        }
      },
    },
    {
      title: "Start the read pool controller (keeps the read pool on ready OLTP replicas, as the ro Service's endpoints)",
      run: async () => {
        const state = stateOf(ctx);
        if (isAlive(state.pids.readPoolController)) return;
        state.pids.readPoolController = spawnDaemon(process.execPath, [CLI_ENTRY, "local", "serve-read-pool", "--state-dir", layout.root], {
          runAs: { ...state.runAs, switchUser: false },
          env: { PG_READ_REPLICAS_DAEMON: "1" },
          logFile: layout.log("read-pool-controller"),
        });
        writeState(layout, state);
      },
    },
    {
      title: "Verify replication is streaming end to end",
      run: async () => {
        const report = await verifyStack(localOutputs(stateOf(ctx)));
        if (!report.ok) throw new VerificationFailed(report, layout.logDir);
        ctx.report = report;
      },
    },
    {
      title: "Write the stack outputs",
      run: async () => {
        const state = stateOf(ctx);
        state.phase = "ready";
        writeState(layout, state);
        const outputs = ctx.writeOutputs(state);
        if (!ctx.report) throw new Error("local up: outputs are written only after verification");
        ctx.result = { outputs, outputsFile: layout.outputsFile, report: ctx.report, started: ctx.started };
      },
    },
  ];
}
