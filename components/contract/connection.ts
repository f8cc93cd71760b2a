/** Connections the verifier (and the status table, promote, the tests) open to any endpoint of a stack. */
import pg from "pg";
import { readFileSync } from "node:fs";
import type { Endpoint, EndpointTls, StackOutputs } from "./stackOutputs";
import { endpointTls } from "./urls";
import { STATS_OPTIONS } from "../ground/statsNames";

export type SslMode = "disable" | "require";

/**
 * TLS as the stack asks: verified against its CA when the outputs carry one, the host name included (libpq's
 * verify-full; every backend's certificates name the hosts its outputs publish); encrypted only without a CA.
 */
export function sslFor(
  outputs: Pick<StackOutputs, "tls">,
  sslmode: SslMode | undefined,
  host?: string,
  env: NodeJS.ProcessEnv = process.env,
): pg.ClientConfig["ssl"] {
  const own = host === undefined ? undefined : endpointTls(outputs.tls, host);
  if (own) return sslmode === "disable" ? false : verifyFull(own, env);
  const mode = sslmode ?? (outputs.tls?.required ? "require" : "disable");
  if (mode === "disable") return false;
  const ca = outputs.tls?.caPem;
  return ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: false };
}

/**
 * libpq's verify-full for an endpoint with a public CA bundle: the chain and the host name. The bundle comes from
 * PGSSLROOTCERT as with libpq; without it, Node's own roots serve when they hold the bundle's (Amazon Root CA 1).
 */
function verifyFull(own: EndpointTls, env: NodeJS.ProcessEnv): pg.ClientConfig["ssl"] {
  const file = env.PGSSLROOTCERT;
  if (file) return { ca: readFileSync(file, "utf8"), rejectUnauthorized: true };
  if (own.caBundle.inSystemStores) return { rejectUnauthorized: true };
  throw new Error(
    `${own.host} serves a certificate from the ${own.caBundle.name}, which no system store holds: download ${own.caBundle.url} and set PGSSLROOTCERT to its path (it may hold other bundles too) to connect with sslmode=verify-full.`,
  );
}

export interface ClientOptions {
  sslmode?: SslMode;
  /** Client-side: PgBouncer refuses statement_timeout as a startup parameter. */
  queryTimeoutMs?: number;
  applicationName?: string;
  /** A server (not a pool): read the statistics the application may through pgrr_stats (sql/statsAccess.ts). */
  stats?: boolean;
}

/**
 * A client for the application user of `outputs` at `endpoint`; errors after connect are swallowed (the query reports
 * them).
 */
export function stackClient(
  outputs: Pick<StackOutputs, "database" | "user" | "password" | "tls">,
  endpoint: Endpoint,
  options: ClientOptions = {},
): pg.Client {
  const client = new pg.Client({
    host: endpoint.host,
    port: endpoint.port,
    database: outputs.database,
    user: outputs.user,
    password: outputs.password,
    connectionTimeoutMillis: 5000,
    ...(options.queryTimeoutMs !== undefined ? { query_timeout: options.queryTimeoutMs } : {}),
    application_name: options.applicationName ?? "pg-read-replicas",
    // PGOPTIONS from the environment still applies (node-postgres reads it only when no options are given) and wins.
    ...(options.stats ? { options: [STATS_OPTIONS, process.env.PGOPTIONS ?? ""].join(" ").trim() } : {}),
    ssl: sslFor(outputs, options.sslmode, endpoint.host),
  });
  client.on("error", () => undefined);
  return client;
}

/**
 * Runs one statement (or a simple-protocol batch) on a fresh connection; returns the rows of every result. With
 * `stats` (a server, never a pool) the session reads the replication views and WAL listings through pgrr_stats.
 */
export async function queryOnce(
  ctx: { outputs: StackOutputs; sslmode?: SslMode },
  endpoint: Endpoint,
  sql: string,
  options: { stats?: boolean } = {},
): Promise<unknown[][]> {
  const client = stackClient(ctx.outputs, endpoint, {
    ...(ctx.sslmode ? { sslmode: ctx.sslmode } : {}),
    stats: options.stats === true,
    queryTimeoutMs: 15_000,
    applicationName: "pg-read-replicas-verify",
  });
  try {
    await client.connect();
    const result = await client.query({ text: sql, rowMode: "array" });
    const results = Array.isArray(result) ? result : [result];
    return results.flatMap((r: pg.QueryArrayResult) => r.rows ?? []);
  } finally {
    await client.end().catch(() => undefined);
  }
}
