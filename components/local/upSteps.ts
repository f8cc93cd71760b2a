/**
 * The steps of `local up`, so the CLI can show progress: a fresh topology is
 * initialised, seeded and started; an existing one is brought back to running.
 * Either way the pools start and replication is verified end to end.
 */
import type { Endpoint, StackOutputs } from "../contract/stackOutputs";
import { ensureDaemon } from "./daemons";
import { type VerificationReport, verifyStack } from "../verify/verifier";
import { endpointIsFree } from "./addresses";
import {
  endpointOf,
  liveNodes,
  nodeByName,
  nodeContext,
  poolContext,
  poolEndpointOf,
  poolKey,
  poolTarget,
  poolsOf,
} from "./contexts";
import { LocalError, VerificationFailed } from "./errors";
import { isAlive } from "./exec";
import type { Layout } from "./layout";
import { localOutputs } from "./outputs";
import { poolLog, startPool, writePoolFiles } from "./pgbouncerProcess";
import {
  bootstrapPrimary,
  grantStatistics,
  initPrimary,
  nodeIsRunning,
  seedReplica,
  startNode,
  writeNodeConfig,
} from "./postgresNode";
import { type UpSource, prepareState, runVersion } from "./prepare";
import { type ProvisionStep, provisionSteps } from "./provision";
import { waitForListener } from "./readiness";
import { type LocalState, writeState } from "./state";
import { monitoringEnabled, startMonitoring } from "./monitoring";
import { archiveLocation } from "./archive";
import { createStanza, ensureArchive, refuseEarlierStanza } from "./backup";
import { resolveRunAs } from "./identity";
import { pgbackrestBackup } from "../render/pgbackrestConf";
import { prometheusMonitoring } from "../topology/queries";
import type { ChangePlan } from "./changePlan";
import type { SwitchoverResult } from "./switchover";
import { repositoryRestore, restoreSteps } from "./restore";

export type Step = ProvisionStep;
export type { UpSource } from "./prepare";

export interface UpResult {
  outputs: StackOutputs;
  /** The stack's Prometheus, when monitoring is on. */
  prometheusUrl?: string;
  outputsFile: string;
  report: VerificationReport;
  started: "created" | "resumed" | "changed";
  /** What a change to the running stack did (started: changed). */
  change?: AppliedChange;
}

export interface AppliedChange {
  plan: ChangePlan;
  switchover?: SwitchoverResult;
}

/** Shared by the steps of one `up`: filled in as they run. */
export interface UpContext {
  stack: string;
  layout: Layout;
  env: NodeJS.ProcessEnv;
  source: UpSource;
  started: "created" | "resumed" | "changed";
  change?: AppliedChange;
  state?: LocalState;
  report?: VerificationReport;
  result?: UpResult;
  /** Writes outputs.json and returns what it wrote. */
  writeOutputs: (state: LocalState) => StackOutputs;
  /** Stops and removes what a failed earlier run left. */
  removeLeftover: () => Promise<void>;
  /** Install PostgreSQL / build PgBouncer when missing (apt, as root). */
  install: boolean;
  /** Where the stack's Prometheus answers, once monitoring has started. */
  prometheusUrl?: string;
  /** Stops the verification's polling when the run is interrupted. */
  signal?: AbortSignal;
  /** Told how long each phase inside a step took (the restore's, for bench:backup); nothing else reads it. */
  onPhase?: PhaseListener;
}

export type PhaseListener = (phase: string, ms: number) => void;

function stateOf(ctx: UpContext): LocalState {
  if (!ctx.state) throw new Error("local up: a step ran before the state was prepared");
  return ctx.state;
}

/** Loopback addresses are shared with the rest of the machine; a region namespace's are the stack's alone. */
async function requireFree(state: LocalState, endpoint: Endpoint, what: string): Promise<void> {
  if (state.network.kind === "namespaces" || (await endpointIsFree(endpoint))) return;
  throw new LocalError(
    `${endpoint.host}:${endpoint.port}, recorded for ${what}, is in use by another process. Stop that process, or run local down to start over with new addresses.`,
  );
}

