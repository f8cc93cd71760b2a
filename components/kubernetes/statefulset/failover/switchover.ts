/**
 * `pg-read-replicas kubernetes switchover`: the failover's planned, zero-loss sibling, and the way a
 * changed writer template is applied (the writer's StatefulSet is OnDelete: Kubernetes never restarts
 * it on its own).
 *
 *  1. the target (an OLTP replica of the primary's region) must be streaming from the writer; else
 *     nothing is touched;
 *  2. every write-pool pod PAUSEs: clients wait, no server connection is left open;
 *  3. the target replays up to the writer's current end of WAL (a timeout RESUMEs and stops here,
 *     nothing changed);
 *  4. the fence names the target, the old writer stops cleanly (a fast shutdown sends its last WAL to
 *     the connected standbys before it exits: facts/postgres/handover.ts), and the target replays
 *     everything it received. An old writer in a replica group is named in the fence's `rejoin`: its
 *     pod, recreated at once on the newest template, comes back as a standby (start-guard.sh); the
 *     primary's StatefulSet goes to zero as after a failover;
 *  5. the target is promoted with the writer's settings and its followers' slots, rw selects it;
 *  6. every write-pool pod RESUMEs: their new server connections go through rw to the new writer,
 *     and the clients that waited carry on; the read pool restarts off the promoted replica;
 *  7. a write through the write pool must land on the new writer.
 * Each pool pod is reached on its own console over its Unix socket (PgBouncer admits its own uid
 * as "pgbouncer" there: facts/postgres/pgbouncer.ts), so no admin password exists.
 */
import { PGBOUNCER } from "../../../facts/postgres";
import { REPLAYED_ALL_RECEIVED_SQL, WRITER_LSN_SQL, replayedUpToSql } from "../../../sql/promotionSql";
import { ensureSlotsSql } from "../../../sql/replicationSql";
import type { SelfHostedTopology } from "../../../topology/types";
import { PATHS, names, poolSelector } from "../../conventions";
import {
  FailoverError,
  type FailoverResult,
  candidatesFor,
  chooseTarget,
  completeHandover,
  promote,
  repoint,
  runningPods,
} from "./failover";
import { markWriter } from "../roleLabels";
import { readFence, writeFence } from "./fence";
import { stopOldWriter } from "./oldWriter";
import type { ClusterOps } from "./ops";

export class SwitchoverError extends FailoverError {
  override name = "SwitchoverError";
}

export interface SwitchoverOptions {
  to?: string;
  log?: (line: string) => void;
  /** How long the target may take to replay up to the writer's end of WAL, and PAUSE to drain (ms). */
  catchUpTimeoutMs?: number;
  proveTimeoutMs?: number;
}

const POOL_CONTAINER = "pgbouncer";

/** argv for one command on a pool pod's console, bounded by `timeout` (PAUSE waits for running transactions). */
export function poolConsoleCommand(topology: SelfHostedTopology, command: string, timeoutS: number): string[] {
  const admin = PGBOUNCER.sameUidSocketAdmin.value;
  return [
    "timeout",
    String(timeoutS),
    "psql",
    "-h",
    PATHS.pgbouncerSocketDir,
    "-p",
    String(topology.poolPort),
    "-U",
    admin.user,
    "-d",
    admin.database,
    "-XAtq",
    "-c",
    command,
  ];
}

