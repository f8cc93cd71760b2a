/**
 * The steps of `local up`, so the CLI can show progress: a fresh topology is
 * initialised, seeded and started; an existing one is brought back to running.
 * Either way the pools start and replication is verified end to end.
 */
import type { StackOutputs } from "../outputs";
import type { LocalTopology } from "../topology/types";
import { type VerificationReport, verifyStack } from "../verify/verifier";
import { liveNodes, nodeContext, poolContext, poolPortOf, poolTarget, poolsOf, portOf } from "./contexts";
import { LocalError, VerificationFailed } from "./errors";
import { isAlive, spawnDaemon } from "./exec";
import type { Layout } from "./layout";
import { localOutputs } from "./outputs";
import { startPool, writePoolFiles } from "./pgbouncerProcess";
import { portIsFree, waitForPort } from "./ports";
import { bootstrapPrimary, initPrimary, nodeIsRunning, seedReplica, startNode, writeNodeConfig } from "./postgresNode";
import { prepareState } from "./prepare";
import { type LocalState, writeState } from "./state";
import { CLI_ENTRY } from "../paths";

export interface Step {
  title: string;
  run: () => Promise<void>;
}

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
}

function stateOf(ctx: UpContext): LocalState {
  if (!ctx.state) throw new Error("local up: a step ran before the state was prepared");
  return ctx.state;
}

async function requirePortFree(port: number, what: string): Promise<void> {
  if (!(await portIsFree(port))) {
    throw new LocalError(`port ${port}, recorded for ${what}, is in use by another process. Stop that process, or run local down to start over with new ports.`);
  }
}

export function createSteps(ctx: UpContext, leftover: boolean): Step[] {
  const { topology, layout } = ctx;
  const primary = topology.primary;
  return [
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
        writeNodeConfig(node, primary, portOf(state, primary));
        await startNode(node, primary);
        await bootstrapPrimary(node, portOf(state, primary));
      },
    },
    ...topology.standbys.map((standby) => ({
      title: `Seed ${standby.name} (${standby.role}) with pg_basebackup on slot ${standby.slot}`,
      run: async () => {
        const state = stateOf(ctx);
        const node = nodeContext(layout, state);
        await seedReplica(node, standby, portOf(state, primary));
        writeNodeConfig(node, standby, portOf(state, standby));
        await startNode(node, standby);
      },
    })),
    ...serviceSteps(ctx),
  ];
}

export function resumeSteps(ctx: UpContext, state: LocalState): Step[] {
  return [
    {
      title: "Start any stopped servers",
      run: async () => {
        ctx.state = state;
        const node = nodeContext(ctx.layout, state);
        for (const member of liveNodes(state)) {
          if (await nodeIsRunning(node, member)) continue;
          await requirePortFree(portOf(state, member), member.name);
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
      title: "Start the reader endpoint (the ro Service: ready OLTP replicas only)",
      run: async () => {
        const state = stateOf(ctx);
        if (!isAlive(state.pids.readerEndpoint)) {
          await requirePortFree(state.ports.readerEndpoint, "the reader endpoint");
          state.pids.readerEndpoint = spawnDaemon(process.execPath, [CLI_ENTRY, "local", "serve-reader-endpoint", "--state-dir", layout.root], {
            runAs: { ...state.runAs, switchUser: false },
            env: { PG_READ_REPLICAS_DAEMON: "1" },
            logFile: layout.log("reader-endpoint"),
          });
          writeState(layout, state);
        }
        await waitForPort(state.ports.readerEndpoint, state.pids.readerEndpoint, "reader endpoint", layout.log("reader-endpoint"));
      },
    },
    {
      title: "Start the PgBouncer pools",
      run: async () => {
        const state = stateOf(ctx);
        const pools = poolContext(layout, state);
        for (const pool of poolsOf(state.topology)) {
          writePoolFiles(pools, pool, poolPortOf(state, pool), poolTarget(state, pool));
          if (isAlive(state.pids.pools[pool.name])) continue;
          await requirePortFree(poolPortOf(state, pool), `the ${pool.name} pool`);
          state.pids.pools[pool.name] = startPool(pools, pool);
          writeState(layout, state);
        }
        for (const pool of poolsOf(state.topology)) {
          await waitForPort(poolPortOf(state, pool), state.pids.pools[pool.name], pool.service, layout.log(pool.service));
        }
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