export function createSteps(ctx: UpContext, leftover: boolean): Step[] {
  const { layout } = ctx;
  const { topology } = ctx.source;
  const primary = topology.primary;
  const restoring = repositoryRestore(topology);
  const restore = restoring ? restoreSteps(ctx, restoring) : undefined;
  const rehearsing =
    ctx.source.kind === "rehearsal" ? ` (rehearsing backend ${ctx.source.topology.backend} stack ${ctx.stack})` : "";
  return [
    ...provisionSteps(
      runVersion(ctx.source),
      {
        install: ctx.install,
        monitoring: prometheusMonitoring(topology) !== undefined,
        backup: pgbackrestBackup(topology) !== undefined,
      },
      ctx.env,
    ),
    ...(restore ? [restore.check] : []),
    {
      title: `Check PostgreSQL ${runVersion(ctx.source)}, PgBouncer, the state directory${topology.regions.length > 1 ? ", the regions' networks" : ""}${topology.access.tls ? " and certificates" : ""}${rehearsing}`,
      run: async () => {
        if (leftover) await ctx.removeLeftover();
        ctx.state = await prepareState(ctx.stack, ctx.source, layout, ctx.env);
      },
    },
    restore?.writer ?? {
      title: `Initialise the primary ${primary.name}`,
      run: async () => {
        const state = stateOf(ctx);
        const node = nodeContext(layout, state);
        const archive = archiveLocation(state.topology, state.stack, state.runAs);
        if (archive) refuseEarlierStanza(archive);
        await initPrimary(node, state.topology.primary);
        writeNodeConfig(node, state.topology.primary);
        await startNode(node, state.topology.primary);
        await bootstrapPrimary(node, state.topology.primary);
        // Before the first WAL segment fills: archive-push fails (and counts failures) until the stanza exists.
        if (archive) await createStanza(layout, state);
      },
    },
    {
      // In parallel: local data is small, so seeding one at a time (as a StatefulSet does, to spare a
      // large primary) would only add up the waits. Each replica still runs seed-replica.sh on its own slot.
      title: `Seed ${topology.standbys.map((s) => `${s.name} (${s.role}${s.remote ? `, ${s.region}` : ""}, slot ${s.slot})`).join(", ")} with pg_basebackup`,
      run: async () => {
        const state = stateOf(ctx);
        const node = nodeContext(layout, state);
        await Promise.all(
          state.topology.standbys.map(async (standby) => {
            await seedReplica(node, standby, endpointOf(state, state.topology.primary));
            writeNodeConfig(node, standby);
            await startNode(node, standby);
          }),
        );
      },
    },
    ...serviceSteps(ctx),
  ];
}

/** The binaries a running stack needs (its own major; Prometheus when it is monitored). */
export function provisionFor(state: LocalState, install = false, env: NodeJS.ProcessEnv = process.env): Step[] {
  return provisionSteps(
    state.topology.postgresVersion,
    { install, monitoring: monitoringEnabled(state), backup: pgbackrestBackup(state.topology) !== undefined },
    env,
  );
}

export function resumeSteps(ctx: UpContext, state: LocalState): Step[] {
  return [
    ...provisionFor(state, ctx.install, ctx.env),
    {
      title: "Start any stopped servers",
      run: async () => {
        ctx.state = state;
        const node = nodeContext(ctx.layout, state);
        for (const member of liveNodes(state)) {
          if (await nodeIsRunning(node, member)) continue;
          await requireFree(state, endpointOf(state, member), member.name);
          await startNode(node, member);
        }
      },
    },
    ...serviceSteps(ctx),
  ];
}

export function serviceSteps(ctx: UpContext): Step[] {
  return [
    {
      title: "Start the PgBouncer pools (each read pool over its region's OLTP replicas' own addresses)",
      run: () => startPools(ctx),
    },
    {
      title:
        "Start the read pool controller (keeps each read pool on its ready OLTP replicas, as the ro Service's endpoints)",
      run: () => startReadPoolController(ctx),
    },
    // A stack made before the application user lost pg_monitor gets its statistics access here (sql/statsAccess.ts);
    // a new one had it from its bootstrap.
    ...(ctx.started === "created"
      ? []
      : [
          {
            title: "Give the application user the statistics it reads (pgrr_stats), and no pg_monitor",
            run: async () => {
              const state = stateOf(ctx);
              await grantStatistics(nodeContext(ctx.layout, state), nodeByName(state, state.writer));
            },
          },
        ]),
    ...archiveSteps(ctx),
    verifyStep(ctx),
    { title: "Write the stack outputs", run: () => finish(ctx) },
  ];
}

