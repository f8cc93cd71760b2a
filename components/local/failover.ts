/**
 * Promotion: the most advanced OLTP replica becomes the writer, the others
 * follow it, the write pool is repointed, and promotion is done only when a
 * write through the write pool lands on the new writer.
 */
import { randomBytes } from "node:crypto";
import type { StackOutputs } from "../contract/stackOutputs";
import { synchronousAfterPromotion } from "../failover/promotion";
import {
  PROMOTE_SQL,
  RECEIVED_BYTES_SQL,
  followWriterSql,
  promotedWriterSql,
  provingWriteSql,
} from "../sql/promotionSql";
import { standbyConnectionKeywords } from "../render/standbyConnection";
import { standbyTls } from "./standbyTls";
import type { DatabaseNode, StandbyNode } from "../topology/types";
import { queryOnce } from "../contract/connection";
import { endpointOf, nodeByName, nodeContext, poolContext, poolEndpointOf } from "./contexts";
import { LocalError } from "./errors";
import { isAlive, sleep } from "./exec";
import type { Layout } from "./layout";
import { reloadPool, writePoolFiles } from "./pgbouncerProcess";
import { nodeIsRunning, stopNode, superuserSql, writeNodeConfig } from "./postgresNode";
import { servingStandbys } from "./serving";
import { type LocalState, writeState } from "./state";
import type { StepTiming } from "./stepTimings";

export interface PromoteResult {
  promoted: string;
  formerWriter: string;
  followers: string[];
  /** The new writer's synchronous_standby_names, or why commits are now asynchronous. */
  synchronous: string;
  outputs: StackOutputs;
  /** How long after repointing a write through the write pool first succeeded. */
  writeThroughPoolMs: number;
  /** Each phase's duration, in order. */
  timings: StepTiming[];
}

export interface PromoteOptions {
  replica?: string;
  force?: boolean;
}

export async function promote(
  layout: Layout,
  state: LocalState,
  options: PromoteOptions,
  writeOutputs: (state: LocalState) => StackOutputs,
): Promise<PromoteResult> {
  const timings: StepTiming[] = [];
  const phase = phaseClock(timings);
  const node = nodeContext(layout, state);
  const oldWriter = nodeByName(state, state.writer);
  if ((await nodeIsRunning(node, oldWriter)) && !options.force) {
    throw new LocalError(
      `the writer ${oldWriter.name} is still running; promoting a replica now would leave two writers. Stop it first (or pass --force to stop it for you).`,
    );
  }
  // A wrong --replica must fail before --force stops the writer, or the stack is left without one.
  const named = options.replica !== undefined ? namedCandidate(state, options.replica) : undefined;
  if (options.force) await phase("stop the writer", () => stopNode(node, oldWriter, "immediate"));
  const target = named ?? (await phase("choose the most advanced replica", () => mostAdvancedCandidate(layout, state)));
  await phase("pg_promote", () => superuserSql(node, target, ["-c", PROMOTE_SQL]));
  const followers = servingStandbys(state).filter((s) => s.name !== target.name);
  const running = new Set<string>();
  for (const follower of followers) if (await nodeIsRunning(node, follower)) running.add(follower.name);
  const synchronous = synchronousAfterPromotion(state.topology, followers, running);
  await phase("writer settings", async () => {
    // Its postgresql.conf as the writer's (read by any later change); ALTER SYSTEM below names the survivors.
    writeNodeConfig(nodeContext(layout, { ...state, writer: target.name }), target);
    await superuserSql(
      node,
      target,
      promotedWriterSql(synchronous, followers).flatMap((statement) => ["-c", statement]),
    );
  });
  await phase("followers repointed", async () => {
    for (const follower of followers) await follow(layout, state, follower, target);
  });
  state.retired.push(oldWriter.name);
  state.writer = target.name;
  writeState(layout, state);
  repointWritePool(layout, state);
  const outputs = writeOutputs(state);
  const writeThroughPoolMs = await phase("a write through the write pool", () =>
    proveWriteThroughPool(layout, outputs, target.name),
  );
  return {
    promoted: target.name,
    formerWriter: oldWriter.name,
    followers: followers.map((f) => f.name),
    synchronous: synchronous.description,
    outputs,
    writeThroughPoolMs,
    timings,
  };
}

