/** Connections the verifier (and the status table, promote, the tests) open to any endpoint of a stack. */
import pg from "pg";
import type { Endpoint, StackOutputs } from "../outputs";

export type SslMode = "disable" | "require";

export interface ClientOptions {
  sslmode?: SslMode;
  /** Client-side: PgBouncer refuses statement_timeout as a startup parameter. */
  queryTimeoutMs?: number;
  applicationName?: string;
}

/** A client for the application user of `outputs` at `endpoint`; errors after connect are swallowed (the query reports them). */
export function stackClient(outputs: Pick<StackOutputs, "database" | "user" | "password">, endpoint: Endpoint, options: ClientOptions = {}): pg.Client {
  const client = new pg.Client({
    host: endpoint.host,
    port: endpoint.port,
    database: outputs.database,
    user: outputs.user,
    password: outputs.password,
    connectionTimeoutMillis: 5000,
    ...(options.queryTimeoutMs !== undefined ? { query_timeout: options.queryTimeoutMs } : {}),
    application_name: options.applicationName ?? "pg-read-replicas",
    ssl: options.sslmode === "require" ? { rejectUnauthorized: false } : false,
  });
  client.on("error", () => undefined);
  return client;
}

/** Runs one statement (or a simple-protocol batch) on a fresh connection; returns the rows of every result. */
export async function queryOnce(ctx: { outputs: StackOutputs; sslmode: SslMode }, endpoint: Endpoint, sql: string): Promise<unknown[][]> {
  const client = stackClient(ctx.outputs, endpoint, { sslmode: ctx.sslmode, queryTimeoutMs: 15_000, applicationName: "pg-read-replicas-verify" });
  try {
    await client.connect();
    const result = await client.query({ text: sql, rowMode: "array" });
    const results = Array.isArray(result) ? result : [result];
    return results.flatMap((r: pg.QueryArrayResult) => r.rows ?? []);
  } finally {
    await client.end().catch(() => undefined);
  }
}
