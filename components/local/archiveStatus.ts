/**
 * The WAL archive's rows of `local status`: the writer's archiver (last archived WAL and its age, failures and the
 * last one: sql/archiveState.ts) and the repository's newest base backup with its age (pgbackrest info).
 */
import { queryOnce } from "../contract/connection";
import { ARCHIVE_STATE_SQL, formatAge, formatArchiveState, parseArchiveState } from "../sql/archiveState";
import { archiveLocation } from "./archive";
import { listBackups } from "./backup";
import { newestBackup } from "./backupInfo";
import { endpointOf } from "./contexts";
import type { Layout } from "./layout";
import { localOutputs } from "./outputs";
import type { LocalState } from "./state";
import type { StatusRow } from "./status";

async function archiverRow(state: LocalState, repository: string): Promise<StatusRow> {
  const row = { role: "archive", name: `WAL archive from ${state.writer}`, endpoint: repository };
  try {
    const rows = await queryOnce({ outputs: localOutputs(state) }, endpointOf(state, state.writer), ARCHIVE_STATE_SQL, {
      stats: true,
    });
    return { ...row, state: formatArchiveState(parseArchiveState(rows[0] ?? [])) };
  } catch (error) {
    return { ...row, state: `unknown: ${(error as Error).message.split("\n")[0]}` };
  }
}

async function backupRow(layout: Layout, state: LocalState, now: number): Promise<StatusRow> {
  const row = { role: "backup", name: "newest base backup", endpoint: "-" };
  try {
    const inventory = await listBackups(layout, state);
    const newest = newestBackup(inventory);
    if (!newest) return { ...row, state: "none yet: local backup takes one" };
    const age = formatAge((now - Date.parse(newest.stop)) / 1000);
    const count = inventory.backups.length;
    return {
      ...row,
      state: `${newest.label} (${newest.type}) ended ${age} ago; ${count} backup${count === 1 ? "" : "s"} kept`,
    };
  } catch (error) {
    return { ...row, state: `unknown: ${(error as Error).message.split("\n")[0]}` };
  }
}

/** Nothing for a stack without backup. */
export async function archiveStatusRows(layout: Layout, state: LocalState, now = Date.now()): Promise<StatusRow[]> {
  const location = archiveLocation(state.topology, state.stack, state.runAs);
  if (!location) return [];
  return [await archiverRow(state, location.repository), await backupRow(layout, state, now)];
}
