/**
 * What this machine needs before a stack can run, as progress steps: PostgreSQL
 * from apt, and PgBouncer ≥ 1.21 built from Debian 13's source package when the
 * system's is older (Debian 12 has 1.18). Both the CLI and the test suites
 * provision through here, so `npm test` on a fresh machine needs no other set-up.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../ground/paths";
import {
  BUILT_PGBOUNCER_SERIES,
  MissingBinaryError,
  findPostgres,
  pgbouncerCacheDir,
  searchPgbouncer,
} from "./binaries";
import { run } from "./exec";
import { MONITORING_BINARIES } from "./monitoring";
import type { RunAs } from "./identity";

export interface ProvisionStep {
  title: string;
  run: () => Promise<void>;
}

const ROOT: RunAs = { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false };
export const BUILD_SCRIPT = join(PROJECT_ROOT, "scripts", "build-pgbouncer.sh");

function canUseApt(): boolean {
  return userInfo().uid === 0 && existsSync("/usr/bin/apt-get");
}

async function aptInstall(packages: readonly string[]): Promise<void> {
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await run("/usr/bin/apt-get", ["update", "-qq"], { runAs: ROOT, env, timeoutMs: 10 * 60_000 });
  try {
    // Without recommends: prometheus would pull in node-exporter and its collectors.
    await run("/usr/bin/apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
      runAs: ROOT,
      env,
      timeoutMs: 20 * 60_000,
    });
  } catch (error) {
    throw new MissingBinaryError(
      `apt-get could not install ${packages.join(" ")}: ${(error as Error).message.split("\n").slice(-3).join(" ")}. ` +
        "If your release lacks that PostgreSQL version, add the PGDG apt repository (https://www.postgresql.org/download/linux/debian/) or set postgresVersion to one it has.",
    );
  }
}

function postgresMissing(version: number, env: NodeJS.ProcessEnv): boolean {
  try {
    findPostgres(version, env);
    return false;
  } catch (error) {
    if (error instanceof MissingBinaryError) return true;
    throw error;
  }
}

/**
 * The steps that make PostgreSQL `version` and a recent PgBouncer available; empty when both are.
 * Refuses at once, with the command to run, when they are missing and `install` is off or we are not root.
 */
/** Debian 12's pgBackRest (2.45, facts/backup/pgbackrest.ts), which archive_command and the backups run. */
export const PGBACKREST_BINARY = "/usr/bin/pgbackrest";

/** Debian's packages for monitoring: Prometheus (and promtool), postgres_exporter. */
export const MONITORING_PACKAGES = ["prometheus", "prometheus-postgres-exporter"] as const;

function monitoringMissing(): boolean {
  return !Object.values(MONITORING_BINARIES).every((path) => existsSync(path));
}

export function provisionSteps(
  version: number,
  options: { install: boolean; monitoring?: boolean; backup?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): ProvisionStep[] {
  const steps: ProvisionStep[] = [];
  const needPostgres = postgresMissing(version, env);
  const needMonitoring = options.monitoring === true && monitoringMissing();
  const needPgbackrest = options.backup === true && !existsSync(PGBACKREST_BINARY);
  const pgbouncer = searchPgbouncer(env);
  const mayInstall = options.install && canUseApt() && env.PG_READ_REPLICAS_PGBOUNCER === undefined;
  if (!mayInstall && (needPostgres || !pgbouncer.found || needMonitoring || needPgbackrest)) {
    const fixes = [
      ...(needPgbackrest
        ? [
            "pgBackRest for backup (install it: sudo apt-get install --no-install-recommends pgbackrest; or set backup.enabled: false)",
          ]
        : []),
      ...(needMonitoring
        ? [
            `Prometheus and postgres_exporter for monitoring (install them: sudo apt-get install --no-install-recommends ${MONITORING_PACKAGES.join(" ")}; or set monitoring.enabled: false)`,
          ]
        : []),
      ...(needPostgres ? [`postgresql-${version} (install it: sudo apt-get install postgresql-${version})`] : []),
      ...(pgbouncer.found
        ? []
        : [
            `PgBouncer 1.21 or newer${pgbouncer.rejected.length > 0 ? ` (${pgbouncer.rejected.join("; ")})` : ""} ` +
              `(build ${BUILT_PGBOUNCER_SERIES} from Debian 13's source: sudo bash ${BUILD_SCRIPT} ${pgbouncerCacheDir(env)})`,
          ]),
    ];
    throw new MissingBinaryError(
      `missing: ${fixes.join("; ")}. Or run this command as root, without --no-install, to have it done.`,
    );
  }
  if (needPostgres)
    steps.push({
      title: `Install PostgreSQL ${version} with apt-get`,
      run: () => aptInstall([`postgresql-${version}`]),
    });
  if (needMonitoring)
    steps.push({
      title: `Install ${MONITORING_PACKAGES.join(" and ")} with apt-get (monitoring)`,
      run: () => aptInstall(MONITORING_PACKAGES),
    });
  if (needPgbackrest)
    steps.push({
      title: "Install pgbackrest with apt-get (backup)",
      run: () => aptInstall(["pgbackrest"]),
    });
  if (!pgbouncer.found) {
    const cache = pgbouncerCacheDir(env);
    const why =
      pgbouncer.rejected.length > 0
        ? `${pgbouncer.rejected.join("; ")}, too old for prepared statements`
        : "none installed";
    steps.push({
      title: `Build PgBouncer ${BUILT_PGBOUNCER_SERIES} from Debian 13's source (${why}; cached in ${cache})`,
      run: async () => {
        await run("bash", [BUILD_SCRIPT, cache], {
          runAs: ROOT,
          env: { DEBIAN_FRONTEND: "noninteractive" },
          timeoutMs: 20 * 60_000,
        });
      },
    });
  }
  return steps;
}

/** Whether apt here can install this PostgreSQL major (the release or a configured repository has it). */
function aptHas(version: number): boolean {
  try {
    const out = execFileSync("apt-cache", ["policy", `postgresql-${version}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 20_000,
    });
    return /Candidate: (?!\(none\))/.test(out);
  } catch {
    return false;
  }
}

/**
 * The PostgreSQL major a rehearsal runs: the stack's own when it is installed or apt can
 * install it; otherwise the newest this machine has or can get (Debian 12: 15), said as a change.
 */
export function rehearsalVersion(
  version: 15 | 16 | 17,
  env: NodeJS.ProcessEnv = process.env,
): { version: 15 | 16 | 17; change?: string } {
  if (!postgresMissing(version, env) || aptHas(version)) return { version };
  const fallback = ([17, 16, 15] as const).find((candidate) => !postgresMissing(candidate, env) || aptHas(candidate));
  if (!fallback) return { version };
  return {
    version: fallback,
    change: `PostgreSQL ${version} → ${fallback}: this machine has no ${version} (Debian 12 ships 15; add the PGDG repository to rehearse ${version}); the rendered settings are the same for 15–17`,
  };
}
