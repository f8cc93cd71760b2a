/**
 * `local backup` (a base backup now) and `local backups` (the repository's backups with their WAL range), for a
 * local stack with backup.enabled.
 */
import Table from "cli-table3";
import { BACKUP_TYPES, type BackupType, listBackups, requireArchive, takeBackup } from "../components/local/backup";
import type { BackupInventory } from "../components/local/backupInfo";
import { LocalError, type LocalRunner } from "../components/local/runner";
import type { LocalState } from "../components/local/state";
import { stderr } from "./shared";

function requireStack(runner: LocalRunner, stack: string): LocalState {
  const state = runner.state();
  if (!state) throw new LocalError(`no local stack ${stack} at ${runner.layout.root}; start one with local up`);
  return state;
}

export function parseBackupType(text: string): BackupType {
  if ((BACKUP_TYPES as readonly string[]).includes(text)) return text as BackupType;
  throw new LocalError(`--type ${text}: use one of ${BACKUP_TYPES.join(", ")}`);
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

export function backupsTable(inventory: BackupInventory): string {
  const table = new Table({
    head: ["label", "type", "start (UTC)", "stop (UTC)", "WAL start", "WAL stop", "database", "in repository"],
    style: { head: [], border: [] },
  });
  for (const b of inventory.backups)
    table.push([
      b.label,
      b.type,
      b.start,
      b.stop,
      b.walStart,
      b.walStop,
      megabytes(b.databaseBytes),
      megabytes(b.repositoryBytes),
    ]);
  const wal = inventory.wal ? `archived WAL ${inventory.wal.min} … ${inventory.wal.max}` : "no WAL archived yet";
  const none = inventory.backups.length === 0 ? "\nNo base backup yet: take one with local backup." : "";
  return `Repository ${inventory.repository}, stanza ${inventory.stanza}; ${wal}\n${table.toString()}${none}`;
}

export async function localBackup(runner: LocalRunner, stack: string, type: BackupType): Promise<void> {
  const state = requireStack(runner, stack);
  const location = requireArchive(state);
  stderr(`Taking a ${type} backup of ${state.writer} into ${location.repository} (stanza ${location.stanza}) …`);
  const inventory = await takeBackup(runner.layout, state, type);
  const newest = inventory.backups.at(-1);
  stderr(`Done: ${newest?.label ?? "?"} (WAL ${newest?.walStart ?? "?"} … ${newest?.walStop ?? "?"}).`);
  console.log(backupsTable(inventory));
}

export async function localBackups(runner: LocalRunner, stack: string, json: boolean): Promise<void> {
  const inventory = await listBackups(runner.layout, requireStack(runner, stack));
  console.log(json ? JSON.stringify(inventory, null, 2) : backupsTable(inventory));
}
