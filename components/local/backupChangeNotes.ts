/**
 * What a change to `backup` does on a running local stack beyond postgresql.conf (whose archive lines the change
 * planner diffs like any setting: archive_mode restarts, archive_command, restore_command and archive_timeout
 * reload): the repository, the stanza and first backup, pgbackrest.conf's retention, and the schedule.
 */
import { pgbackrestBackup } from "../render/pgbackrestConf";
import type { PgbackrestBackup, Topology } from "../topology/types";

const retentionText = (b: PgbackrestBackup) =>
  b.retention.type === "time" ? `${b.retention.days}d` : `${b.retention.value} full`;

export function backupChangeNotes(current: Topology, next: Topology): string[] {
  const [a, b] = [pgbackrestBackup(current), pgbackrestBackup(next)];
  if (!a && b)
    return [
      "backup turned on: archive_mode needs every server restarted (the writer hands over); then the stanza is created, pgbackrest check runs and a first full backup is taken, so the stack is restorable when up returns",
    ];
  if (a && !b)
    return [
      "backup turned off: archiving stops after the restarts; the repository and its backups are kept (delete them on purpose)",
    ];
  if (!a || !b) return [];
  const notes: string[] = [];
  if (retentionText(a) !== retentionText(b))
    notes.push(
      `backup.retention ${retentionText(a)} → ${retentionText(b)}: each pgbackrest.conf is rewritten, no restart; the next backup expires by it`,
    );
  if (a.schedule !== b.schedule)
    notes.push(
      `backup.schedule "${a.schedule}" → "${b.schedule}" (UTC): the read pool controller takes it within a second, no restart`,
    );
  return notes;
}
