/**
 * A planned switchover: the writer hands over to one of its OLTP replicas with nothing lost, and
 * rejoins as a replica. Unlike a failover (failover.ts) the old writer is stopped cleanly first, so
 * every commit it acknowledged reaches the replica before that is promoted, and it is not retired.
 *
 * 1. The write pool PAUSEs its database: clients and their new queries wait instead of failing.
 * 2. The writer stops (fast): its walsenders send every WAL record, the shutdown checkpoint
 *    included, to the connected standbys before it exits.
 * 3. The replica replays up to the writer's final checkpoint, then is promoted; its replication
 *    settings become a writer's, and it gets a slot for each standby.
 * 4. The write pool is repointed (RELOAD) and RESUMEs on the new writer.
 * 5. The other standbys follow the new writer; the old one is rewound (pg_rewind) against it and
 *    started as its standby.
 * If anything fails before the promotion, the old writer is started again and the pool resumes on it.
 */
import { join } from "node:path";
import { CHANGE_FACTS } from "../facts/local/changes";
import { PROMOTE_SQL } from "../sql/promotionSql";
import { ensureSlotsSql } from "../sql/replicationSql";
import type { DatabaseNode, StandbyNode } from "../topology/types";
import { endpointOf, nodeByName, nodeContext, poolAdminLogin, poolContext, poolEndpointOf } from "./contexts";
import { LocalError } from "./errors";
import { run, sleep } from "./exec";
import { follow } from "./failover";
import { writeOwnedFile } from "./files";
import type { Layout } from "./layout";
import { adminCommand } from "./pgbouncerAdmin";
import { writePoolFiles } from "./pgbouncerProcess";
import { seedReplica, startNode, stopNode, superuserSql, writeNodeConfig } from "./postgresNode";
import { asStandby, servingStandbys } from "./serving";
import { type LocalState, writeState } from "./state";

export interface SwitchoverResult {
  from: string;
  to: string;
  /** From PAUSE to RESUME of the write pool: how long writes waited. */
  pausedMs: number;
  /** The old writer's final checkpoint, which the new writer replayed before its promotion. */
  handoverLsn: string;
}

/** `Latest checkpoint location` of a stopped server's control file. */
async function finalCheckpoint(layout: Layout, state: LocalState, node: DatabaseNode): Promise<string> {
  const { stdout } = await run(join(state.binaries.pgBin, "pg_controldata"), ["-D", layout.dataDir(node.name)], {
    runAs: state.runAs,
    env: { LC_ALL: "C" },
    timeoutMs: 30_000,
  });
  const label = CHANGE_FACTS.controldataCheckpointLabel.value;
  const lsn = stdout
    .split("\n")
    .find((line) => line.startsWith(label))
    ?.slice(label.length)
    .trim();
  if (!lsn) throw new LocalError(`pg_controldata of ${node.name} names no latest checkpoint:\n${stdout}`);
  return lsn;
}

/** Waits until `standby` has replayed past `lsn` (the old writer's last record). */
async function waitReplayed(layout: Layout, state: LocalState, standby: DatabaseNode, lsn: string): Promise<void> {
  const node = nodeContext(layout, state);
  const sql = `SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '${lsn}') > 0`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(20)) {
    if ((await superuserSql(node, standby, ["-c", sql]).catch(() => "")) === "t") return;
  }
  throw new LocalError(`${standby.name} did not replay the writer's final WAL (${lsn}) within 30 s`);
}

function writePool(state: LocalState) {
  const pool = state.topology.pools.write;
  return {
    pool,
    endpoint: poolEndpointOf(state, pool),
    login: poolAdminLogin(state),
    database: state.topology.database,
  };
}

async function pointWritePool(layout: Layout, state: LocalState): Promise<void> {
  const { pool, endpoint, login } = writePool(state);
  writePoolFiles(poolContext(layout, state), pool, endpoint, endpointOf(state, state.writer));
  await adminCommand(endpoint, login, "RELOAD");
}

/** The promoted replica takes a writer's settings: ALTER SYSTEM leftovers go, the rendered file rules. */
async function becomeWriter(layout: Layout, state: LocalState, target: DatabaseNode, slots: string[]): Promise<void> {
  const node = nodeContext(layout, state);
  writeNodeConfig(node, target);
  await superuserSql(node, target, [
    "-c",
    "ALTER SYSTEM RESET ALL",
    "-c",
    "SELECT pg_reload_conf()",
    "-c",
    ensureSlotsSql(slots),
  ]);
}

