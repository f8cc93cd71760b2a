/**
 * The local WAL archive (issue 22): where a stack's pgBackRest repository is, each server's own pgbackrest.conf
 * (pg1-path is that server's data directory: archive-push checks it, so a promoted replica archives with its own
 * file), and the directories pgBackRest writes. The repository lives outside the state directory, so `local down`
 * keeps it.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { localBackupLocation } from "../topology/backup";
import type { DatabaseNode, Topology } from "../topology/types";
import {
  type ArchivePaths,
  type PgbackrestPlacement,
  pgbackrestBackup,
  renderPgbackrestConf,
} from "../render/pgbackrestConf";
import { LocalError } from "./errors";
import { run } from "./exec";
import { ensureDir, writeOwnedFile } from "./files";
import type { RunAs } from "./identity";
import type { Layout } from "./layout";

/** A stack's repository directory and stanza. */
export interface ArchiveLocation {
  repository: string;
  stanza: string;
}

/**
 * The repository and stanza of a stack with a backup; undefined without one. `~` is the home of the user the servers
 * run as (postgres when the CLI runs as root: root's home is 0700, and archive-push, run by PostgreSQL, writes here).
 */
export function archiveLocation(topology: Topology, stack: string, runAs: RunAs): ArchiveLocation | undefined {
  const backup = pgbackrestBackup(topology);
  if (!backup) return undefined;
  if (backup.repository.kind !== "posix")
    throw new LocalError(
      `stack ${stack} archives to a ${backup.repository.kind} repository; the local backend archives to a directory only, so it cannot rehearse this stack's backups yet`,
    );
  const { path, stanza } = localBackupLocation(backup, stack, runAs.home);
  return { repository: path, stanza };
}

/** One server's pgBackRest files, all under its node directory (lock and spool are per server: see archiveDirs). */
export function archiveFiles(
  layout: Layout,
  node: string,
): { configFile: string; lockPath: string; spoolPath: string; logPath: string } {
  const dir = join(layout.nodeDir(node), "pgbackrest");
  return {
    configFile: join(dir, "pgbackrest.conf"),
    lockPath: join(dir, "lock"),
    spoolPath: join(dir, "spool"),
    logPath: join(layout.logDir, "pgbackrest", node),
  };
}

/** What postgresql.conf's archive_command and restore_command name for this server. */
export function archivePathsOf(layout: Layout, location: ArchiveLocation, node: string): ArchivePaths {
  return { configFile: archiveFiles(layout, node).configFile, stanza: location.stanza };
}

export interface ServerAddress {
  port: number;
  socketDirectory: string;
}

export function placementOf(
  layout: Layout,
  location: ArchiveLocation,
  node: string,
  address: ServerAddress,
): PgbackrestPlacement {
  const files = archiveFiles(layout, node);
  return {
    stanza: location.stanza,
    dataDirectory: layout.dataDir(node),
    port: address.port,
    socketDirectory: address.socketDirectory,
    repositoryPath: location.repository,
    logPath: files.logPath,
    lockPath: files.lockPath,
    spoolPath: files.spoolPath,
  };
}

/** Missing directories on the way to `path`, outermost first. */
function missingAncestors(path: string): string[] {
  const missing: string[] = [];
  for (let dir = dirname(path); !existsSync(dir); dir = dirname(dir)) missing.unshift(dir);
  return missing;
}

/**
 * The repository directory, owned by the servers' user (0750, as pgBackRest makes its own directories). Missing
 * parents are made for it too (0700, same owner). Refuses, naming the key, when the servers' user cannot write it.
 */
export async function ensureRepository(location: ArchiveLocation, runAs: RunAs): Promise<void> {
  for (const dir of missingAncestors(location.repository)) ensureDir(dir, runAs, 0o700);
  ensureDir(location.repository, runAs, 0o750);
  try {
    await run("test", ["-w", location.repository, "-a", "-x", location.repository], { runAs });
  } catch {
    throw new LocalError(
      `backup.repository ${location.repository}: the servers run as ${runAs.user}, who cannot reach or write it (a parent directory is closed to them). Use a directory ${runAs.user} can reach, e.g. under ${runAs.home}.`,
    );
  }
}

/** This server's pgbackrest.conf and the directories it names (the repository is made once, by ensureRepository). */
export function writeArchiveConfig(
  layout: Layout,
  topology: Topology,
  location: ArchiveLocation,
  node: DatabaseNode,
  address: ServerAddress,
  runAs: RunAs,
): void {
  const files = archiveFiles(layout, node.name);
  ensureDir(dirname(files.configFile), runAs);
  ensureDir(files.lockPath, runAs);
  ensureDir(files.spoolPath, runAs);
  ensureDir(dirname(files.logPath), runAs, 0o755);
  ensureDir(files.logPath, runAs);
  const text = renderPgbackrestConf(topology, node.name, placementOf(layout, location, node.name, address));
  writeOwnedFile(files.configFile, text, runAs);
}

/** What `local down` says about a stack's repository: kept, where, and how to delete it on purpose. */
export function keptRepository(
  state: { topology: Topology; stack: string; runAs: RunAs } | undefined,
): string | undefined {
  const location = state && archiveLocation(state.topology, state.stack, state.runAs);
  if (!location) return undefined;
  return (
    `Kept the backup repository ${location.repository} (stanza ${location.stanza}): its base backups and WAL archive ` +
    `outlive the stack, to restore from. Delete it on purpose with: rm -rf ${location.repository}`
  );
}
