/**
 * `pg-read-replicas kubernetes failover`: makes an OLTP replica of the primary's region the writer, once the old one
 * can no longer take writes.
 *
 *  1. the old writer's pod and node are read first: on a node that does not answer, nothing changes until the operator
 *     confirms the node lost (oldWriter.ts);
 *  2. the fence closes (it names no pod, so no writer's data directory can start) and records the hand-over;
 *  3. the old writer stops: the primary's StatefulSet goes to zero (a replica group's pod is deleted), force-deleted
 *     when its node is confirmed lost; the failover waits until the API server no longer has that pod;
 *  4. only then the target is chosen (the most advanced OLTP replica by received WAL), the fence names it, and it is
 *     promoted: pg_promote() must return true and the server must have left recovery;
 *  5. rw (and the exposed primary) select the new writer's pod; the write pool restarts onto it and the read pool off
 *     it; a write through the write pool must land on it; the fence records the hand-over done.
 * Each step is recorded in the fence (fence.ts): run again after a failure, the failover resumes with the same old
 * writer and checks it again, and never takes the target it named for the old writer.
 * Then the stack's config is told (kubernetes.writer), so `pulumi up` keeps it so.
 */
import { randomBytes } from "node:crypto";
import { UserError } from "../../../ground/errors";
import { commitsLocallyForNow, synchronousAfterPromotion } from "../../../failover/promotion";
import { REFRESH_INTERVAL_SECONDS } from "../../../render/refreshScript";
import { PROMOTE_SQL, RECEIVED_LSN_SQL, promotedWriterSql, provingWriteSql } from "../../../sql/promotionSql";
import { ensureSlotsSql } from "../../../sql/replicationSql";
import { homeRegion, standbysOf } from "../../../topology/queries";
import type { SelfHostedTopology, StandbyNode } from "../../../topology/types";
import { names, writerSelector } from "../../conventions";
import { markWriter } from "../roleLabels";
import { type FailoverRecord, NO_WRITER, readFence, writeFence } from "./fence";
import { nodeReachable, requireReachableOrLost, stopOldWriter } from "./oldWriter";
import type { ClusterOps } from "./ops";

export class FailoverError extends UserError {
  override name = "FailoverError";
}

export interface FailoverOptions {
  /** The replica pod to promote; default the most advanced OLTP replica of the primary's region. */
  to?: string;
  log?: (line: string) => void;
  /** How long to keep trying the proving write (ms). */
  proveTimeoutMs?: number;
  /** The old writer's node, which the operator has confirmed down: its pod is force-deleted. */
  oldWriterNodeLost?: string;
  /** How long the old writer's pod may take to go (ms). */
  stopTimeoutMs?: number;
  /** The command that runs this failover again, as the operator types it (named in refusals). */
  command?: string;
}

export interface FailoverResult {
  from: string;
  to: string;
  followers: string[];
  synchronous: string;
  /** What the operator runs next so the stack's config agrees with the cluster. */
  next: string[];
  /** What the failover could not rule out (an old writer force-deleted from a node that may still run). */
  warnings: string[];
}

export async function currentWriter(topology: SelfHostedTopology, ops: ClusterOps): Promise<string> {
  return (await readFence(topology, ops)).writer;
}

export function candidatesFor(topology: SelfHostedTopology, writer: string): StandbyNode[] {
  // The writer stays in the primary's region: its pg_hba admits the replicas, its pools serve writes there.
  return standbysOf(topology, "oltp", homeRegion(topology).name).filter((node) => node.name !== writer);
}

function requireCandidate(candidates: StandbyNode[], wanted: string): StandbyNode {
  const chosen = candidates.find((c) => c.name === wanted);
  if (!chosen)
    throw new FailoverError(
      `--to ${wanted}: not an OLTP replica of the primary's region that could be promoted; choose one of ${candidates.map((c) => c.name).join(", ")}`,
    );
  return chosen;
}