/** Starts the pools not running (rewriting every pool's files), then waits for each to listen. */
async function startPools(ctx: UpContext): Promise<void> {
  const { layout } = ctx;
  const state = stateOf(ctx);
  const pools = poolContext(layout, state);
  for (const pool of poolsOf(state.topology)) {
    const key = poolKey(state, pool);
    writePoolFiles(pools, pool, poolEndpointOf(state, pool), poolTarget(state, pool));
    if (isAlive(state.pids.pools[key])) continue;
    await requireFree(state, poolEndpointOf(state, pool), `the ${key} pool`);
    state.pids.pools[key] = startPool(pools, pool);
    writeState(layout, state);
  }
  for (const pool of poolsOf(state.topology)) {
    await waitForListener(
      poolEndpointOf(state, pool),
      state.pids.pools[poolKey(state, pool)],
      `pool ${poolKey(state, pool)}`,
      poolLog(pools, pool),
    );
  }
}

async function startReadPoolController(ctx: UpContext): Promise<void> {
  const { layout } = ctx;
  const state = stateOf(ctx);
  const pid = state.pids.readPoolController;
  state.pids.readPoolController = await ensureDaemon(layout, state, "read-pool", pid, "read-pool-controller");
  writeState(layout, state);
}

async function verifyReplication(ctx: UpContext): Promise<void> {
  const report = await verifyStack(localOutputs(stateOf(ctx)), ctx.signal ? { signal: ctx.signal } : {});
  if (ctx.signal?.aborted) throw new LocalError("interrupted");
  if (!report.ok) throw new VerificationFailed(report, ctx.layout.logDir);
  ctx.report = report;
}

/** Marks the stack ready and writes its outputs: the result of `up`. */
async function finish(ctx: UpContext): Promise<void> {
  const { layout } = ctx;
  const state = stateOf(ctx);
  state.phase = "ready";
  writeState(layout, state);
  const outputs = ctx.writeOutputs(state);
  if (!ctx.report) throw new Error("local up: outputs are written only after verification");
  ctx.result = {
    outputs,
    outputsFile: layout.outputsFile,
    report: ctx.report,
    started: ctx.started,
    ...(ctx.change ? { change: ctx.change } : {}),
    ...(ctx.prometheusUrl ? { prometheusUrl: ctx.prometheusUrl } : {}),
  };
}

function archiveSteps(ctx: UpContext): Step[] {
  const archive = archiveLocation(ctx.source.topology, ctx.stack, ctx.state?.runAs ?? resolveRunAs());
  if (!archive) return [];
  return [
    {
      title: `Archive WAL to ${archive.repository} (stanza ${archive.stanza}): re-create lost slots the archive covers, pgbackrest check, a first full backup when there is none`,
      run: () => ensureArchive(ctx.layout, stateOf(ctx)),
    },
  ];
}

/**
 * Verification, and monitoring started meanwhile: neither needs the other (the exporters and Prometheus only need the
 * servers and pools, which run by now), so `up` waits for the longer of the two, not for both in turn. Both are
 * awaited before an error is thrown, so a failed up's clean-up never races a daemon still starting.
 */
function verifyStep(ctx: UpContext): Step {
  const verifying = { title: "Verify replication is streaming end to end", run: () => verifyReplication(ctx) };
  const monitoring = prometheusMonitoring(ctx.source.topology);
  if (!monitoring) return verifying;
  return {
    title: `${verifying.title}; meanwhile start monitoring: postgres_exporter beside each server, the PgBouncer exporter, Prometheus with the stack's alert rules (scrape every ${monitoring.scrapeIntervalMs / 1000}s)`,
    run: async () => {
      const [verified, started] = await Promise.allSettled([
        verifyReplication(ctx),
        startMonitoring(ctx.layout, stateOf(ctx)),
      ]);
      if (verified.status === "rejected") throw verified.reason;
      if (started.status === "rejected") throw started.reason;
      ctx.prometheusUrl = started.value;
    },
  };
}
