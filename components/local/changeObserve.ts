/**
 * What a change is planned from: the running stack as it is (which servers run, the files each
 * server and pool was last given, what PostgreSQL reports of its settings and standbys, what
 * PgBouncer can reload) and what the new topology renders for each. Reads only; nothing is written.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderPgHba } from "../render/pgHba";
import { allNodes, allPools } from "../topology/queries";
import type { LocalTopology } from "../topology/types";
import type { ChangeInput, GucContext, ObservedPool, ObservedServer } from "./changePlan";
import type { StackSource } from "./changeRefusals";
import { nodeContext, poolAdminLogin, poolContext, poolKey } from "./contexts";
import { isAlive, run } from "./exec";
import type { Layout } from "./layout";
import { showConfig } from "./pgbouncerAdmin";
import { renderPoolFiles } from "./pgbouncerProcess";
import { livePostmaster, renderNodeConfig, superuserSql } from "./postgresNode";
import type { LocalState } from "./state";
import { POOL_FIXED_SETTINGS } from "../facts/local/changes";

/** The stack file a running stack was made from, as far as changes go. */
export function stackSourceOf(state: LocalState): StackSource {
  return state.rehearsal
    ? { backend: "selfHosted", postgresVersion: state.rehearsal.sourceVersion ?? state.topology.postgresVersion }
    : { backend: "local", postgresVersion: state.topology.postgresVersion };
}

/** The running stack as it will be with the new topology: who writes and who left are unchanged. */
export function withTopology(state: LocalState, topology: LocalTopology): LocalState {
  return { ...state, topology };
}

const readIfPresent = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : undefined);

const CONTEXTS_SQL = "SELECT name || '=' || context FROM pg_settings";
const PENDING_RESTART_SQL = "SELECT coalesce(string_agg(name, ' '), '') FROM pg_settings WHERE pending_restart";
const STANDBYS_SQL =
  "SELECT application_name || '=' || coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint FROM pg_stat_replication WHERE state = 'streaming'";

function pairs(text: string): Map<string, string> {
  return new Map(
    text
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

/**
 * pg_settings.context for every setting, from a running server; with none running, from the
 * server binary's own catalogue (`postgres --describe-config`: name, context, ... tab-separated).
 */
async function settingContexts(layout: Layout, state: LocalState): Promise<Record<string, GucContext>> {
  const node = nodeContext(layout, state);
  const running = allNodes(state.topology).filter((n) => livePostmaster(node, n) !== undefined);
  const writerFirst = running.sort((a, b) => Number(b.name === state.writer) - Number(a.name === state.writer));
  for (const server of writerFirst) {
    const text = await superuserSql(node, server, ["-c", CONTEXTS_SQL]).catch(() => undefined);
    if (text) return Object.fromEntries(pairs(text)) as Record<string, GucContext>;
  }
  const { stdout } = await run(join(state.binaries.pgBin, "postgres"), ["--describe-config"], {
    runAs: state.runAs,
    timeoutMs: 30_000,
  });
  return Object.fromEntries(
    stdout
      .split("\n")
      .map((line) => line.split("\t"))
      .filter((fields) => fields.length > 1)
      .map((fields) => [fields[0]!, fields[1]! as GucContext]),
  );
}

async function observeServers(layout: Layout, state: LocalState): Promise<Record<string, ObservedServer>> {
  const node = nodeContext(layout, state);
  const members = [...allNodes(state.topology), ...(state.leaving ?? [])];
  const writer = members.find((n) => n.name === state.writer);
  const writerRuns = writer !== undefined && livePostmaster(node, writer) !== undefined;
  const streaming = writerRuns
    ? pairs(await superuserSql(node, writer, ["-c", STANDBYS_SQL]).catch(() => ""))
    : new Map();
  const observed: Record<string, ObservedServer> = {};
  for (const member of members) {
    const running = livePostmaster(node, member) !== undefined;
    const pending = running ? await superuserSql(node, member, ["-c", PENDING_RESTART_SQL]).catch(() => "") : "";
    const conf = readIfPresent(layout.confFile(member.name));
    const lag = streaming.get(member.name);
    observed[member.name] = {
      running,
      hasData: existsSync(join(layout.dataDir(member.name), "PG_VERSION")),
      ...(conf !== undefined ? { conf } : {}),
      pendingRestart: pending.split(" ").filter(Boolean),
      ...(lag !== undefined ? { streaming: { lagBytes: Number(lag) } } : {}),
    };
  }
  return observed;
}

/** The postgresql.conf each staying node should run with now, rendered from the new topology. */
function desiredConfs(layout: Layout, next: LocalState): Record<string, string> {
  const node = nodeContext(layout, next);
  return Object.fromEntries(
    allNodes(next.topology)
      .filter((member) => next.endpoints.nodes[member.name] !== undefined)
      .map((member) => [member.name, renderNodeConfig(node, member)]),
  );
}

function observePools(layout: Layout, state: LocalState, next: LocalState): ChangeInput["pools"] {
  const pools: Record<string, { observed?: ObservedPool; desired?: { ini: string; userlist: string } }> = {};
  for (const pool of allPools(state.topology)) {
    const key = poolKey(state, pool);
    const ini = readIfPresent(layout.poolIni(key));
    const userlist = readIfPresent(layout.poolUserlist(key));
    pools[key] = {
      observed: {
        running: isAlive(state.pids.pools[key]),
        ...(ini !== undefined ? { ini } : {}),
        ...(userlist !== undefined ? { userlist } : {}),
      },
    };
  }
  const context = poolContext(layout, next);
  for (const pool of allPools(next.topology)) {
    const key = poolKey(next, pool);
    const listen = next.endpoints.pools[key] ?? { host: "-", port: 0 };
    // Where server connections go is decided at run time; the plan compares everything else.
    const files = renderPoolFiles(context, pool, listen, { host: "-", port: 0 });
    pools[key] = { ...pools[key], desired: files };
  }
  return pools;
}

/** What a RELOAD leaves unchanged, as a running pool reports it (SHOW CONFIG), or PgBouncer's documented list. */
async function fixedPoolSettings(state: LocalState): Promise<readonly string[]> {
  for (const pool of allPools(state.topology)) {
    const key = poolKey(state, pool);
    const endpoint = state.endpoints.pools[key];
    if (!endpoint || !isAlive(state.pids.pools[key])) continue;
    const rows = await showConfig(endpoint, poolAdminLogin(state)).catch(() => undefined);
    if (rows) return rows.filter((row) => !row.changeable).map((row) => row.key);
  }
  return POOL_FIXED_SETTINGS.value;
}

export async function observeChange(
  layout: Layout,
  state: LocalState,
  next: { topology: LocalTopology; source: StackSource },
): Promise<ChangeInput> {
  const nextState = withTopology(state, next.topology);
  const hba = Object.fromEntries(
    next.topology.regions.map((region) => {
      const current = readIfPresent(layout.hbaFile(region.name));
      return [
        region.name,
        { ...(current !== undefined ? { current } : {}), desired: renderPgHba(next.topology, region.name) },
      ];
    }),
  );
  return {
    current: {
      topology: state.topology,
      source: stackSourceOf(state),
      writer: state.writer,
      retired: state.retired,
      leaving: state.leaving ?? [],
    },
    next,
    servers: await observeServers(layout, state),
    desiredConf: desiredConfs(layout, nextState),
    hba,
    contexts: await settingContexts(layout, state),
    pools: observePools(layout, state, nextState),
    fixedPoolSettings: await fixedPoolSettings(state),
  };
}