export async function chooseTarget(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  candidates: StandbyNode[],
  wanted: string | undefined,
  log: (line: string) => void,
): Promise<StandbyNode> {
  if (wanted !== undefined) return requireCandidate(candidates, wanted);
  let best: { node: StandbyNode; lsn: bigint } | undefined;
  for (const candidate of candidates) {
    const answer = await ops.sql(candidate.name, [RECEIVED_LSN_SQL]).catch((error: Error) => {
      log(`${candidate.name}: not reachable (${error.message.split("\n")[0]}); not a candidate`);
      return undefined;
    });
    const [inRecovery, lsn] = answer?.split("|") ?? [];
    if (inRecovery !== "t" || !lsn) continue;
    log(`${candidate.name}: received up to byte ${lsn}`);
    if (!best || BigInt(lsn) > best.lsn) best = { node: candidate, lsn: BigInt(lsn) };
  }
  if (!best)
    throw new FailoverError(
      `no OLTP replica of ${topology.region} is running in recovery to promote (${candidates.map((c) => c.name).join(", ")})`,
    );
  return best.node;
}

export async function repoint(topology: SelfHostedTopology, ops: ClusterOps, target: string): Promise<void> {
  const selector = writerSelector({ ...topology, kubernetes: { ...topology.kubernetes, writer: target } });
  for (const service of [names.roleService(topology, "primary"), names.exposedPrimary(topology)]) {
    if (await ops.serviceExists(service)) await ops.patchService(service, selector, true);
  }
}

export async function proveWrite(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  target: string,
  timeoutMs: number,
): Promise<void> {
  const token = `failover-${randomBytes(4).toString("hex")}`;
  const sql = provingWriteSql(token);
  const command = [
    "psql",
    "-h",
    "127.0.0.1",
    "-p",
    String(topology.poolPort),
    "-U",
    topology.user,
    "-d",
    topology.database,
    "-XAtq",
    "-v",
    "ON_ERROR_STOP=1",
    ...sql.flatMap((s) => ["-c", s]),
  ];
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const lines = (await ops.execInDeployment(topology.pools.write.service, command)).split("\n");
      const identity = lines[lines.length - 1] ?? "";
      if (identity === `${target}|f`) return;
      last = `landed on ${identity}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new FailoverError(`promoted ${target}, but a write through the write pool does not land on it (${last})`);
}

export async function failover(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  options: FailoverOptions = {},
): Promise<FailoverResult> {
  const log = options.log ?? (() => undefined);
  const fence = await readFence(topology, ops);
  const resuming = fence.record && fence.record.step !== "done" ? fence.record : undefined;
  // Resumed, the old writer is the one recorded, never the target the fence may already name.
  const from = resuming?.from ?? fence.writer;
  if (resuming)
    log(`resuming the failover from ${from}${resuming.to ? ` to ${resuming.to}` : ""} (fence: ${resuming.step})`);
  const candidates = candidatesFor(topology, from);
  if (options.to !== undefined) requireCandidate(candidates, options.to);
  const command = options.command ?? "pg-read-replicas kubernetes failover";
  const oldState = await ops.podState(from);
  requireReachableOrLost(topology, from, oldState, options.oldWriterNodeLost, command);

  if (!resuming || resuming.step === "stopping") {
    log(`fencing: no pod may start as the writer while ${from} stops (ConfigMap ${names.fence(topology)})`);
    // No rejoin after a failover: the old writer may hold writes the new one never received.
    await writeFence(topology, ops, { from, to: "", step: "stopping" }, NO_WRITER);
  }
  log(`stopping the old writer ${from}`);
  await stopOldWriter(topology, ops, from, {
    ...(options.oldWriterNodeLost === undefined ? {} : { nodeLost: options.oldWriterNodeLost }),
    timeoutMs: options.stopTimeoutMs ?? 300_000,
    command,
    log,
  });
  const target = await resolveTarget(topology, ops, { candidates, resuming, wanted: options.to }, log);
  log(`fencing: only ${target.name} may start as the writer`);
  await writeFence(topology, ops, { from, to: target.name, step: "promoting" }, target.name);
  // Before the promotion: the pod leaves ro while still a standby (its label and its state disagree), and once
  // promoted its readiness passes as the writer (roleLabels.ts).
  await markWriter(ops, target.name);
  const followers = topology.standbys.filter((s) => s.name !== target.name && s.name !== from);
  const synchronous = await promote(topology, ops, target, followers, await runningPods(ops, followers), log);
  await keepSlotForRejoin(topology, ops, from, target.name, log);
  log(`rw follows ${target.name}; restarting the write pool`);
  await repoint(topology, ops, target.name);
  await ops.rolloutRestart(topology.pools.write.service);
  const result = await completeHandover(topology, ops, { from, target, followers, synchronous }, options, log);
  await writeFence(topology, ops, { from, to: target.name, step: "done" }, target.name);
  const lostNode = oldState && !nodeReachable(oldState) ? oldState.node : undefined;
  return {
    ...result,
    warnings: [...(lostNode ? partitionWarnings(topology, from, lostNode, target.name) : []), ...result.warnings],
  };
}

/** The followers whose server runs now: a pod that exists, started, on a node that answers, not being deleted. */
export async function runningPods(ops: ClusterOps, followers: readonly StandbyNode[]): Promise<Set<string>> {
  const running = new Set<string>();
  for (const follower of followers) {
    const state = await ops.podState(follower.name);
    if (state && state.phase === "Running" && !state.terminating && nodeReachable(state)) running.add(follower.name);
  }
  return running;
}

/** A synchronous stack's new writer that commits locally because no follower runs: what happens once one streams. */
export function degradedWarnings(
  topology: SelfHostedTopology,
  writer: string,
  synchronous: ReturnType<typeof synchronousAfterPromotion>,
): string[] {
  if (!commitsLocallyForNow(synchronous)) return [];
  // Inside a double-quoted shell word: the standby names' own double quotes (pod names hold '-') are escaped.
  const set =
    `ALTER SYSTEM SET synchronous_standby_names = '${synchronous.wanted.names.replaceAll("'", "''")}'`.replace(
      /["\\$`]/g,
      (c) => `\\${c}`,
    );
  return [
    `${writer} commits locally (synchronous_commit = local): the stack asks for ${topology.replication.synchronousReplicas} synchronous replica(s), and none of its OLTP replicas runs to acknowledge a commit. A commit it acknowledges now is lost if ${writer} is lost before a standby has it. Once one streams (SELECT application_name, state FROM pg_stat_replication), ${writer}'s refresher makes commits synchronous again within ${REFRESH_INTERVAL_SECONDS} s (its log says "synchronous commit raised"). To do it by hand: kubectl exec -n ${topology.kubernetes.namespace} ${writer} -c postgres -- psql -c "${set}" -c "ALTER SYSTEM SET synchronous_commit = '${synchronous.wanted.commit}'" -c "SELECT pg_reload_conf()"`,
  ];
}

