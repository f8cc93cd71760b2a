/** Helpers shared by the integration tests: the injected outputs, SQL on any endpoint, the local runner. */
import { inject } from "vitest";
import pg from "pg";
import { LocalRunner } from "../../components/local/runner";
import { type StreamingExpectation, renderVerifyScript } from "../../components/render/verifyScript";
import type { Endpoint, StackOutputs } from "../../components/contract/stackOutputs";
import { stackClient } from "../../components/contract/connection";

export const outputs: StackOutputs = inject("outputs");
export const stateDir = inject("stateDir");
/** Fault tests stop servers: only against the topology this suite booted. */
export const external = stateDir === null;

export function runner(): LocalRunner {
  if (!stateDir) throw new Error("no local topology in STACK_OUTPUTS mode");
  return new LocalRunner("itest", stateDir);
}

export function client(endpoint: Endpoint, queryTimeoutMs?: number): pg.Client {
  return stackClient(outputs, endpoint, {
    ...(queryTimeoutMs !== undefined ? { queryTimeoutMs } : {}),
    applicationName: "pg-read-replicas-test",
  });
}

/** One statement on a fresh connection; returns rows as objects. */
export async function sql<T = Record<string, unknown>>(
  endpoint: Endpoint,
  text: string,
  values: unknown[] = [],
  queryTimeoutMs?: number,
): Promise<T[]> {
  const c = client(endpoint, queryTimeoutMs);
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

export const oltpReaders = () =>
  outputs.readers.filter((r) => r.role === "oltp" && r.region === outputs.regions.find((x) => x.primary)?.region);
export const olapReaders = () => outputs.readers.filter((r) => r.role === "olap");
export const endpointOf = (reader: { host: string; port: number }): Endpoint => ({
  host: reader.host,
  port: reader.port,
});

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
