/**
 * `pgbackrest info --output=json`, read: each base backup with its WAL range, and the stanza's status. pgBackRest exits
 * 0 even when the repository is unreadable or the stanza missing, so the status codes decide (pgBackRest 2.45
 * src/command/info/info.c: INFO_STANZA_STATUS_CODE_*; facts/backup/pgbackrest.ts).
 */
import { z } from "zod";

/**
 * Stanza status codes of `info` (pgBackRest 2.45 src/command/info/info.c, INFO_STANZA_STATUS_CODE_*: 0 ok, 1 missing
 * stanza path, 2 no valid backups, 3 missing stanza data, 4 mixed across repositories, 99 other, e.g. unreadable).
 */
export const INFO_STATUS = {
  ok: 0,
  missingStanzaPath: 1,
  noBackup: 2,
  missingStanzaData: 3,
  mixed: 4,
  other: 99,
} as const;

export interface BaseBackup {
  label: string;
  type: "full" | "diff" | "incr";
  /** ISO times (UTC). */
  start: string;
  stop: string;
  /** First and last WAL segment the backup needs to be consistent. */
  walStart: string;
  walStop: string;
  /** Bytes of the database when backed up, and stored in the repository (compressed; diff/incr: the delta only). */
  databaseBytes: number;
  repositoryBytes: number;
}

export interface BackupInventory {
  stanza: string;
  repository: string;
  backups: BaseBackup[];
  /** Archived WAL of the current database: oldest and newest segment kept. */
  wal?: { min: string; max: string };
}

const status = z.object({ code: z.number(), message: z.string() });
const backupSchema = z.object({
  label: z.string(),
  type: z.enum(["full", "diff", "incr"]),
  timestamp: z.object({ start: z.number(), stop: z.number() }),
  archive: z.object({ start: z.string().nullable(), stop: z.string().nullable() }),
  info: z.object({ size: z.number(), repository: z.object({ delta: z.number() }) }),
});
const stanzaSchema = z.object({
  name: z.string(),
  status,
  backup: z.array(backupSchema),
  archive: z.array(z.object({ min: z.string().nullable(), max: z.string().nullable() })),
});
const infoSchema = z.array(stanzaSchema);

/** Thrown when the repository cannot be read or the stanza is unusable: the message says which and what to do. */
export class BackupInfoError extends Error {
  override name = "BackupInfoError";
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** The stanza's backups, oldest first; an empty list when the stanza has none yet (status 2). */
export function parseBackupInfo(json: string, stanza: string, repository: string): BackupInventory {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new BackupInfoError(`pgbackrest info printed no JSON for stanza ${stanza}: ${json.slice(0, 200)}`);
  }
  const result = infoSchema.safeParse(parsed);
  if (!result.success)
    throw new BackupInfoError(`pgbackrest info: unexpected output (${result.error.issues[0]?.message ?? "shape"})`);
  const found = result.data.find((s) => s.name === stanza);
  if (!found) throw new BackupInfoError(`pgbackrest info lists no stanza ${stanza} in ${repository}`);
  const code = found.status.code;
  if (code !== INFO_STATUS.ok && code !== INFO_STATUS.noBackup)
    throw new BackupInfoError(
      `the repository ${repository} is not usable for stanza ${stanza}: ${found.status.message} (pgBackRest status ${code})`,
    );
  const wal = found.archive.at(-1);
  return {
    stanza,
    repository,
    backups: found.backup.map((b) => ({
      label: b.label,
      type: b.type,
      start: iso(b.timestamp.start),
      stop: iso(b.timestamp.stop),
      walStart: b.archive.start ?? "",
      walStop: b.archive.stop ?? "",
      databaseBytes: b.info.size,
      repositoryBytes: b.info.repository.delta,
    })),
    ...(wal?.min && wal.max ? { wal: { min: wal.min, max: wal.max } } : {}),
  };
}

/** The newest backup, if any. */
export function newestBackup(inventory: BackupInventory): BaseBackup | undefined {
  return inventory.backups.at(-1);
}
