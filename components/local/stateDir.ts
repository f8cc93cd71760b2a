/** The state directory: created step by step, owned by the servers' user, reachable by it. */
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { LocalError } from "./errors";
import { run } from "./exec";
import { ensureDir } from "./files";
import type { RunAs } from "./identity";
import { type Layout, MAX_SOCKET_DIR_LENGTH } from "./layout";

/**
 * Creates the missing parents one level at a time. (Node's recursive mkdirSync
 * spins forever under some pseudo-filesystems such as /proc.)
 */
function makeParents(path: string): void {
  const missing: string[] = [];
  let dir = dirname(path);
  while (!existsSync(dir)) {
    missing.unshift(dir);
    dir = dirname(dir);
  }
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
  accessSync(dir, constants.W_OK);
  for (const next of missing) mkdirSync(next);
}

function ancestors(path: string): string[] {
  const result: string[] = [];
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) result.unshift(dir);
  return result;
}

function otherUsersCanEnter(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o001) !== 0;
  } catch {
    return false;
  }
}

/** The stack's own mark on its state directory, so local down never deletes a directory it did not create. */
function markStateDirectory(layout: Layout): void {
  if (!existsSync(layout.markerFile))
    writeFileSync(layout.markerFile, "pg-read-replicas local stack state: local down deletes this directory\n", {
      mode: 0o644,
      flag: "wx",
    });
}

/**
 * pg_ctl starts the postmaster through /bin/sh with the data directory inside double quotes
 * (src/bin/pg_ctl/pg_ctl.c, start_postmaster), where $ ` \ and " still act: a state directory holding one would run
 * shell code as the servers' user.
 */
const SHELL_ACTIVE_IN_DOUBLE_QUOTES = /[$`"\\\n]/;

export function prepareDirectories(layout: Layout, runAs: RunAs): void {
  const active = SHELL_ACTIVE_IN_DOUBLE_QUOTES.exec(layout.root);
  if (active)
    throw new LocalError(
      `state directory ${JSON.stringify(layout.root)} holds ${JSON.stringify(active[0])}, which pg_ctl's shell would interpret; pass a --state-dir without $ \` " \\ or a newline.`,
    );
  if (layout.nodeSocketDir(999).length > MAX_SOCKET_DIR_LENGTH) {
    throw new LocalError(
      `state directory ${layout.root} is too deep for PostgreSQL's Unix sockets (${layout.nodeSocketDir(999).length} > ${MAX_SOCKET_DIR_LENGTH} characters); pass a shorter --state-dir.`,
    );
  }
  try {
    makeParents(layout.root);
    ensureDir(layout.root, runAs);
    markStateDirectory(layout);
  } catch (error) {
    throw new LocalError(
      `cannot create the state directory ${layout.root} (${(error as Error).message}); pass a writable --state-dir or set PG_READ_REPLICAS_STATE_DIR.`,
    );
  }
  for (const dir of [
    layout.socketDir,
    layout.logDir,
    layout.scriptsDir,
    join(layout.root, "nodes"),
    join(layout.root, "pools"),
  ])
    ensureDir(dir, runAs);
}

/** The servers run as runAs: every parent of the state directory must let that user through. */
export async function requireReachable(layout: Layout, runAs: RunAs): Promise<void> {
  try {
    await run("test", ["-w", layout.root, "-a", "-x", layout.root], { runAs });
  } catch {
    const blocking = ancestors(layout.root).find((dir) => !otherUsersCanEnter(dir));
    throw new LocalError(
      `${runAs.user} cannot reach the state directory ${layout.root}${blocking ? ` (${blocking} is not searchable by other users)` : ""}; ` +
        `chmod o+x ${blocking ?? "each parent directory"}, or pass a --state-dir whose parents other users can enter (e.g. mktemp -d, then chmod 755 it).`,
    );
  }
}
