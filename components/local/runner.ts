/**
 * The local backend: realises a Topology on 127.0.0.1 with real PostgreSQL and
 * PgBouncer, from the same rendered files the Kubernetes backend ships.
 *
 * `up` is a plan of steps (so the CLI can show progress); if any step fails or
 * the run is interrupted, everything started is stopped again.
 */
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join, resolve } from "node:path";
import type { StackOutputs } from "../outputs";
import { renderPgHba } from "../render/pgHba";
import { renderPgIdent } from "../render/pgIdent";
import { renderSeedReplicaScript } from "../render/seedReplicaScript";
import type { DatabaseNode, Topology } from "../topology/types";
import { HEARTBEAT_DDL, IDENTITY_SQL, ensureSlotsSql, heartbeatWriteSql } from "../verify/sql";
import { type VerificationReport, queryOnce, verifyStack } from "../verify/verifier";
import { findBinaries } from "./binaries";
import { isAlive, run, sleep, spawnDaemon, stopProcess } from "./exec";
import { ensureDir, writeOwnedFile } from "./files";
import { type RunAs, resolveRunAs } from "./identity";
import { Layout, MAX_SOCKET_DIR_LENGTH } from "./layout";
import { localOutputs } from "./outputs";
import { type PoolContext, reloadPool, startPool, stopPool, writePoolFiles } from "./pgbouncerProcess";
import { LOOPBACK, freePorts, portIsFree } from "./ports";
import {
  type NodeContext,
  bootstrapPrimary,
  initPrimary,
  nodeIsRunning,
  seedReplica,
  startNode,
  stopNode,
  superuserSql,
  writeNodeConfig,
} from "./postgresNode";
import { type LocalState, StateError, readState, writeState } from "./state";

export interface Step {
  title: string;
  run: () => Promise<void>;
}

export class LocalError extends Error {
  override name = "LocalError";
}

