/**
 * Probes of a running stack from its outputs: SQL on any endpoint, waiting for a condition, where
 * the read pool sends connections and which hosts PgBouncer itself lists for it. For the
 * integration suite's shared topology (test/integration/support.ts binds them to it) and for a
 * stack a test file boots for itself.
 */
import pg from "pg";
import { stackClient } from "../../components/contract/connection";
import type { Endpoint, StackOutputs } from "../../components/contract/stackOutputs";
import { showDatabaseHosts } from "../../components/local/pgbouncerAdmin";
import { POOL_ADMIN_USER } from "../../components/local/pgbouncerProcess";
import type { LocalRunner } from "../../components/local/runner";

export function clientOn(
  outputs: StackOutputs,
  endpoint: Endpoint,
  queryTimeoutMs?: number,
  options: { stats?: boolean } = {},
): pg.Client {
  return stackClient(outputs, endpoint, {
    ...(queryTimeoutMs !== undefined ? { queryTimeoutMs } : {}),
    applicationName: "pg-read-replicas-test",
    ...options,
  });
}

/**
 * One statement on a fresh connection; returns rows as objects. `stats`: on a server, the replication views and
 * server processes the application user reads through pgrr_stats (sql/statsAccess.ts).
 */
export async function sqlOn<T = Record<string, unknown>>(
  outputs: StackOutputs,
  endpoint: Endpoint,
  text: string,
  values: unknown[] = [],
  queryTimeoutMs?: number,
  options: { stats?: boolean } = {},
): Promise<T[]> {
  const c = clientOn(outputs, endpoint, queryTimeoutMs, options);
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what} did not happen within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ""}`,
  );
}

/** The OLTP replicas in the writer's region: those the read pool serves from. */
export const oltpReadersOf = (outputs: StackOutputs) =>
  outputs.readers.filter((r) => r.role === "oltp" && r.region === outputs.regions.find((x) => x.primary)?.region);

export const endpointOf = (reader: { host: string; port: number }): Endpoint => ({
  host: reader.host,
  port: reader.port,
});

/** The host list PgBouncer itself uses for the read pool (SHOW DATABASES on its admin console). */
export async function readPoolHostsOf(runner: LocalRunner, outputs: StackOutputs): Promise<string[]> {
  const state = runner.state()!;
  const hosts = await showDatabaseHosts(outputs.pools.read, {
    user: POOL_ADMIN_USER,
    password: state.passwords.poolAdmin,
  });
  return (hosts[outputs.database] ?? "").split(",");
}

/** The servers `count` concurrent read-pool connections land on. */
export async function readPoolLandingsOf(outputs: StackOutputs, count: number): Promise<Set<string>> {
  const rows = await Promise.all(
    Array.from({ length: count }, () =>
      sqlOn<{ name: string }>(
        outputs,
        outputs.pools.read,
        "SELECT current_setting('cluster_name') AS name, pg_sleep(0.01)",
      ),
    ),
  );
  return new Set(rows.map(([row]) => row!.name));
}