async function onWritePool(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  pods: readonly string[],
  command: "PAUSE" | "RESUME",
  timeoutS: number,
): Promise<void> {
  for (const pod of pods) await ops.execInPod(pod, POOL_CONTAINER, poolConsoleCommand(topology, command, timeoutS));
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

async function requireStreaming(ops: ClusterOps, writer: string, target: string): Promise<void> {
  const state = await ops.sql(writer, [
    `SELECT state FROM pg_stat_replication WHERE application_name = '${target.replace(/'/g, "''")}'`,
  ]);
  if (state !== "streaming")
    throw new SwitchoverError(
      `${target} is not streaming from the writer ${writer} (pg_stat_replication: ${state || "absent"}); nothing was changed. Wait until it streams, or choose another with --to`,
    );
}

/** Steps 2-3: writes stopped at the pool, the target caught up. Undone (RESUME) when it cannot catch up. */
async function pauseAndCatchUp(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  context: { from: string; target: string; pools: string[]; timeoutMs: number; log: (line: string) => void },
): Promise<void> {
  const { from, target, pools, timeoutMs, log } = context;
  const timeoutS = Math.ceil(timeoutMs / 1000);
  log(`pausing the write pool (${pools.join(", ")}): clients wait, running transactions finish`);
  try {
    await onWritePool(topology, ops, pools, "PAUSE", timeoutS);
    const lsn = await ops.sql(from, [WRITER_LSN_SQL]);
    log(`${from} has written up to ${lsn}; waiting for ${target} to replay it`);
    if (!(await until(async () => (await ops.sql(target, [replayedUpToSql(lsn)])) === "t", timeoutMs)))
      throw new SwitchoverError(
        `${target} did not replay up to ${lsn} within ${timeoutS} s; the write pool was resumed and nothing changed`,
      );
  } catch (error) {
    await onWritePool(topology, ops, pools, "RESUME", 30).catch(() => undefined);
    throw error;
  }
}

export async function switchover(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  options: SwitchoverOptions = {},
): Promise<FailoverResult> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.catchUpTimeoutMs ?? 60_000;
  const fence = await readFence(topology, ops);
  if (fence.record && fence.record.step !== "done")
    throw new SwitchoverError(
      `a hand-over from ${fence.record.from}${fence.record.to ? ` to ${fence.record.to}` : ""} is under way (ConfigMap ${names.fence(topology)}, ${fence.record.step}); nothing was changed. Finish it: pg-read-replicas kubernetes failover`,
    );
  const from = fence.writer;
  const target = await chooseTarget(topology, ops, candidatesFor(topology, from), options.to, log);
  await requireStreaming(ops, from, target.name);
  const pools = await ops.listPods(poolSelector(topology, topology.pools.write));
  if (pools.length === 0)
    throw new SwitchoverError(`no running pod of ${topology.pools.write.service}; nothing was changed`);
  await pauseAndCatchUp(topology, ops, { from, target: target.name, pools, timeoutMs, log });

  // A writer in a replica group comes back as a standby of the new one (the start guard reads `rejoin`); the
  // primary's StatefulSet goes to zero, as after a failover.
  const rejoining = topology.standbys.find((s) => s.name === from);
  log(`fencing: only ${target.name} may start as the writer (ConfigMap ${names.fence(topology)}); stopping ${from}`);
  const record = { from, to: target.name, step: "promoting" as const };
  await writeFence(topology, ops, record, target.name, rejoining?.name ?? "");
  await markWriter(ops, target.name);
  await stopOldWriter(topology, ops, from, { timeoutMs, log });
  // The old writer's fast shutdown sent its last WAL (the shutdown checkpoint) before it exited.
  if (!(await until(async () => (await ops.sql(target.name, [REPLAYED_ALL_RECEIVED_SQL])) === "t", timeoutMs)))
    throw new SwitchoverError(
      `${target.name} has not replayed all it received from ${from}; the write pool stays paused. Finish with: pg-read-replicas kubernetes failover --to ${target.name}`,
    );
  const followers = topology.standbys.filter((s) => s.name !== target.name && s.name !== from);
  const synchronous = await promote(topology, ops, target, followers, await runningPods(ops, followers), log);
  if (rejoining) {
    log(`${from} rejoins as a standby of ${target.name}, on slot ${rejoining.slot}`);
    await ops.sql(target.name, [ensureSlotsSql([rejoining.slot])]);
  }
  await repoint(topology, ops, target.name);
  log(`rw selects ${target.name}; resuming the write pool`);
  await onWritePool(topology, ops, pools, "RESUME", 30);
  const result = await completeHandover(topology, ops, { from, target, followers, synchronous }, options, log);
  await writeFence(topology, ops, { ...record, step: "done" }, target.name, rejoining?.name ?? "");
  return result;
}
