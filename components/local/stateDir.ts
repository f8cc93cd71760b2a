/**
 * The state directory: created step by step and reachable by the servers' user. As root, the directory itself is
 * root's (0711): what root trusts lives there (state.json, outputs.json, the marker), and the servers' user, who
 * owns the directories under it, cannot rename, replace or plant entries in it.
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fchownSync,
  mkdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { LocalError } from "./errors";
import { run } from "./exec";
import { ensureDir } from "./files";
import type { RunAs } from "./identity";
import { type Layout, MAX_SOCKET_DIR_LENGTH } from "./layout";
import { openDirectory, untrustedFor } from "./safePaths";

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

/**
 * The state root as root keeps it when the servers run as another user: root's, 0711 (they pass through, they
 * cannot list or change it). Otherwise the invoking user's, 0700. Also moves a stack made when the servers' user
 * owned the root.
 */
export function secureStateRoot(root: string, runAs: RunAs): void {
  const who = untrustedFor(runAs);
  const fd = openDirectory(root, who, 0o700);
  try {
    if (who) fchownSync(fd, process.geteuid!(), process.getegid!());
    fchmodSync(fd, who ? 0o711 : 0o700);
  } finally {
    closeSync(fd);
  }
}

/**
 * A parent of the state root the servers' user could rename or replace entries in (its own, or writable without the
 * sticky bit) would let them swap the whole state directory. The sticky /tmp is fine: they cannot move root's entry.
 */
export function parentOpenToServers(
  parent: { uid: number; gid: number; mode: number },
  who: { uid: number; gid: number },
): boolean {
  if (parent.uid === who.uid) return true;
  if ((parent.mode & 0o020) !== 0 && parent.gid === who.gid) return true;
  return (parent.mode & 0o002) !== 0 && (parent.mode & 0o1000) === 0;
}

function refuseParentsOpenToServers(layout: Layout, runAs: RunAs): void {
  const who = untrustedFor(runAs);
  if (!who) return;
  const open = ancestors(layout.root).find((dir) => parentOpenToServers(statSync(dir), who));
  if (open)
    throw new LocalError(
      `state directory ${layout.root}: its parent ${open} can be changed by ${runAs.user}, who runs the servers, so they could swap the state root that root trusts; ` +
        `pass a --state-dir whose parents only root can change (e.g. under /var/lib/pg-read-replicas or mktemp -d in /tmp).`,
    );
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
  const cannotCreate = (error: unknown) =>
    new LocalError(
      `cannot create the state directory ${layout.root} (${(error as Error).message}); pass a writable --state-dir or set PG_READ_REPLICAS_STATE_DIR.`,
    );
  try {
    makeParents(layout.root);
  } catch (error) {
    throw cannotCreate(error);
  }
  refuseParentsOpenToServers(layout, runAs);
  try {
    secureStateRoot(layout.root, runAs);
    markStateDirectory(layout);
  } catch (error) {
    throw cannotCreate(error);
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

/** The servers run as runAs: the state directory and every parent must let that user through. */
export async function requireReachable(layout: Layout, runAs: RunAs): Promise<void> {
  try {
    await run("test", ["-x", layout.root], { runAs });
  } catch {
    const blocking = ancestors(layout.root).find((dir) => !otherUsersCanEnter(dir));
    throw new LocalError(
      `${runAs.user} cannot reach the state directory ${layout.root}${blocking ? ` (${blocking} is not searchable by other users)` : ""}; ` +
        `chmod o+x ${blocking ?? "each parent directory"}, or pass a --state-dir whose parents other users can enter (e.g. mktemp -d, then chmod 755 it).`,
    );
  }
}
