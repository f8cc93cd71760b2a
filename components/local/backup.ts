/**
 * pgBackRest against a running local stack (issue 22): stanza-create once the writer is up, check, base backups
 * (each followed by pgBackRest's own expire per backup.retention), and the inventory. Every command runs as the
 * servers' user with the current writer's pgbackrest.conf: after a failover that is the promoted server's own file,
 * so it archives and backs up to the same stanza on its new timeline.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PGBACKREST } from "../facts/backup";
import { pgbackrestBackup } from "../render/pgbackrestConf";
import { type ArchiveLocation, archiveFiles, archiveLocation, ensureRepository } from "./archive";
import { type BackupInventory, parseBackupInfo } from "./backupInfo";
import { liveNodes, nodeByName, nodeContext } from "./contexts";
import { LocalError } from "./errors";
import { CommandError, run } from "./exec";
import type { Layout } from "./layout";
import { repairLostSlots } from "./lostSlots";
import { superuserSql } from "./postgresNode";
import type { LocalState } from "./state";

export type BackupType = "full" | "diff" | "incr";
export const BACKUP_TYPES: readonly BackupType[] = ["full", "diff", "incr"];

/** A backup of a small local stack takes seconds; a large one is bounded by this, not by a test's patience. */
const BACKUP_TIMEOUT_MS = 6 * 60 * 60_000;

export function requireArchive(state: LocalState): ArchiveLocation {
  const location = archiveLocation(state.topology, state.stack, state.runAs);
  if (!location)
    throw new LocalError(
      `stack ${state.stack} has no backup: set pg-read-replicas:backup: {enabled: true} in its stack file and run local up`,
    );
  return location;
}

/** How long a command waits out another pgBackRest process's lock (an async archive-push holds it for seconds). */
const LOCK_WAIT_MS = 60_000;

/** pgbackrest <command> with the writer's config, as the servers' user; retried while another process holds a lock. */
async function pgbackrest(
  layout: Layout,
  state: LocalState,
  args: string[],
  timeoutMs = 10 * 60_000,
): Promise<{ stdout: string; stderr: string }> {
  const location = requireArchive(state);
  const config = archiveFiles(layout, state.writer).configFile;
  const command = () =>
    run("pgbackrest", [`--config=${config}`, `--stanza=${location.stanza}`, ...args], {
      runAs: state.runAs,
      timeoutMs,
    });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      return await command();
    } catch (error) {
      // PGBACKREST.archiveLockFailsFast: no pgBackRest command waits for a lock by itself.
      const locked = error instanceof CommandError && error.exitCode === PGBACKREST.exitCodes.value.lockAcquire;
      if (!locked || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * A fresh stack must not write into a stanza an earlier stack left (local down keeps repositories): pgBackRest
 * would refuse it as another database, and mixing them would make restores ambiguous.
 */
export function refuseEarlierStanza(location: ArchiveLocation): void {
  const earlier = ["archive", "backup"]
    .map((kind) => join(location.repository, kind, location.stanza))
    .find((dir) => existsSync(dir) && readdirSync(dir).length > 0);
  if (!earlier) return;
  throw new LocalError(
    `backup.repository ${location.repository} already holds stanza ${location.stanza} (${earlier}), from an earlier stack: local down keeps backups. ` +
      `Set backup.repository to another directory, restore from it into a new stack, or delete it on purpose: rm -rf ${join(location.repository, "archive", location.stanza)} ${join(location.repository, "backup", location.stanza)}`,
  );
}

/** The repository and the stanza, once the writer runs (stanza-create is idempotent for the same database). */
export async function createStanza(layout: Layout, state: LocalState): Promise<void> {
  await ensureRepository(requireArchive(state), state.runAs);
  await pgbackrest(layout, state, ["stanza-create"]);
}

/** pgbackrest check: the writer's archive_command reaches the repository (it forces a WAL switch and waits). */
export async function checkArchive(layout: Layout, state: LocalState): Promise<void> {
  await pgbackrest(layout, state, ["check"]);
}

/**
 * A base backup now. A CHECKPOINT first: right after a promotion pg_control still names the old timeline and the
 * backup fails (facts PGBACKREST.backupAfterPromoteNeedsCheckpoint). pgBackRest expires per retention afterwards.
 */
export async function takeBackup(layout: Layout, state: LocalState, type: BackupType): Promise<BackupInventory> {
  await superuserSql(nodeContext(layout, state), nodeByName(state, state.writer), ["-c", "CHECKPOINT"]);
  try {
    await pgbackrest(layout, state, ["backup", `--type=${type}`], BACKUP_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof CommandError)
      throw new LocalError(`the ${type} backup of stack ${state.stack} failed: ${error.message}`);
    throw error;
  }
  return listBackups(layout, state);
}

/** pgbackrest info --output=json, read by its status codes (it exits 0 on an unreadable repository). */
export async function listBackups(layout: Layout, state: LocalState): Promise<BackupInventory> {
  const location = requireArchive(state);
  const { stdout } = await pgbackrest(layout, state, ["info", "--output=json"], 60_000);
  return parseBackupInfo(stdout, location.stanza, location.repository);
}

/**
 * The stanza, lost slots of replicas the archive covers re-created (lostSlots.ts), a check that WAL reaches the
 * repository, and a first full backup when there is none: a stack with a
 * backup is restorable from the moment `local up` returns. Runs on every `up` (created, resumed or changed).
 */
export async function ensureArchive(layout: Layout, state: LocalState): Promise<void> {
  if (!pgbackrestBackup(state.topology)) return;
  // A change of retention touches no postgresql.conf setting, so no server step rewrote these: rewrite them all.
  const node = nodeContext(layout, state);
  for (const member of liveNodes(state)) node.archive?.writeConfig(member);
  await createStanza(layout, state);
  await repairLostSlots(layout, state);
  // After a start (and a crash restart) the checkpointer sleeps a whole checkpoint_timeout before its first
  // archive_timeout switch (facts ARCHIVE_WATCH.firstSwitchAfterStartWaitsCheckpointTimeout): a CHECKPOINT wakes it,
  // so the recovery point is archive_timeout from the moment up returns, not checkpoint_timeout.
  await superuserSql(nodeContext(layout, state), nodeByName(state, state.writer), ["-c", "CHECKPOINT"]);
  await checkArchive(layout, state);
  const inventory = await listBackups(layout, state);
  if (inventory.backups.length === 0) await takeBackup(layout, state, "full");
}
