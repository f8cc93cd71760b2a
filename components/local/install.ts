/**
 * Installing PostgreSQL and PgBouncer for the quick start: through apt when this
 * is a Debian-like machine and we are root; otherwise the error says exactly how.
 */
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { MissingBinaryError, findPgbouncer, findPostgres } from "./binaries";
import { run } from "./exec";

export function missingPackages(version: number, env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  try {
    findPostgres(version, env);
  } catch (error) {
    if (!(error instanceof MissingBinaryError)) throw error;
    missing.push(`postgresql-${version}`);
  }
  try {
    findPgbouncer(env);
  } catch (error) {
    if (!(error instanceof MissingBinaryError)) throw error;
    missing.push("pgbouncer");
  }
  return missing;
}

export function canInstallWithApt(): boolean {
  return userInfo().uid === 0 && existsSync("/usr/bin/apt-get");
}

export async function installWithApt(packages: readonly string[]): Promise<void> {
  const root = { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false };
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await run("/usr/bin/apt-get", ["update", "-qq"], { runAs: root, env, timeoutMs: 10 * 60_000 });
  try {
    await run("/usr/bin/apt-get", ["install", "-y", "-qq", ...packages], { runAs: root, env, timeoutMs: 20 * 60_000 });
  } catch (error) {
    throw new MissingBinaryError(
      `apt-get could not install ${packages.join(" ")}: ${(error as Error).message.split("\n").slice(-3).join(" ")}. ` +
        "If your release lacks that PostgreSQL version, add the PGDG apt repository (https://www.postgresql.org/download/linux/debian/) or set postgresVersion to one it has.",
    );
  }
}

export function installHint(packages: readonly string[]): string {
  return `Install them first: sudo apt-get install ${packages.join(" ")} (Debian/Ubuntu), or run this command as root to have it do so.`;
}
