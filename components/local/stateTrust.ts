/**
 * What root checks before it believes state.json. The CLI runs as root and the servers as `postgres`; state.json
 * names who to run as, which binaries to run (root itself runs pg_controldata from pgBin) and which pids to signal.
 * A file the servers' user could have written or swapped would hand them root, so root reads only its own file
 * (0600, one name, no link), the identity it would choose now, binaries where binaries.ts looks for them, and pids
 * of processes this stack started (stackProcess.ts).
 */
import { postgresCandidates, pgbouncerCandidates } from "./binaries";
import type { RunAs } from "./identity";

export interface FileFacts {
  uid: number;
  mode: number;
  nlink: number;
  isFile: boolean;
}

/** Why root must not trust this state file, or undefined when it may. */
export function stateFileDistrust(file: FileFacts, myUid: number): string | undefined {
  if (!file.isFile) return "it is not a regular file";
  if (file.uid !== myUid) return `it is owned by uid ${file.uid}, not by uid ${myUid} who runs this CLI`;
  if ((file.mode & 0o077) !== 0) return `its mode is 0${(file.mode & 0o777).toString(8)}, not 0600`;
  if (file.nlink !== 1) return `it has ${file.nlink} names (hard links)`;
  return undefined;
}

/** Why the recorded identity differs from the one this CLI resolves now, or undefined. */
export function runAsDistrust(recorded: RunAs, now: RunAs): string | undefined {
  const keys = ["user", "uid", "gid", "home", "switchUser"] as const;
  const differs = keys.filter((key) => recorded[key] !== now[key]);
  if (differs.length === 0) return undefined;
  return `it runs the servers as ${recorded.user} (uid ${recorded.uid}), but this CLI runs them as ${now.user} (uid ${now.uid}); ${differs.join(", ")} differ`;
}

/** Why the recorded binaries are not ones binaries.ts would pick here, or undefined. */
export function binariesDistrust(
  recorded: { pgBin: string; pgbouncer: string },
  postgresVersion: number,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const pg = postgresCandidates(postgresVersion, env);
  if (!pg.includes(recorded.pgBin))
    return `its PostgreSQL binaries ${recorded.pgBin} are not where this CLI looks for PostgreSQL ${postgresVersion} (${pg.join(", ")}; PG_READ_REPLICAS_PG_BINDIR overrides)`;
  const bouncers = pgbouncerCandidates(env);
  if (!bouncers.includes(recorded.pgbouncer))
    return `its PgBouncer ${recorded.pgbouncer} is not where this CLI looks for PgBouncer (${bouncers.join(", ")}; PG_READ_REPLICAS_PGBOUNCER overrides)`;
  return undefined;
}
