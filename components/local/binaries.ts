/**
 * Locating PostgreSQL (of the topology's major version) and a PgBouncer new
 * enough for what the rendered pgbouncer.ini asks (prepared statements in
 * transaction pooling need 1.21). PG_READ_REPLICAS_PG_BINDIR and
 * PG_READ_REPLICAS_PGBOUNCER override the search.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { UserError } from "../ground/errors";
import { versionAtLeast } from "../ground/versions";

export interface Binaries {
  pgBin: string;
  pgbouncer: string;
  /** As `pgbouncer --version` prints it, e.g. 1.24.1. */
  pgbouncerVersion: string;
}

export class MissingBinaryError extends UserError {
  override name = "MissingBinaryError";
}

/** `max_prepared_statements` (protocol-level prepared statements in transaction pooling) arrived in 1.21. */
export const MIN_PGBOUNCER: readonly [number, number] = [1, 21];
/** The series built from Debian 13's source package when the system's PgBouncer is older. */
export const BUILT_PGBOUNCER_SERIES = "1.24";

const PG_TOOLS = ["initdb", "pg_ctl", "postgres", "psql", "pg_basebackup", "pg_isready"];
const SYSTEM_PGBOUNCERS = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function installedPostgresVersions(): string[] {
  if (!existsSync("/usr/lib/postgresql")) return [];
  return readdirSync("/usr/lib/postgresql").filter((v) =>
    executable(join("/usr/lib/postgresql", v, "bin", "postgres")),
  );
}

/**
 * The variables that change where binaries are looked for, to hand to the CLI's own daemons: they read state.json,
 * and root believes its binaries only where this search would look (stateTrust.ts).
 */
export function binaryOverrides(env: NodeJS.ProcessEnv): Record<string, string> {
  const names = [
    "PG_READ_REPLICAS_PG_BINDIR",
    "PG_READ_REPLICAS_PGBOUNCER",
    "PG_READ_REPLICAS_CACHE_DIR",
    "XDG_CACHE_HOME",
  ];
  return Object.fromEntries(names.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]!]])));
}

/** Where PostgreSQL's tools are looked for, in order: the override alone, or the packaged then the built place. */
export function postgresCandidates(version: number, env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.PG_READ_REPLICAS_PG_BINDIR;
  return override ? [override] : [`/usr/lib/postgresql/${version}/bin`, `/usr/local/pgsql/bin`];
}

export function findPostgres(version: number, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = postgresCandidates(version, env);
  for (const dir of candidates) {
    if (PG_TOOLS.every((tool) => executable(join(dir, tool)))) return dir;
  }
  const installed = installedPostgresVersions();
  const lookedIn = candidates.join(", ");
  const hint =
    installed.length > 0
      ? `Installed here: PostgreSQL ${installed.join(", ")}; set postgresVersion to one of those in the stack, or install ${version}.`
      : `Install it: apt-get install postgresql-${version} (Debian/Ubuntu; add the PGDG repository for versions your release lacks).`;
  throw new MissingBinaryError(
    `PostgreSQL ${version} binaries not found (looked in ${lookedIn} for ${PG_TOOLS.join(", ")}). ${hint}`,
  );
}

/** Where PgBouncer builds are cached: shared by every stack and checkout on this machine. */
export function pgbouncerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.PG_READ_REPLICAS_CACHE_DIR ??
    (userInfo().uid === 0
      ? "/var/cache/pg-read-replicas"
      : join(env.XDG_CACHE_HOME ?? join(userInfo().homedir, ".cache"), "pg-read-replicas"));
  return join(base, `pgbouncer-${BUILT_PGBOUNCER_SERIES}`);
}

/** The version a PgBouncer binary reports ("PgBouncer 1.24.1" on its first line), or undefined if it does not run. */
export function pgbouncerVersion(path: string): string | undefined {
  try {
    const out = execFileSync(path, ["--version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    return /^PgBouncer (\d+\.\d+\.\d+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

export function isRecentEnough(version: string): boolean {
  return versionAtLeast(version, MIN_PGBOUNCER.join("."));
}

export interface PgbouncerSearch {
  found?: { path: string; version: string };
  /** Every candidate looked at and what it was, for the error message. */
  rejected: string[];
}

/** The first PgBouncer ≥ 1.21: the override, then this machine's cached build, then the system's. */
/** Where PgBouncer is looked for, in order: the override alone, or this machine's cached build, then the system's. */
export function pgbouncerCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.PG_READ_REPLICAS_PGBOUNCER;
  return override ? [override] : [join(pgbouncerCacheDir(env), "bin", "pgbouncer"), ...SYSTEM_PGBOUNCERS];
}

export function searchPgbouncer(env: NodeJS.ProcessEnv = process.env): PgbouncerSearch {
  const candidates = pgbouncerCandidates(env);
  const rejected: string[] = [];
  for (const path of candidates) {
    if (!executable(path)) continue;
    const version = pgbouncerVersion(path);
    if (version && isRecentEnough(version)) return { found: { path, version }, rejected };
    rejected.push(`${path} is ${version ? `PgBouncer ${version}` : "not a working PgBouncer"}`);
  }
  return { rejected };
}

export function findPgbouncer(env: NodeJS.ProcessEnv = process.env): { path: string; version: string } {
  const { found, rejected } = searchPgbouncer(env);
  if (found) return found;
  const seen = rejected.length > 0 ? ` (${rejected.join("; ")})` : "";
  throw new MissingBinaryError(
    `no PgBouncer ${MIN_PGBOUNCER.join(".")} or newer found${seen}: transaction pooling needs it for prepared statements. ` +
      `Run pg-read-replicas local up as root to build ${BUILT_PGBOUNCER_SERIES} from Debian 13's source, or point PG_READ_REPLICAS_PGBOUNCER at one.`,
  );
}

export function findBinaries(version: number, env: NodeJS.ProcessEnv = process.env): Binaries {
  const pgbouncer = findPgbouncer(env);
  return { pgBin: findPostgres(version, env), pgbouncer: pgbouncer.path, pgbouncerVersion: pgbouncer.version };
}