/**
 * The target, chosen once the old writer is stopped. Resumed after the fence named one: a target already promoted is
 * kept (two promoted servers would be two timelines); one still in recovery may be chosen again.
 */
async function resolveTarget(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  context: { candidates: StandbyNode[]; resuming: FailoverRecord | undefined; wanted: string | undefined },
  log: (line: string) => void,
): Promise<StandbyNode> {
  const { candidates, resuming, wanted } = context;
  const named = resuming?.to ? candidates.find((c) => c.name === resuming.to) : undefined;
  if (named) {
    const recovery = await ops.sql(named.name, ["SELECT pg_is_in_recovery()"]).catch((error: Error) => {
      throw new FailoverError(
        `the fence names ${named.name} as the new writer, and it may have been promoted, but it does not answer (${error.message.split("\n")[0]}); nothing else was promoted. Bring ${named.name} back and run the failover again`,
      );
    });
    if (recovery === "f") {
      if (wanted !== undefined && wanted !== named.name)
        throw new FailoverError(
          `--to ${wanted}: ${named.name} was already promoted by the failover under way; run again without --to (or --to ${named.name})`,
        );
      log(`${named.name} was already promoted; carrying on with it`);
      return named;
    }
  }
  return chooseTarget(topology, ops, candidates, wanted, log);
}

/**
 * An old writer from a replica group comes back by itself (its StatefulSet recreates it) and rejoins as a standby when
 * it holds nothing the new writer lacks (render/startGuardScript.ts): its slot on the new writer lets it stream. The
 * slot reserves no WAL until used (facts REPLICATION_SLOTS), so an old writer that never rejoins pins nothing.
 */
