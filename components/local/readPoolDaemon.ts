/**
 * The read pool controller as a process (`local serve-read-pool`, started by
 * `local up`): re-reads the state each second (promote changes the writer), and
 * drives each read pool's ReadPoolController with the real probe, ini and admin console.
 */
import { readinessSql } from "../sql/replicationSql";
import { queryOnce } from "../contract/connection";
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
import { LocalError } from "./errors";
import { sleep } from "./exec";
import { Layout } from "./layout";
import { localOutputs } from "./outputs";
import { adminCommand, killClientsOn, showDatabaseHosts } from "./pgbouncerAdmin";
import { writePoolFiles } from "./pgbouncerProcess";
import { ReadPoolController } from "./readPoolController";
import { type LocalState, readState } from "./state";

/** Clients still on a replica this long after it stopped being ready are disconnected. */
export const READ_POOL_DRAIN_MS = 3000;
export const READ_POOL_TICK_MS = 1000;

function requireState(layout: Layout): LocalState {
  const state = readState(layout);
  if (!state) throw new LocalError(`serve-read-pool: no state in ${layout.root}`);
  return state;
}

export async function serveReadPool(stateDir: string, log: (message: string) => void): Promise<never> {
  const layout = new Layout(stateDir);
  let state = requireState(layout);
  const lastReason = new Map<string, string>();
  const controllers = poolsOf(state.topology)
    .filter((pool) => pool.target === "oltp")
    .map((pool) => {
      const admin = () => ({ endpoint: poolEndpointOf(state, pool), login: poolAdminLogin(state) });
      const hostOf = (name: string) => endpointOf(state, name).host;
      const controller = new ReadPoolController(
        {
          probe: async (name) => {
            try {
              const rows = await queryOnce(
                { outputs: localOutputs(state) },
                endpointOf(state, name),
                readinessSql("oltp", state.topology.replication.maxLagBytes),
              );
              return rows[0]?.[0] === true;
            } catch (error) {
              // Why a replica is not ready, said once per reason so the log shows causes, not noise.
              const reason = `${name} not ready: ${(error as Error).message.split("\n")[0]}`;
              if (lastReason.get(name) !== reason) log(`${poolKey(state, pool)}: ${reason}`);
              lastReason.set(name, reason);
              return false;
            }
          },
          apply: async (ready) => {
            const target = poolTarget(state, pool, ready);
            writePoolFiles(poolContext(layout, state), pool, poolEndpointOf(state, pool), target);
            const { endpoint, login } = admin();
            await adminCommand(endpoint, login, "RELOAD");
            const hosts = await showDatabaseHosts(endpoint, login);
            // A refused ini is half-applied silently: say so, the next change retries.
            if (hosts[state.topology.database] !== target.host)
              log(
                `${poolKey(state, pool)}: after RELOAD PgBouncer uses ${hosts[state.topology.database]}, not ${target.host}; see its log`,
              );
          },
          drain: (names) => killClientsOn(admin().endpoint, admin().login, names.map(hostOf)),
          pause: () => adminCommand(admin().endpoint, admin().login, `KILL ${state.topology.database}`),
          // RESUME of a database that is not paused is an error PgBouncer may answer: nothing to undo then.
          resume: () =>
            adminCommand(admin().endpoint, admin().login, `RESUME ${state.topology.database}`).catch((error) => {
              if (!/not paused/i.test((error as Error).message)) throw error;
            }),
          log: (message) => log(`${poolKey(state, pool)}: ${message}`),
          now: Date.now,
        },
        readPoolCandidates(state, pool).map((node) => node.name),
        READ_POOL_DRAIN_MS,
      );
      return { pool, controller };
    });
  log(`controlling ${controllers.map((c) => poolKey(state, c.pool)).join(", ")} every ${READ_POOL_TICK_MS} ms`);
  for (;;) {
    state = readState(layout) ?? state;
    for (const { pool, controller } of controllers) {
      await controller
        .tick(readPoolCandidates(state, pool).map((node) => node.name))
        .catch((error) => log(`${poolKey(state, pool)}: ${(error as Error).message}`));
    }
    await sleep(READ_POOL_TICK_MS);
  }
}