/** The old writer as a standby of the new one: rewound, its replication settings written by the seed script. */
async function rejoin(layout: Layout, state: LocalState, former: StandbyNode): Promise<void> {
  const node = nodeContext(layout, state);
  const writer = nodeByName(state, state.writer);
  // pg_rewind reads the source's timeline from its control file, which a CHECKPOINT after promotion updates
  // (CHANGE_FACTS.rewindNeedsCheckpointAfterPromotion).
  await superuserSql(node, writer, ["-c", "CHECKPOINT"]);
  // Its slot, holding WAL from now: the seed script keeps a standby whose slot exists, re-seeds one whose slot is gone.
  await superuserSql(node, writer, [
    "-c",
    `SELECT pg_create_physical_replication_slot('${former.slot}', true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${former.slot}')`,
  ]);
  await run(
    join(state.binaries.pgBin, "pg_rewind"),
    [
      "--target-pgdata",
      layout.dataDir(former.name),
      "--source-server",
      `host=${node.socketDirOf(writer)} port=${endpointOf(state, writer).port} user=postgres dbname=postgres`,
    ],
    { runAs: state.runAs, timeoutMs: 10 * 60_000 },
  );
  writeOwnedFile(join(layout.dataDir(former.name), "standby.signal"), "", state.runAs);
  await seedReplica(node, former, endpointOf(state, writer));
  writeNodeConfig(node, former);
  await startNode(node, former);
}

/** How long PAUSE may wait for in-flight transactions before the switchover is called off. */
const PAUSE_TIMEOUT_MS = 30_000;

/** PAUSE, bounded: a transaction that never ends would hold every writer waiting. */
async function pauseWrites(pool: ReturnType<typeof writePool>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LocalError(
            `PAUSE of the write pool did not complete in ${PAUSE_TIMEOUT_MS / 1000} s: a transaction through it is still open. The switchover was called off; nothing changed.`,
          ),
        ),
      PAUSE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([adminCommand(pool.endpoint, pool.login, `PAUSE ${pool.database}`), timeout]);
  } catch (error) {
    await resumeWrites(pool);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** RESUME, retried: a write pool left paused would hold every writer until query_wait_timeout. */
async function resumeWrites(pool: ReturnType<typeof writePool>): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await adminCommand(pool.endpoint, pool.login, `RESUME ${pool.database}`);
      return;
    } catch (error) {
      if (/not paused/i.test((error as Error).message)) return;
      last = error;
      await sleep(250);
    }
  }
  throw new LocalError(`RESUME of the write pool failed: ${(last as Error).message}; run it on its admin console`);
}

/**
 * Hands the writer from `from` to `to`. `rejoin`: the old writer becomes a standby of the new one
 * (false when the change removes it; it is then left stopped for removal).
 */
export async function switchover(
  layout: Layout,
  state: LocalState,
  options: { from: string; to: string; rejoin: boolean },
): Promise<SwitchoverResult> {
  const formerWriter = nodeByName(state, options.from);
  const target = nodeByName(state, options.to);
  const followers = servingStandbys(state).filter((s) => s.name !== target.name);
  const synchronous = state.topology.replication.synchronousReplicas > 0;
  const pool = writePool(state);
  const node = nodeContext(layout, state);
  // New and waiting queries wait until RESUME (CHANGE_FACTS.pauseHoldsClients).
  await pauseWrites(pool);
  const paused = Date.now();
  let promoted = false;
  let handoverLsn = "";
  try {
    // A clean stop ships every record to connected standbys (CHANGE_FACTS.walsendersShipShutdownCheckpoint).
    await stopNode(node, formerWriter, "fast");
    handoverLsn = await finalCheckpoint(layout, state, formerWriter);
    await waitReplayed(layout, state, target, handoverLsn);
    await superuserSql(node, target, ["-c", PROMOTE_SQL]);
    promoted = true;
    state.writer = target.name;
    writeState(layout, state);
    const formerAsStandby = asStandby(formerWriter);
    await becomeWriter(layout, state, target, [
      ...followers.map((f) => f.slot),
      ...(options.rejoin ? [formerAsStandby.slot] : []),
    ]);
    await pointWritePool(layout, state);
    // A synchronous writer's commits wait for a standby: point them at it before writes resume.
    if (synchronous) for (const follower of followers) await follow(layout, state, follower, asStandby(target));
  } catch (error) {
    if (!promoted) {
      await startNode(node, formerWriter).catch(() => undefined);
    }
    throw error;
  } finally {
    await resumeWrites(pool);
  }
  const pausedMs = Date.now() - paused;
  if (!synchronous) for (const follower of followers) await follow(layout, state, follower, asStandby(target));
  if (options.rejoin) await rejoin(layout, state, asStandby(formerWriter));
  return { from: options.from, to: options.to, pausedMs, handoverLsn };
}
