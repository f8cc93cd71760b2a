/**
 * Where the client's three pools connect: from StackOutputs (the pools' endpoints, TLS as
 * the stack asks, verified against its CA) or from the seeds' environment variables.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parse as parseConnectionString } from "pg-connection-string";
import type pg from "pg";
import type { Endpoint, StackOutputs } from "../contract/stackOutputs";
import { parseOutputs, readOutputsFile } from "../contract/outputsFile";
import { sslFor } from "../contract/connection";
import { ClientConfigError } from "./errors";
import { redactConnectionString } from "../ground/redact";
import { ENV_NAMES } from "../contract/urls";

export interface PoolTarget {
  /** host:port/database, for messages and spans: never the password. */
  label: string;
  config: pg.PoolConfig;
}

export interface ClientTargets {
  write: PoolTarget;
  read: PoolTarget;
  olap?: PoolTarget;
  /**
   * Each OLTP replica of the writer's region on its own (the servers, not a pool), for replicaRouting "direct";
   * from StackOutputs' readers only.
   */
  replicas?: Array<{ name: string; target: PoolTarget }>;
}

function fromEndpoint(outputs: StackOutputs, endpoint: Endpoint): PoolTarget {
  return {
    label: `${endpoint.host}:${endpoint.port}/${outputs.database}`,
    config: {
      host: endpoint.host,
      port: endpoint.port,
      database: outputs.database,
      user: outputs.user,
      password: outputs.password,
      ssl: sslFor(outputs, undefined, endpoint.host),
    },
  };
}

/** From StackOutputs, or anything claiming to be (a parsed outputs file): checked first, every problem named. */
export function targetsFromOutputs(value: unknown, source = "outputs"): ClientTargets {
  const outputs = parseOutputs(value, source);
  const home = outputs.regions.find((r) => r.primary)?.region;
  const replicas = outputs.readers
    .filter((r) => r.role === "oltp" && (home === undefined || r.region === home))
    .map((r) => ({ name: r.name, target: fromEndpoint(outputs, r) }));
  return {
    write: fromEndpoint(outputs, outputs.pools.write),
    read: fromEndpoint(outputs, outputs.pools.read),
    ...(outputs.pools.olap ? { olap: fromEndpoint(outputs, outputs.pools.olap) } : {}),
    ...(replicas.length > 0 ? { replicas } : {}),
  };
}

export function targetsFromOutputsFile(path: string): ClientTargets {
  return targetsFromOutputs(readOutputsFile(path), path);
}

/** A URL with the password replaced, safe to print. */
function redacted(url: string): string {
  return redactConnectionString(url);
}

/**
 * libpq's CA for a verifying sslmode named without sslrootcert: PGSSLROOTCERT, else ~/.postgresql/root.crt when it is
 * there (pg-connection-string would use Node's public roots instead, which never hold the stack's own CA).
 */
function withDefaultRootCert(url: string, env: NodeJS.ProcessEnv): string {
  const query = new URLSearchParams(url.split("?")[1] ?? "");
  const verifying = ["verify-ca", "verify-full"].includes(query.get("sslmode") ?? "");
  if (!verifying || query.has("sslrootcert")) return url;
  const fallback = env.HOME ? join(env.HOME, ".postgresql", "root.crt") : undefined;
  // PGSSLROOTCERT is used even when missing: reading it then fails, naming the file, as libpq does.
  const file = env.PGSSLROOTCERT || (fallback && existsSync(fallback) ? fallback : undefined);
  return file ? `${url}&sslrootcert=${encodeURIComponent(file)}` : url;
}

function fromUrl(name: string, given: string, env: NodeJS.ProcessEnv): PoolTarget {
  const url = withDefaultRootCert(given, env);
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ClientConfigError(
      `${name} = ${JSON.stringify(redacted(url))} is not a PostgreSQL URL: use postgresql://user:password@host:port/database`,
    );
  }
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    // libpq's meaning of sslmode (require: encrypted, not verified), as psql and the URLs we print expect.
    parsed = parseConnectionString(url, { useLibpqCompat: true });
  } catch (error) {
    throw new ClientConfigError(
      `${name} = ${JSON.stringify(redacted(url))} cannot be read: ${(error as Error).message}`,
    );
  }
  const missing = [!parsed.host && "host", !parsed.database && "database", !parsed.user && "user"].filter(Boolean);
  if (missing.length > 0) {
    throw new ClientConfigError(
      `${name} = ${JSON.stringify(redacted(url))} has no ${missing.join(", ")}: use postgresql://user:password@host:port/database`,
    );
  }
  const port = parsed.port ? Number(parsed.port) : 5432;
  return {
    label: `${parsed.host}:${port}/${parsed.database}`,
    config: {
      host: parsed.host!,
      port,
      database: parsed.database!,
      user: parsed.user!,
      ...(parsed.password ? { password: parsed.password } : {}),
      ...(parsed.ssl !== undefined ? { ssl: parsed.ssl as pg.PoolConfig["ssl"] } : {}),
    },
  };
}

/** From DATABASE_PRIMARY_URL, DATABASE_REPLICA_URL and, optionally, DATABASE_OLAP_URL. */
export function targetsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientTargets {
  const missing = [ENV_NAMES.primary, ENV_NAMES.replica].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ClientConfigError(
      `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: the client needs the write pool's and the read pool's URLs ` +
        "(a replica URL equal to the primary's would send every read to the primary; say so explicitly if that is meant). " +
        'For a local stack: eval "$(pg-read-replicas local env --stack <stack>)"; for a deployed one: pulumi stack output connectionUrls --show-secrets.',
    );
  }
  const olap = env[ENV_NAMES.olap];
  return {
    write: fromUrl(ENV_NAMES.primary, env[ENV_NAMES.primary]!, env),
    read: fromUrl(ENV_NAMES.replica, env[ENV_NAMES.replica]!, env),
    ...(olap ? { olap: fromUrl(ENV_NAMES.olap, olap, env) } : {}),
  };
}
