/** Connections the verifier (and the status table, promote, the tests) open to any endpoint of a stack. */
import pg from "pg";
import type { Endpoint, StackOutputs } from "./stackOutputs";

export type SslMode = "disable" | "require";

/**
 * TLS as the stack asks: verified against its CA when the outputs carry one (libpq's verify-ca: no host name check).
 */
export function sslFor(outputs: Pick<StackOutputs, "tls">, sslmode: SslMode | undefined): pg.ClientConfig["ssl"] {
  const mode = sslmode ?? (outputs.tls?.required ? "require" : "disable");
  if (mode === "disable") return false;
  const ca = outputs.tls?.caPem;
  return ca ? { ca, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
}

export interface ClientOptions {
  sslmode?: SslMode;
  /** Client-side: PgBouncer refuses statement_timeout as a startup parameter. */
  queryTimeoutMs?: number;
  applicationName?: string;
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
    ssl: sslFor(outputs, options.sslmode),
  });
  client.on("error", () => undefined);
  return client;
}

/** Runs one statement (or a simple-protocol batch) on a fresh connection; returns the rows of every result. */
export async function queryOnce(
  ctx: { outputs: StackOutputs; sslmode?: SslMode },
  endpoint: Endpoint,
  sql: string,
): Promise<unknown[][]> {
  const client = stackClient(ctx.outputs, endpoint, {
    ...(ctx.sslmode ? { sslmode: ctx.sslmode } : {}),
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
