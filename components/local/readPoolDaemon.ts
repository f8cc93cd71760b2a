/**
 * The read pool controller as a process (the daemons' bundle, `read-pool`, started by
 * `local up`): re-reads the state each second (promote changes the writer), and
 * drives each read pool's ReadPoolController with the real probe, ini and admin console.
 */
import { readinessSql } from "../sql/replicationSql";
import type { Pool } from "../topology/types";
import {
  endpointOf,
  poolAdminLogin,
  poolContext,
  poolEndpointOf,
  poolKey,
  poolTarget,
  poolsOf,
  readPoolCandidates,
} from "./contexts";
import { pgbackrestBackup } from "../render/pgbackrestConf";
import { REFRESH_INTERVAL_SECONDS } from "../render/refreshScript";
import { takeBackup } from "./backup";
import { keepSynchronous } from "./keepSynchronous";
import { BackupSchedule } from "./backupSchedule";
import { LocalError } from "./errors";
import { sleep } from "./exec";
import { Layout } from "./layout";
import { localOutputs } from "./outputs";
import { adminCommand, killClientsOn, showDatabaseHosts } from "./pgbouncerAdmin";
import { writePoolFiles } from "./pgbouncerProcess";
import { type ReadPoolActions, ReadPoolController } from "./readPoolController";
import { type LocalState, readState } from "./state";
import { ProbeConnections } from "./probeConnections";

/** Clients still on a replica this long after it stopped being ready are disconnected. */
export const READ_POOL_DRAIN_MS = 3000;
export const READ_POOL_TICK_MS = 1000;
/** How long a probe may take before its replica counts as not ready: a new connection's timeout (5 s) before. */
const PROBE_TIMEOUT_MS = 5_000;

function requireState(layout: Layout): LocalState {
  const state = readState(layout);
  if (!state) throw new LocalError(`serve-read-pool: no state in ${layout.root}`);
  return state;
}

export async function serveReadPool(stateDir: string, log: (message: string) => void): Promise<never> {
  const layout = new Layout(stateDir);
  let state = requireState(layout);
  const daemon: Daemon = {
    layout,
    state: () => state,
    log,
    lastReason: new Map(),
    probes: new ProbeConnections(PROBE_TIMEOUT_MS),
  };
  const controllers = poolsOf(state.topology)
    .filter((pool) => pool.target === "oltp")
    .map((pool) => ({ pool, controller: controllerFor(daemon, pool) }));
  log(`controlling ${controllers.map((c) => poolKey(state, c.pool)).join(", ")} every ${READ_POOL_TICK_MS} ms`);
  // backup.schedule rides on this tick: no extra idle process per stack (backupSchedule.ts).
  const backups = new BackupSchedule(
    () => scheduledBackup(layout),
    (message) => log(`backup: ${message}`),
  );
  // As often as refresh.sh runs it beside a Kubernetes writer: a psql per round, so not every tick.
  let keeperDue = 0;
  for (;;) {
    state = readState(layout) ?? state;
    backups.tick(pgbackrestBackup(state.topology)?.schedule);
    if (Date.now() >= keeperDue) {
      keeperDue = Date.now() + REFRESH_INTERVAL_SECONDS * 1000;
      await keepSynchronous(layout, state)
        .then((ran) =>
          ran.filter((s) => s.includes("synchronous_")).forEach((s) => log(`synchronous commit raised: ${s}`)),
        )
        .catch((error) => log(`synchronous keeper: ${(error as Error).message}`));
    }
    for (const { pool, controller } of controllers) {
      await controller
        .tick(readPoolCandidates(state, pool).map((node) => node.name))
        .catch((error) => log(`${poolKey(state, pool)}: ${(error as Error).message}`));
    }
    await sleep(READ_POOL_TICK_MS);
  }
}

/** A scheduled base backup: full, with the state as it is now (the writer may have changed). */
async function scheduledBackup(layout: Layout): Promise<void> {
  await takeBackup(layout, requireState(layout), "full");
}

/** What every pool's actions share; `state` is the latest read, re-read every tick. */
interface Daemon {
  layout: Layout;
  state: () => LocalState;
  log: (message: string) => void;
  /** Why each replica was last not ready, so each reason is logged once: causes, not noise. */
  lastReason: Map<string, string>;
  /** The probe's connection to each replica, kept between ticks. */
  probes: ProbeConnections;
}

function controllerFor(daemon: Daemon, pool: Pool): ReadPoolController {
  const { state } = daemon;
  const admin = () => ({ endpoint: poolEndpointOf(state(), pool), login: poolAdminLogin(state()) });
  const database = () => state().topology.database;
  const hostOf = (name: string) => endpointOf(state(), name).host;
  const actions: ReadPoolActions = {
    probe: (name) => probeReplica(daemon, pool, name),
    apply: (ready) => applyReady(daemon, pool, ready),
    drain: (names) => killClientsOn(admin().endpoint, admin().login, names.map(hostOf)),
    pause: () => adminCommand(admin().endpoint, admin().login, `KILL ${database()}`),
    // RESUME of a database that is not paused is an error PgBouncer may answer: nothing to undo then.
    resume: () =>
      adminCommand(admin().endpoint, admin().login, `RESUME ${database()}`).catch((error) => {
        if (!/not paused/i.test((error as Error).message)) throw error;
      }),
    log: (message) => daemon.log(`${poolKey(state(), pool)}: ${message}`),
    now: Date.now,
  };
  const initial = readPoolCandidates(state(), pool).map((node) => node.name);
  return new ReadPoolController(actions, initial, READ_POOL_DRAIN_MS);
}

/** The readiness probe's question, asked of the replica itself; a failure to ask is "not ready", logged once. */
async function probeReplica(daemon: Daemon, pool: Pool, name: string): Promise<boolean> {
  const state = daemon.state();
  try {
    const rows = await daemon.probes.query(
      name,
      localOutputs(state),
      endpointOf(state, name),
      readinessSql("oltp", state.topology.replication.maxLagBytes),
    );
    return rows[0]?.[0] === true;
  } catch (error) {
    const reason = `${name} not ready: ${(error as Error).message.split("\n")[0]}`;
    if (daemon.lastReason.get(name) !== reason) daemon.log(`${poolKey(state, pool)}: ${reason}`);
    daemon.lastReason.set(name, reason);
    return false;
  }
}

/** Points the pool at the ready replicas and reloads PgBouncer. */
async function applyReady(daemon: Daemon, pool: Pool, ready: readonly string[]): Promise<void> {
  const state = daemon.state();
  const target = poolTarget(state, pool, ready);
  writePoolFiles(poolContext(daemon.layout, state), pool, poolEndpointOf(state, pool), target);
  const endpoint = poolEndpointOf(state, pool);
  const login = poolAdminLogin(state);
  await adminCommand(endpoint, login, "RELOAD");
  const hosts = await showDatabaseHosts(endpoint, login);
  // A refused ini is half-applied silently: say so, the next change retries.
  const database = state.topology.database;
  if (hosts[database] !== target.host)
    daemon.log(
      `${poolKey(state, pool)}: after RELOAD PgBouncer uses ${hosts[database]}, not ${target.host}; see its log`,
    );
}
