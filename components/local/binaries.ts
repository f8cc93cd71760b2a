/**
 * Locating PostgreSQL (of the topology's major version) and PgBouncer.
 * PG_READ_REPLICAS_PG_BINDIR and PG_READ_REPLICAS_PGBOUNCER override the search.
 */
import { UserError } from "../errors";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface Binaries {
  pgBin: string;
  pgbouncer: string;
}

export class MissingBinaryError extends UserError {
  override name = "MissingBinaryError";
}

const PG_TOOLS = ["initdb", "pg_ctl", "postgres", "psql", "pg_basebackup", "pg_isready"];

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
  return readdirSync("/usr/lib/postgresql").filter((v) => executable(join("/usr/lib/postgresql", v, "bin", "postgres")));
}

export function findPostgres(version: number, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.PG_READ_REPLICAS_PG_BINDIR;
  const candidates = override ? [override] : [`/usr/lib/postgresql/${version}/bin`, `/usr/local/pgsql/bin`];
  for (const dir of candidates) {
    if (PG_TOOLS.every((tool) => executable(join(dir, tool)))) return dir;
  }
  const installed = installedPostgresVersions();
  const lookedIn = candidates.join(", ");
  const hint = installed.length > 0
    ? `Installed here: PostgreSQL ${installed.join(", ")}; set postgresVersion to one of those in the stack, or install ${version}.`
    : `Install it: apt-get install postgresql-${version} (Debian/Ubuntu; add the PGDG repository for versions your release lacks).`;
  throw new MissingBinaryError(`PostgreSQL ${version} binaries not found (looked in ${lookedIn} for ${PG_TOOLS.join(", ")}). ${hint}`);
}

export function findPgbouncer(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.PG_READ_REPLICAS_PGBOUNCER;
  const candidates = override ? [override] : ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"];
  const found = candidates.find(executable);
  if (found) return found;
  throw new MissingBinaryError(`PgBouncer not found (looked at ${candidates.join(", ")}). Install it: apt-get install pgbouncer.`);
}

export function findBinaries(version: number, env: NodeJS.ProcessEnv = process.env): Binaries {
  return { pgBin: findPostgres(version, env), pgbouncer: findPgbouncer(env) };
}