async function keepSlotForRejoin(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  from: string,
  target: string,
  log: (line: string) => void,
): Promise<void> {
  const old = topology.standbys.find((s) => s.name === from);
  if (!old) return;
  log(`slot ${old.slot} on ${target}: ${from} may rejoin as its standby if it holds nothing ${target} lacks`);
  await ops.sql(target, [ensureSlotsSql([old.slot])]);
}

/** What a force-deleted old writer may still do if its node runs after all (a partition rather than a shutdown). */
export function partitionWarnings(topology: SelfHostedTopology, from: string, node: string, to: string): string[] {
  const { synchronousCommit, synchronousReplicas } = topology.replication;
  const waits = synchronousReplicas > 0 && !["local", "off"].includes(synchronousCommit);
  return [
    `${from} was force-deleted from node ${node}. If ${node} still runs (a partition, not a shutdown), so does ${from}'s PostgreSQL until the kubelet there sees the deletion, and clients on that node (a pool pod there, whose Service rules no longer change) may still reach it.`,
    waits
      ? `This stack commits synchronously (synchronous_commit = ${synchronousCommit}, ${synchronousReplicas} synchronous replica(s)): ${from} cannot acknowledge a commit without a standby, and none follows it now, so nothing it takes there is acknowledged.`
      : `This stack commits locally (synchronous_commit = ${synchronousCommit}, ${synchronousReplicas} synchronous replicas): writes ${from} acknowledges there are lost (${to} never receives them). Keep ${node} powered off, or cut its clients off, until the kubelet there has stopped the pod.`,
  ];
}

/**
 * Promotes the target (unless a resumed failover already did) and gives it a writer's settings for its followers
 * (synchronous_standby_names). pg_promote(true, 60) returns false when the server did not finish promoting within 60 s
 * (facts/postgres/handover.ts promoteWaits): then nothing is repointed.
 */
export async function promote(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  target: StandbyNode,
  followers: StandbyNode[],
  running: ReadonlySet<string>,
  log: (line: string) => void,
): Promise<ReturnType<typeof synchronousAfterPromotion>> {
  const synchronous = synchronousAfterPromotion(topology, followers, running);
  log(`promoting ${target.name}; ${synchronous.description}`);
  const again = `Find out why (kubectl logs ${target.name} -c postgres), then run the failover again: the fence names ${target.name}, and it resumes with it`;
  if ((await ops.sql(target.name, ["SELECT pg_is_in_recovery()"])) === "t") {
    const promoted = await ops.sql(target.name, [PROMOTE_SQL]);
    if (promoted !== "t")
      throw new FailoverError(
        `pg_promote() on ${target.name} returned ${promoted || "nothing"}: the server did not finish promoting within its wait; rw and the pools were not moved. ${again}`,
      );
  }
  const recovery = await ops.sql(target.name, ["SELECT pg_is_in_recovery()"]);
  if (recovery !== "f")
    throw new FailoverError(
      `${target.name} is still in recovery after pg_promote() (pg_is_in_recovery: ${recovery}); rw and the pools were not moved. ${again}`,
    );
  await ops.sql(target.name, promotedWriterSql(synchronous, followers));
  return synchronous;
}

/** After rw selects the new writer and the write pool uses it: the read pool restarted, a write proven. */
export async function completeHandover(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  handover: {
    from: string;
    target: StandbyNode;
    followers: StandbyNode[];
    synchronous: ReturnType<typeof synchronousAfterPromotion>;
  },
  options: { proveTimeoutMs?: number },
  log: (line: string) => void,
): Promise<FailoverResult> {
  const { from, target, followers, synchronous } = handover;
  // The ro Service drops the promoted pod once its readiness probe fails, but the read pool's open server
  // connections to it (through the Service address) live on until server_lifetime: restart the pool.
  log(`restarting the read pool, whose server connections to ${target.name} would outlive its promotion`);
  await ops.rolloutRestart(topology.pools.read.service);
  await proveWrite(topology, ops, target.name, options.proveTimeoutMs ?? 120_000);
  log(`a write through ${topology.pools.write.service} landed on ${target.name}`);
  return {
    from,
    to: target.name,
    followers: followers.map((f) => f.name),
    synchronous: synchronous.description,
    next: [`pulumi config set --path kubernetes.writer ${target.name}`, "pulumi up"],
    warnings: degradedWarnings(topology, target.name, synchronous),
  };
}
