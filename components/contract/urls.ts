/**
 * Connection URLs in libpq's form, one per pool, under the seeds' variable names. They
 * hold the password, so Pulumi exports them as a secret and `local env` prints them only
 * on request. The primary URL is the write pool: every write (and every primary read) goes
 * through the transaction-mode pooler in front of the writer, as the application's own would.
 */
import type { ConnectionUrls, Endpoint, EndpointTls, StackOutputs } from "./stackOutputs";
import { shq } from "../ground/shell";

export const ENV_NAMES = {
  primary: "DATABASE_PRIMARY_URL",
  replica: "DATABASE_REPLICA_URL",
  olap: "DATABASE_OLAP_URL",
} as const;

export type UrlSource = Pick<StackOutputs, "database" | "user" | "password" | "pools"> & { tls?: StackOutputs["tls"] };

export interface UrlOptions {
  /** A CA file on this machine: URLs then verify the server's certificate against it and its name (verify-full). */
  sslrootcert?: string;
}

function hostPart(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The TLS entry the outputs give this endpoint, when they give endpoints their own. */
export function endpointTls(tls: StackOutputs["tls"], host: string): EndpointTls | undefined {
  return tls?.endpoints?.find((e) => e.host === host);
}

export function connectionUrl(source: UrlSource, endpoint: Endpoint, options: UrlOptions = {}): string {
  const credentials = `${encodeURIComponent(source.user)}:${encodeURIComponent(source.password)}`;
  const base = `postgresql://${credentials}@${hostPart(endpoint.host)}:${endpoint.port}/${encodeURIComponent(source.database)}`;
  // An endpoint with a public CA bundle is verified in full (host name too); libpq reads the bundle from
  // sslrootcert, else PGSSLROOTCERT or ~/.postgresql/root.crt (the README says which bundles to put there).
  if (endpointTls(source.tls, endpoint.host))
    return `${base}?sslmode=verify-full${options.sslrootcert ? `&sslrootcert=${encodeURIComponent(options.sslrootcert)}` : ""}`;
  if (!source.tls?.required) return base;
  // The stack's own CA signs certificates naming every host the outputs publish: verify the chain and the name. libpq
  // reads the CA from sslrootcert when this machine has it as a file, else PGSSLROOTCERT or ~/.postgresql/root.crt
  // (the outputs' tls.caPem, written there). Only outputs without a CA fall back to encryption alone.
  if (options.sslrootcert) return `${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(options.sslrootcert)}`;
  return `${base}?sslmode=${source.tls.caPem ? "verify-full" : "require"}`;
}

export function connectionUrls(source: UrlSource, options: UrlOptions = {}): ConnectionUrls {
  const { write, read, olap } = source.pools;
  return {
    primary: connectionUrl(source, write, options),
    replica: connectionUrl(source, read, options),
    ...(olap ? { olap: connectionUrl(source, olap, options) } : {}),
  };
}

/**
 * `export NAME='url'` lines for a POSIX shell; without an OLAP pool its variable is unset, not left from another stack.
 */
export function shellExports(urls: ConnectionUrls): string {
  const lines = [
    `export ${ENV_NAMES.primary}=${shq(urls.primary)}`,
    `export ${ENV_NAMES.replica}=${shq(urls.replica)}`,
  ];
  lines.push(urls.olap ? `export ${ENV_NAMES.olap}=${shq(urls.olap)}` : `unset ${ENV_NAMES.olap}`);
  return `${lines.join("\n")}\n`;
}
