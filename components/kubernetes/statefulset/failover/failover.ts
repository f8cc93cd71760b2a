/**
 * `pg-read-replicas kubernetes failover`: makes an OLTP replica of the
 * primary's region the writer, fencing the old one first.
 *
 *  1. the fence ConfigMap names the new writer (from now on the start guard keeps
 *     any other data directory that could write from starting);
 *  2. the old writer stops: the primary's StatefulSet goes to zero (a promoted
 *     replica's pod is deleted; the guard keeps it down);
 *  3. the replica is promoted and gets the writer's settings and its followers' slots;
 *  4. rw (and the exposed primary) select the new writer's pod; standbys follow it
 *     through rw, the write pool is restarted onto it, and the read pool off it;
 *  5. a write through the write pool must land on the new writer.
 * Then the stack's config is told (kubernetes.writer), so `pulumi up` keeps it so.
 */
import { randomBytes } from "node:crypto";
import { UserError } from "../../../ground/errors";
import { synchronousAfterPromotion } from "../../../failover/promotion";
import { PROMOTE_SQL, RECEIVED_LSN_SQL, promotedWriterSql, provingWriteSql } from "../../../sql/promotionSql";
import { homeRegion, standbysOf } from "../../../topology/queries";
import type { SelfHostedTopology, StandbyNode } from "../../../topology/types";
import { names, writerSelector } from "../../conventions";
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
}

export interface FailoverResult {
  from: string;
  to: string;
  followers: string[];
  synchronous: string;
  /** What the operator runs next so the stack's config agrees with the cluster. */
  next: string[];
}

export async function currentWriter(topology: SelfHostedTopology, ops: ClusterOps): Promise<string> {
  const fence = await ops.readConfigMap(names.fence(topology));
  return fence?.writer ?? topology.kubernetes.writer;
}

export function candidatesFor(topology: SelfHostedTopology, writer: string): StandbyNode[] {
  // The writer stays in the primary's region: its pg_hba admits the replicas, its pools serve writes there.
  return standbysOf(topology, "oltp", homeRegion(topology).name).filter((node) => node.name !== writer);
}

export async function chooseTarget(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  candidates: StandbyNode[],
  wanted: string | undefined,
  log: (line: string) => void,
): Promise<StandbyNode> {
  if (wanted !== undefined) {
    const chosen = candidates.find((c) => c.name === wanted);
    if (!chosen)
      throw new FailoverError(
        `--to ${wanted}: not an OLTP replica of the primary's region that could be promoted; choose one of ${candidates.map((c) => c.name).join(", ")}`,
      );
    return chosen;
  }
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
  void topology;
  return best.node;
}

export async function stopOldWriter(topology: SelfHostedTopology, ops: ClusterOps, writer: string): Promise<void> {
  if (writer === topology.primary.name) await ops.scaleStatefulSetToZero(topology.primary.group, writer);
  else await ops.deletePod(writer);
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
  const from = await currentWriter(topology, ops);
  const candidates = candidatesFor(topology, from);
  const target = await chooseTarget(topology, ops, candidates, options.to, log);
  log(`fencing: only ${target.name} may start as the writer (ConfigMap ${names.fence(topology)})`);
  // No rejoin after a failover: the old writer may hold writes the new one never received.
  await ops.patchConfigMap(names.fence(topology), { writer: target.name, rejoin: "" });
  log(`stopping the old writer ${from}`);
  await stopOldWriter(topology, ops, from);
  const followers = topology.standbys.filter((s) => s.name !== target.name && s.name !== from);
  const synchronous = await promote(topology, ops, target, followers, log);
  log(`rw follows ${target.name}; restarting the write pool`);
  await repoint(topology, ops, target.name);
  await ops.rolloutRestart(topology.pools.write.service);
  return completeHandover(topology, ops, { from, target, followers, synchronous }, options, log);
}

/** Promotes the target and gives it a writer's settings for its followers (synchronous_standby_names). */
export async function promote(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  target: StandbyNode,
  followers: StandbyNode[],
  log: (line: string) => void,
): Promise<ReturnType<typeof synchronousAfterPromotion>> {
  const synchronous = synchronousAfterPromotion(topology, followers);
  log(`promoting ${target.name}; ${synchronous.description}`);
  await ops.sql(target.name, [PROMOTE_SQL]);
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
  };
}