/** Times each phase of a promotion (the bench prints them: where a failover's seconds go). */
function phaseClock(timings: StepTiming[]) {
  return async <T>(title: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings.push({ title, ms: Math.round(performance.now() - started) });
    }
  };
}

/**
 * A pool still pinned to the old writer answers "read-only transaction" or nothing at all:
 * promotion is done only when a write through the write pool lands on the new writer.
 */
async function proveWriteThroughPool(layout: Layout, outputs: StackOutputs, writer: string): Promise<number> {
  const started = Date.now();
  const token = `promote-${randomBytes(4).toString("hex")}`;
  let last = "";
  while (Date.now() - started < 60_000) {
    try {
      const sqlText = provingWriteSql(token).join(";\n");
      const rows = await queryOnce({ outputs }, outputs.pools.write, sqlText);
      const [name, inRecovery] = rows[rows.length - 1] ?? [];
      if (name === writer && inRecovery === false) return Date.now() - started;
      last = `landed on ${String(name)} (in recovery: ${String(inRecovery)})`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new LocalError(
    `promoted ${writer}, but a write through the write pool still fails after 60s (${last}); see ${layout.log("pg-pool-write")}`,
  );
}

/** The writer stays in the primary's region: its pg_hba admits the replicas, its pools serve writes there. */
function promotionCandidates(state: LocalState): StandbyNode[] {
  return servingStandbys(state).filter((s) => s.role === "oltp" && !s.remote);
}

function namedCandidate(state: LocalState, wanted: string): StandbyNode {
  const candidates = promotionCandidates(state);
  const chosen = candidates.find((c) => c.name === wanted);
  if (!chosen) {
    throw new LocalError(
      `--replica ${wanted} cannot be promoted: only an OLTP replica in the primary's region can become the writer (${candidates.map((c) => c.name).join(", ") || "none left"}). Nothing was changed; the writer ${state.writer} still runs if it did.`,
    );
  }
  return chosen;
}

/** The most advanced OLTP replica (highest received LSN) loses the least. */
async function mostAdvancedCandidate(layout: Layout, state: LocalState): Promise<StandbyNode> {
  const node = nodeContext(layout, state);
  const candidates = promotionCandidates(state);
  let best: { node: StandbyNode; lsn: bigint } | undefined;
  for (const candidate of candidates) {
    const text = await superuserSql(node, candidate, ["-c", RECEIVED_BYTES_SQL]).catch(() => undefined);
    if (!text) continue;
    const lsn = BigInt(text);
    if (!best || lsn > best.lsn) best = { node: candidate, lsn };
  }
  if (!best) throw new LocalError("no OLTP replica is running to promote; start one (local up) first.");
  return best.node;
}

/** Points a standby at the new writer. */
export async function follow(
  layout: Layout,
  state: LocalState,
  follower: DatabaseNode,
  writer: DatabaseNode,
): Promise<void> {
  const node = nodeContext(layout, state);
  if (!(await nodeIsRunning(node, follower))) return;
  const { host, port } = endpointOf(state, writer);
  const tls = standbyTls(state.topology, follower, state.tls?.caFile);
  const rootCert = tls.sslrootcert ? ` sslrootcert=${tls.sslrootcert}` : "";
  const conninfo = `host=${host} port=${port} user=${state.topology.replication.user} passfile=${layout.passfile(follower.name)} application_name=${follower.name} sslmode=${tls.sslmode}${rootCert} ${standbyConnectionKeywords()}`;
  await superuserSql(
    node,
    follower,
    followWriterSql(conninfo).flatMap((statement) => ["-c", statement]),
  );
}

function repointWritePool(layout: Layout, state: LocalState): void {
  const write = state.topology.pools.write;
  writePoolFiles(poolContext(layout, state), write, poolEndpointOf(state, write), endpointOf(state, state.writer));
  const pid = state.pids.pools.write;
  if (pid !== undefined && isAlive(pid)) reloadPool(pid);
}
