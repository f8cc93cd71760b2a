/**
 * Helpers shared by the integration tests, bound to the suite's one topology: the injected outputs, SQL on any
 * endpoint, the local runner, the read pool as PgBouncer sees it, and the topology brought back to health.
 */
import { inject } from "vitest";
import pg from "pg";
import { nodeContext } from "../../components/local/contexts";
import { nodeIsRunning } from "../../components/local/postgresNode";
import { LocalRunner } from "../../components/local/runner";
import { type StreamingExpectation, renderVerifyScript } from "../../components/render/verifyScript";
import type { Endpoint, StackOutputs } from "../../components/contract/stackOutputs";
import { allNodes } from "../../components/topology/queries";
import { verifyStack } from "../../components/verify/verifier";
import {
  clientOn,
  endpointOf,
  eventually,
  oltpReadersOf,
  readPoolHostsOf,
  readPoolLandingsOf,
  sqlOn,
} from "../support/localStack";

export { endpointOf, eventually };

export const outputs: StackOutputs = inject("outputs");
export const stateDir = inject("stateDir");
/** Fault tests stop servers: only against the topology this suite booted. */
export const external = stateDir === null;
/**
 * True against a deployed stack (STACK_OUTPUTS): a test that never reads the outputs file nor connects to that stack
 * (bad input, rule files, renderers, stacks of its own) skips then. It ran in npm test; each rehearsal running it
 * again would prove nothing about the stack rehearsed, and cost minutes of CI.
 */
export const againstADeployedStack = external;

export function runner(): LocalRunner {
  if (!stateDir) throw new Error("no local topology in STACK_OUTPUTS mode");
  return new LocalRunner("itest", stateDir);
}

export function client(endpoint: Endpoint, queryTimeoutMs?: number): pg.Client {
  return clientOn(outputs, endpoint, queryTimeoutMs);
}

/** One statement on a fresh connection; returns rows as objects. */
export function sql<T = Record<string, unknown>>(
  endpoint: Endpoint,
  text: string,
  values: unknown[] = [],
  queryTimeoutMs?: number,
): Promise<T[]> {
  return sqlOn<T>(outputs, endpoint, text, values, queryTimeoutMs);
}

/** As `sql`, on a server, reading the statistics the application user may through pgrr_stats (sql/statsAccess.ts). */
export function statsSql<T = Record<string, unknown>>(
  endpoint: Endpoint,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  return sqlOn<T>(outputs, endpoint, text, values, undefined, { stats: true });
}

export const oltpReaders = () => oltpReadersOf(outputs);
export const olapReaders = () => outputs.readers.filter((r) => r.role === "olap");

/** The host list PgBouncer itself uses for the read pool (SHOW DATABASES on its admin console). */
export const readPoolHosts = () => readPoolHostsOf(runner(), outputs);

/** The servers `count` concurrent read-pool connections land on. */
export const readPoolLandings = (count: number) => readPoolLandingsOf(outputs, count);

/** Roughly `megabytes` of WAL on the writer. */
export async function generateWal(megabytes: number): Promise<void> {
  await sql(outputs.writer, "CREATE TABLE IF NOT EXISTS wal_filler (id bigserial PRIMARY KEY, pad text)");
  const rowsPerMb = 900;
  for (let done = 0; done < megabytes; done += 16) {
    await sql(
      outputs.writer,
      "INSERT INTO wal_filler (pad) SELECT repeat(md5(random()::text), 32) FROM generate_series(1, $1)",
      [rowsPerMb * 16],
    );
  }
}

/**
 * The suite's topology as every file may assume it, whatever the file before left: each server running, no
 * replay paused, no replica on a lost slot (re-seeded), every replica streaming and verified, the read pool
 * listing every OLTP replica. Run before and after each file (setupHealthy.ts). A promotion cannot be undone
 * in place, so none happens here: promotion runs on a topology of its own (test/rehearsal/promotion.test.ts).
 */
export async function ensureHealthy(): Promise<void> {
  if (external) return;
  const local = runner();
  const state = local.state()!;
  if (state.writer !== state.topology.primary.name || state.retired.length > 0)
    throw new Error(
      `the suite's topology was promoted (writer ${state.writer}, former writers ${state.retired.join(", ")}), which ` +
        "cannot be undone in place: promote only a topology the test boots for itself (test/rehearsal/promotion.test.ts)",
    );
  const context = nodeContext(local.layout, state);
  for (const node of allNodes(state.topology))
    if (!(await nodeIsRunning(context, node))) await local.startNodeByName(node.name);
  for (const standby of state.topology.standbys) {
    const replay = await local.superuserQuery(standby.name, "SELECT pg_get_wal_replay_pause_state()");
    if (replay.trim() !== "not paused") await local.superuserQuery(standby.name, "SELECT pg_wal_replay_resume()");
  }
  const lost = await local.superuserQuery(
    state.writer,
    "SELECT string_agg(slot_name, ' ') FROM pg_replication_slots WHERE wal_status = 'lost'",
  );
  for (const standby of state.topology.standbys.filter((s) => lost.trim().split(" ").includes(s.slot)))
    await local.reseed(standby.name);
  const report = await verifyStack(outputs, { timeoutMs: 60_000 });
  if (!report.ok) throw new Error(`the suite's topology is not healthy again: ${report.problems.join("; ")}`);
  const oltpHosts = oltpReaders().map((r) => r.host);
  await eventually("every OLTP replica back in the read pool's host list", 30_000, async () => {
    const hosts = await readPoolHosts();
    return oltpHosts.every((host) => hosts.includes(host)) ? true : undefined;
  });
}

/**
 * The Kubernetes Job's verify.sh, rendered for this suite's local servers (optionally with a shorter timeout, or
 * other streaming expectations than the topology's standbys).
 */
export function localJobScript(options: {
  pools: boolean;
  timeoutS?: number;
  streaming?: readonly StreamingExpectation[];
}): {
  script: string;
  env: Record<string, string>;
} {
  const state = runner().state()!;
  const { topology } = state;
  const pools = options.pools
    ? [topology.pools.write, topology.pools.read, ...(topology.pools.olap ? [topology.pools.olap] : [])]
    : [];
  let script = renderVerifyScript(topology, {
    mode: "primary",
    region: topology.region,
    writer: outputs.writer,
    readers: topology.standbys.map((node) => ({ node, endpoint: state.endpoints.nodes[node.name]! })),
    pools: pools.map((pool) => ({ pool, endpoint: state.endpoints.pools[pool.name]! })),
    ...(options.streaming ? { streaming: options.streaming } : {}),
  });
  if (options.timeoutS !== undefined) script = script.replace(/^TIMEOUT_S=\d+$/m, `TIMEOUT_S=${options.timeoutS}`);
  return {
    script,
    env: {
      PATH: `${state.binaries.pgBin}:${process.env.PATH}`,
      PGUSER: outputs.user,
      PGPASSWORD: outputs.password,
      PGDATABASE: outputs.database,
    },
  };
}