/** The CLI entry used to start the reader endpoint daemon. */
export const CLI_ENTRY = resolve(__dirname, "../../bin/pg-read-replicas.cjs");

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
    if (!state) throw new LocalError(`no local stack ${this.stack} at ${this.layout.root}; start one with: pg-read-replicas local up --stack ${this.stack}`);
    return state;
  }

  private nodeContext(state: LocalState): NodeContext {
    return { topology: state.topology, layout: this.layout, runAs: state.runAs, pgBin: state.binaries.pgBin, passwords: state.passwords };
  }

  private poolContext(state: LocalState): PoolContext {
    return { topology: state.topology, layout: this.layout, runAs: state.runAs, pgbouncer: state.binaries.pgbouncer, appPassword: state.passwords.app };
  }

  // ---------------------------------------------------------------- up

  /** The steps `up` will take: a fresh topology, or bringing an existing one back to running. */
  planUp(topology: Topology): { steps: Step[]; result: () => UpResult } {
    if (topology.backend !== "local") {
      throw new LocalError(`stack ${this.stack} uses backend ${topology.backend}; local up realises only stacks with backend: local (see stacks/Pulumi.local.yaml).`);
    }
    const existing = this.state();
    if (existing && existing.topology.hash !== topology.hash) {
      throw new LocalError(
        `${this.layout.root} holds stack ${existing.stack} from a different topology (${existing.topology.hash}, now ${topology.hash}). Run pg-read-replicas local down --stack ${this.stack} first; it deletes the local data.`,
      );
    }
    const ctx: UpContext = { topology, started: existing?.phase === "ready" ? "resumed" : "created" };
    const steps = existing?.phase === "ready" ? this.resumeSteps(existing, ctx) : this.createSteps(topology, existing, ctx);
    return { steps, result: () => ctx.result! };
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

  private createSteps(topology: Topology, leftover: LocalState | undefined, ctx: UpContext): Step[] {
    const primary = topology.primary;
    const steps: Step[] = [
      {
        title: `Check PostgreSQL ${topology.postgresVersion}, PgBouncer and the state directory`,
        run: async () => {
          if (leftover) await this.removeLeftover();
          ctx.state = await this.prepare(topology);
        },
      },
      {
        title: `Initialise the primary ${primary.name}`,
        run: async () => {
          const state = ctx.state!;
          const node = this.nodeContext(state);
          await initPrimary(node, primary);
          writeNodeConfig(node, primary, state.ports.nodes[primary.name]!);
          await startNode(node, primary);
          await bootstrapPrimary(node, state.ports.nodes[primary.name]!);
        },
      },
      ...topology.standbys.map((standby) => ({
        title: `Seed ${standby.name} (${standby.role}) with pg_basebackup on slot ${standby.slot}`,
        run: async () => {
          const state = ctx.state!;
          const node = this.nodeContext(state);
          await seedReplica(node, standby, state.ports.nodes[primary.name]!);
          writeNodeConfig(node, standby, state.ports.nodes[standby.name]!);
          await startNode(node, standby);
        },
      })),
      ...this.serviceSteps(ctx),
    ];
    return steps;
  }

  private resumeSteps(state: LocalState, ctx: UpContext): Step[] {
    return [
      {
        title: "Start any stopped servers",
        run: async () => {
          ctx.state = state;
          const node = this.nodeContext(state);
          for (const member of this.liveNodes(state)) {
            if (await nodeIsRunning(node, member)) continue;
            const port = state.ports.nodes[member.name]!;
            if (!(await portIsFree(port))) {
              throw new LocalError(`port ${port}, recorded for ${member.name}, is in use by another process. Stop that process, or run local down to start over with new ports.`);
            }
            await startNode(node, member);
          }
        },
      },
      ...this.serviceSteps(ctx),
    ];
  }

  private serviceSteps(ctx: UpContext): Step[] {
    return [
      {
        title: "Start the reader endpoint (the ro Service: ready OLTP replicas only)",
        run: async () => {
          const state = ctx.state!;
          if (!isAlive(state.pids.readerEndpoint)) {
            await this.requirePortFree(state.ports.readerEndpoint, "the reader endpoint");
            state.pids.readerEndpoint = spawnDaemon(process.execPath, [CLI_ENTRY, "local", "serve-reader-endpoint", "--state-dir", this.layout.root], {
              runAs: { ...state.runAs, switchUser: false },
              env: { PG_READ_REPLICAS_DAEMON: "1" },
              logFile: this.layout.log("reader-endpoint"),
            });
            writeState(this.layout, state);
          }
          await waitForPort(state.ports.readerEndpoint, state.pids.readerEndpoint, "reader endpoint", this.layout.log("reader-endpoint"));
        },
      },
      {
        title: "Start the PgBouncer pools",
        run: async () => {
          const state = ctx.state!;
          const pools = this.poolContext(state);
          for (const pool of poolsOf(state.topology)) {
            writePoolFiles(pools, pool, state.ports.pools[pool.name]!, this.poolTarget(state, pool.name));
            if (!isAlive(state.pids.pools[pool.name])) {
              await this.requirePortFree(state.ports.pools[pool.name]!, `the ${pool.name} pool`);
              state.pids.pools[pool.name] = startPool(pools, pool);
              writeState(this.layout, state);
            }
          }
          for (const pool of poolsOf(state.topology)) {
            await waitForPort(state.ports.pools[pool.name]!, state.pids.pools[pool.name], `${pool.service}`, this.layout.log(pool.service));
          }
        },
      },
      {
        title: "Verify replication is streaming end to end",
        run: async () => {
          const state = ctx.state!;
          const report = await verifyStack(localOutputs(state));
          if (!report.ok) {
            throw new VerificationFailed(report, this.layout.logDir);
          }
          ctx.report = report;
        },
      },
      {
        title: "Write the stack outputs",
        run: async () => {
          const state = ctx.state!;
          state.phase = "ready";
          writeState(this.layout, state);
          const outputs = this.writeOutputs(state);
          ctx.result = { outputs, outputsFile: this.layout.outputsFile, report: ctx.report!, started: ctx.started };
        },
      },
    ];
  }

  private async requirePortFree(port: number, what: string): Promise<void> {
    if (!(await portIsFree(port))) {
      throw new LocalError(`port ${port}, recorded for ${what}, is in use by another process. Stop that process, or run local down to start over with new ports.`);
    }
  }

  /** Binaries, identity, directories, ports and passwords; the state file is written before any process starts. */
  private async prepare(topology: Topology): Promise<LocalState> {
    const binaries = findBinaries(topology.postgresVersion, this.env);
    const runAs = resolveRunAs();
    this.prepareDirectories(runAs);
    await this.requireReachable(runAs);
    const ports = await freePorts(topology.standbys.length + 1 + 4);
    const take = () => ports.shift()!;
    const nodes: Record<string, number> = { [topology.primary.name]: take() };
    for (const standby of topology.standbys) nodes[standby.name] = take();
    const pools: Record<string, number> = {};
    for (const pool of poolsOf(topology)) pools[pool.name] = take();
    const state: LocalState = {
      version: 1,
      stack: this.stack,
      phase: "creating",
      topology,
      runAs,
      binaries,
      passwords: { app: secret(), replication: secret() },
      ports: { nodes, pools, readerEndpoint: take() },
      writer: topology.primary.name,
      retired: [],
      pids: { pools: {} },
      createdAt: new Date().toISOString(),
    };
    writeState(this.layout, state);
    writeOwnedFile(this.layout.hbaFile, renderPgHba(topology), runAs);
    writeOwnedFile(this.layout.identFile, renderPgIdent(topology, [runAs.user]), runAs);
    writeOwnedFile(join(this.layout.scriptsDir, "seed-replica.sh"), renderSeedReplicaScript(topology), runAs, 0o700);
    return state;
  }

  private prepareDirectories(runAs: RunAs): void {
    if (this.layout.socketDir.length > MAX_SOCKET_DIR_LENGTH) {
      throw new LocalError(`state directory ${this.layout.root} is too deep for PostgreSQL's Unix sockets (${this.layout.socketDir.length} > ${MAX_SOCKET_DIR_LENGTH} characters); pass a shorter --state-dir.`);
    }
    try {
      makeParents(this.layout.root);
      ensureDir(this.layout.root, runAs);
    } catch (error) {
      throw new LocalError(`cannot create the state directory ${this.layout.root} (${(error as Error).message}); pass a writable --state-dir or set PG_READ_REPLICAS_STATE_DIR.`);
    }
    for (const dir of [this.layout.socketDir, this.layout.logDir, this.layout.scriptsDir, join(this.layout.root, "nodes"), join(this.layout.root, "pools")]) {
      ensureDir(dir, runAs);
    }
  }

  /** The servers run as runAs: every parent of the state directory must let that user through. */
  private async requireReachable(runAs: RunAs): Promise<void> {
    try {
      await run("test", ["-w", this.layout.root, "-a", "-x", this.layout.root], { runAs });
    } catch {
      const blocking = ancestors(this.layout.root).find((dir) => !otherUsersCanEnter(dir));
      throw new LocalError(
        `${runAs.user} cannot reach the state directory ${this.layout.root}${blocking ? ` (${blocking} is not searchable by other users)` : ""}; ` +
          `chmod o+x the blocking directory or pass a --state-dir under /tmp.`,
      );
    }
  }

  private async removeLeftover(): Promise<void> {
    await this.stopEverything();
    rmSync(this.layout.root, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- down, stop

  /** Stops every process the state knows of (pools, endpoint, servers: replicas first). */
  async stopEverything(): Promise<void> {
    const state = this.state();
    if (!state) return;
    await Promise.all(Object.values(state.pids.pools).map((pid) => stopPool(pid)));
    await stopProcess(state.pids.readerEndpoint);
    const node = this.nodeContext(state);
    const writer = state.topology.primary.name === state.writer ? state.topology.primary : state.topology.standbys.find((s) => s.name === state.writer)!;
    const others = allNodes(state.topology).filter((n) => n.name !== writer.name);
    await Promise.all(others.map((member) => stopNode(node, member)));
    await stopNode(node, writer);
  }

  async down(): Promise<{ removed: boolean }> {
    if (!existsSync(this.layout.root)) return { removed: false };
    let state: LocalState | undefined;
    try {
      state = this.state();
    } catch (error) {
      if (!(error instanceof StateError)) throw error;
    }
    if (state) await this.stopEverything();
    else await this.stopOrphanServers();
    rmSync(this.layout.root, { recursive: true, force: true });
    return { removed: true };
  }

  /** Without a readable state file: stop any server whose data directory is under the state root. */
  private async stopOrphanServers(): Promise<void> {
    const nodesDir = join(this.layout.root, "nodes");
    if (!existsSync(nodesDir)) return;
    for (const name of readdirSync(nodesDir)) {
      const pidFile = join(nodesDir, name, "data", "postmaster.pid");
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      await stopProcess(pid, "SIGINT", 30_000);
    }
  }

  // ---------------------------------------------------------------- individual nodes (faults, tests)

  nodeByName(state: LocalState, name: string): DatabaseNode {
    const node = allNodes(state.topology).find((n) => n.name === name);
    if (!node) throw new LocalError(`no node ${name} in stack ${this.stack}; nodes: ${allNodes(state.topology).map((n) => n.name).join(", ")}`);
    return node;
  }

  async stopNodeByName(name: string, mode: "fast" | "immediate" = "fast"): Promise<void> {
    const state = this.requireState();
    await stopNode(this.nodeContext(state), this.nodeByName(state, name), mode);
  }

  async startNodeByName(name: string): Promise<void> {
    const state = this.requireState();
    if (state.retired.includes(name)) throw new LocalError(`${name} is a former writer; starting it would create a second writer. Re-seed it instead.`);
    await startNode(this.nodeContext(state), this.nodeByName(state, name));
  }

  /** Throws a standby's data away and seeds it again from the current writer (e.g. after its slot was lost). */
  async reseed(name: string): Promise<void> {
    const state = this.requireState();
    const node = this.nodeContext(state);
    const member = this.nodeByName(state, name);
    if (member.name === state.writer) throw new LocalError(`${name} is the writer; only replicas are re-seeded.`);
    await stopNode(node, member);
    rmSync(this.layout.dataDir(name), { recursive: true, force: true });
    await superuserSql(node, state.ports.nodes[state.writer]!, ["-c", `SELECT pg_drop_replication_slot('${member.slot}') FROM pg_replication_slots WHERE slot_name = '${member.slot}' AND NOT active`]);
    await seedReplica(node, member, state.ports.nodes[state.writer]!);
    await startNode(node, member);
    state.retired = state.retired.filter((r) => r !== name);
    writeState(this.layout, state);
  }

  /** Superuser SQL on one node over its socket (CHECKPOINT, slot inspection). */
  async superuserQuery(name: string, sql: string): Promise<string> {
    const state = this.requireState();
    return superuserSql(this.nodeContext(state), state.ports.nodes[this.nodeByName(state, name).name]!, ["-c", sql]);
  }

  /** outputs.json: owned by whoever runs the CLI (it holds the application password, mode 0600). */
  private writeOutputs(state: LocalState): StackOutputs {
    const outputs = localOutputs(state);
    writeOwnedFile(this.layout.outputsFile, `${JSON.stringify(outputs, null, 2)}\n`, { ...state.runAs, switchUser: false });
    return outputs;
  }

  outputs(): StackOutputs {
    return localOutputs(this.requireState());
  }

  // ---------------------------------------------------------------- promote

  async promote(options: { replica?: string; force?: boolean } = {}): Promise<PromoteResult> {
    const state = this.requireState();
    const node = this.nodeContext(state);
    const oldWriter = this.nodeByName(state, state.writer);
    if ((await nodeIsRunning(node, oldWriter)) && !options.force) {
      throw new LocalError(
        `the writer ${oldWriter.name} is still running; promoting a replica now would leave two writers. Stop it first (or pass --force to stop it for you).`,
      );
    }
    if (options.force) await stopNode(node, oldWriter, "immediate");
    const target = await this.choosePromotionTarget(state, options.replica);
    const port = state.ports.nodes[target.name]!;
    await superuserSql(node, port, ["-c", "SELECT pg_promote(true, 60)"]);
    // The replica's postgresql.conf keeps default_transaction_read_only = on; a writer must accept writes.
    await superuserSql(node, port, [
      "-c", "ALTER SYSTEM SET default_transaction_read_only = off",
      "-c", "ALTER SYSTEM RESET primary_conninfo",
      "-c", "ALTER SYSTEM RESET primary_slot_name",
      "-c", "SELECT pg_reload_conf()",
    ]);
    const followers = state.topology.standbys.filter((s) => s.name !== target.name && !state.retired.includes(s.name));
    await superuserSql(node, port, ["-c", ensureSlotsSql(followers.map((f) => f.slot!))]);
    for (const follower of followers) await this.follow(state, follower, port);
    state.retired.push(oldWriter.name);
    state.writer = target.name;
    writeState(this.layout, state);
    this.repointWritePool(state);
    const outputs = this.writeOutputs(state);
    const writeThroughPoolMs = await this.proveWriteThroughPool(outputs, target.name);
    return { promoted: target.name, formerWriter: oldWriter.name, followers: followers.map((f) => f.name), outputs, writeThroughPoolMs };
  }

  /**
   * A pool still pinned to the old writer answers "read-only transaction" or nothing at all:
   * promotion is done only when a write through the write pool lands on the new writer.
   */
  private async proveWriteThroughPool(outputs: StackOutputs, writer: string): Promise<number> {
    const started = Date.now();
    const token = `promote-${randomBytes(4).toString("hex")}`;
    let last = "";
    while (Date.now() - started < 60_000) {
      try {
        const sqlText = `${HEARTBEAT_DDL.join(";\n")};\n${heartbeatWriteSql(token)};\n${IDENTITY_SQL}`;
        const rows = await queryOnce({ outputs, sslmode: "disable" }, outputs.pools.write, sqlText);
        const [name, inRecovery] = rows[rows.length - 1] as [string, boolean];
        if (name === writer && !inRecovery) return Date.now() - started;
        last = `landed on ${name} (in recovery: ${inRecovery})`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(250);
    }
    throw new LocalError(`promoted ${writer}, but a write through the write pool still fails after 60s (${last}); see ${this.layout.log("pg-pool-write")}`);
  }

  /** The most advanced OLTP replica (highest received LSN) loses the least. */
  private async choosePromotionTarget(state: LocalState, wanted?: string): Promise<DatabaseNode> {
    const node = this.nodeContext(state);
    const candidates = state.topology.standbys.filter((s) => s.role === "oltp" && !state.retired.includes(s.name) && s.name !== state.writer);
    if (wanted !== undefined) {
      const chosen = candidates.find((c) => c.name === wanted);
      if (!chosen) throw new LocalError(`${wanted} cannot be promoted; OLTP replicas: ${candidates.map((c) => c.name).join(", ")}`);
      return chosen;
    }
    let best: { node: DatabaseNode; lsn: bigint } | undefined;
    for (const candidate of candidates) {
      const text = await superuserSql(node, state.ports.nodes[candidate.name]!, ["-c", "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint"]).catch(() => undefined);
      if (!text) continue;
      const lsn = BigInt(text);
      if (!best || lsn > best.lsn) best = { node: candidate, lsn };
    }
    if (!best) throw new LocalError("no OLTP replica is running to promote; start one (local up) first.");
    return best.node;
  }

  /** Points a standby at the new writer; primary_conninfo reloads without a restart (PostgreSQL 13+). */
  private async follow(state: LocalState, follower: DatabaseNode, writerPort: number): Promise<void> {
    const node = this.nodeContext(state);
    if (!(await nodeIsRunning(node, follower))) return;
    const conninfo = `host=${LOOPBACK} port=${writerPort} user=${state.topology.replication.user} passfile=${this.layout.passfile(follower.name)} application_name=${follower.name} sslmode=disable`;
    await superuserSql(node, state.ports.nodes[follower.name]!, ["-c", `ALTER SYSTEM SET primary_conninfo = '${conninfo}'`, "-c", "SELECT pg_reload_conf()"]);
  }

  private repointWritePool(state: LocalState): void {
    const write = poolsOf(state.topology).find((p) => p.name === "write")!;
    writePoolFiles(this.poolContext(state), write, state.ports.pools.write!, state.ports.nodes[state.writer]!);
    const pid = state.pids.pools.write;
    if (isAlive(pid)) reloadPool(pid!);
  }

  private poolTarget(state: LocalState, pool: string): number {
    if (pool === "write") return state.ports.nodes[state.writer]!;
    if (pool === "read") return state.ports.readerEndpoint;
    const olap = state.topology.standbys.find((s) => s.role === "olap")!;
    return state.ports.nodes[olap.name]!;
  }

  private liveNodes(state: LocalState): DatabaseNode[] {
    return allNodes(state.topology).filter((n) => !state.retired.includes(n.name));
  }
}

interface UpContext {
  topology: Topology;
  started: "created" | "resumed";
  state?: LocalState;
  report?: VerificationReport;
  result?: UpResult;
}

export interface UpResult {
  outputs: StackOutputs;
  outputsFile: string;
  report: VerificationReport;
  started: "created" | "resumed";
}

export interface PromoteResult {
  promoted: string;
  formerWriter: string;
  followers: string[];
  outputs: StackOutputs;
  /** How long after repointing a write through the write pool first succeeded. */
  writeThroughPoolMs: number;
}

export class VerificationFailed extends LocalError {
  constructor(
    readonly report: VerificationReport,
    logDir: string,
  ) {
    super(`replication did not verify within the timeout:\n  - ${report.problems.join("\n  - ")}\nServer and pool logs: ${logDir}`);
  }
}

export function allNodes(topology: Topology): DatabaseNode[] {
  return [topology.primary, ...topology.standbys];
}

function poolsOf(topology: Topology) {
  return [topology.pools.write, topology.pools.read, ...(topology.pools.olap ? [topology.pools.olap] : [])];
}

/**
 * Creates the missing parents one level at a time. (Node's recursive mkdirSync
 * spins forever under some pseudo-filesystems such as /proc.)
 */
function makeParents(path: string): void {
  const missing: string[] = [];
  let dir = dirname(path);
  while (!existsSync(dir)) {
    missing.unshift(dir);
    dir = dirname(dir);
  }
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
  accessSync(dir, constants.W_OK);
  for (const next of missing) mkdirSync(next);
}

function ancestors(path: string): string[] {
  const result: string[] = [];
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) result.unshift(dir);
  return result;
}

function otherUsersCanEnter(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o001) !== 0;
  } catch {
    return false;
  }
}

function secret(): string {
  return randomBytes(24).toString("base64url");
}

/** Waits until something listens on the port; fails early if the process died, pointing at its log. */
async function waitForPort(port: number, pid: number | undefined, what: string, log: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) throw new LocalError(`${what} exited at start; see ${log}`);
    const open = await new Promise<boolean>((resolvePromise) => {
      const socket = connect(port, LOOPBACK);
      socket.once("connect", () => {
        socket.destroy();
        resolvePromise(true);
      });
      socket.once("error", () => resolvePromise(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new LocalError(`${what} did not listen on ${LOOPBACK}:${port} within 20s; see ${log}`);
}
