/**
 * What a source repository can restore (issue 22), from `pgbackrest info --output=json`, and whether a restore target
 * lies inside it: checked before the new writer's data directory is touched. `info` exits 0 even when the repository
 * is unreadable or the stanza missing, so its status codes are read, never its exit code (design note §b).
 */
import type { RestoreTarget } from "../topology/types";
import { LocalError } from "./errors";

export interface BackupSet {
  label: string;
  /** Seconds since the epoch. */
  stopTime: number;
  /** The backup is consistent once replay passes this LSN. */
  stopLsn: bigint;
}

export interface RepositoryRange {
  /** Oldest first. */
  backups: BackupSet[];
  /** The newest WAL segment in the archive (timeline, log, segment) and its archive id (e.g. 15-1), if any. */
  newest?: { archiveId: string; segment: string };
}

/** Where the range was read, for the errors. */
export interface RangeSource {
  repository: string;
  stanza: string;
}

/** PostgreSQL's default (and this project's: initdb runs without --wal-segsize). */
const WAL_SEGMENT_BYTES = 16n * 1024n * 1024n;

export function parseLsn(text: string): bigint | undefined {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  return match ? (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`) : undefined;
}

/** The first LSN after a WAL segment (name: 8 hex timeline, 8 hex log, 8 hex segment). */
export function segmentEnd(segment: string): bigint {
  const log = BigInt(`0x${segment.slice(8, 16)}`);
  const seg = BigInt(`0x${segment.slice(16, 24)}`);
  return (log << 32n) + (seg + 1n) * WAL_SEGMENT_BYTES;
}

interface InfoStanza {
  status?: { code?: number; message?: string };
  archive?: Array<{ id?: string; max?: string }>;
  backup?: Array<{ label?: string; timestamp?: { stop?: number }; lsn?: { stop?: string }; error?: boolean }>;
}

/** The stanza's backups and archive, or a clear error when the repository cannot restore anything. */
export function parseInfo(json: string, source: RangeSource): RepositoryRange {
  const where = `stanza ${source.stanza} in ${source.repository}`;
  let stanzas: InfoStanza[];
  try {
    stanzas = JSON.parse(json) as InfoStanza[];
  } catch {
    throw new LocalError(`restore.from: pgbackrest info did not answer in JSON for ${where}: ${json.slice(0, 200)}`);
  }
  const info = stanzas[0];
  if (!info || info.status?.code !== 0)
    throw new LocalError(
      `restore.from: ${where} cannot be restored from: ${info?.status?.message ?? "no stanza"} (pgbackrest info status ${info?.status?.code ?? "missing"}). ` +
        "Check restore.from (the source stack's backup.repository) and restore.fromStack (its stanza, by default the source stack's name).",
    );
  const backups = (info.backup ?? [])
    .filter((b) => b.error !== true && b.label && b.timestamp?.stop !== undefined && b.lsn?.stop)
    .map((b) => ({ label: b.label!, stopTime: b.timestamp!.stop!, stopLsn: parseLsn(b.lsn!.stop!) ?? 0n }));
  if (backups.length === 0)
    throw new LocalError(
      `restore.from: ${where} holds no complete base backup; take one on the source stack (pg-read-replicas local backup --stack ${source.stanza}) first`,
    );
  // Segment names sort by timeline first: the newest timeline's newest segment is the end of the archive.
  const newest = (info.archive ?? [])
    .filter((a) => typeof a.max === "string" && typeof a.id === "string")
    .map((a) => ({ archiveId: a.id!, segment: a.max! }))
    .sort((a, b) => a.segment.localeCompare(b.segment))
    .at(-1);
  return { backups, ...(newest ? { newest } : {}) };
}

/** The newest archived segment's file time, when the archive was last known to hold a commit. */
export interface ArchiveClock {
  newestArchivedAt?: Date;
  now: Date;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function timeSet(range: RepositoryRange, at: string, clock: ArchiveClock, where: string): BackupSet {
  const target = Date.parse(at);
  const oldest = range.backups[0]!;
  const usable = range.backups.filter((b) => b.stopTime * 1000 <= target);
  if (usable.length === 0)
    throw new LocalError(
      `restore.targetTime: ${at} is before the oldest base backup in ${where} (${oldest.label}, finished ${iso(oldest.stopTime)}); ` +
        `choose a time after ${iso(oldest.stopTime)}`,
    );
  const limit = clock.newestArchivedAt ?? clock.now;
  if (target > limit.getTime())
    throw new LocalError(
      `restore.targetTime: ${at} is after the newest WAL in ${where} (${range.newest?.segment ?? "none"}, archived ${limit.toISOString()}); ` +
        `choose a time before ${limit.toISOString()}, wait for the source to archive more (its backup.archiveTimeout), or restore latest: true`,
    );
  return usable.at(-1)!;
}

function lsnSet(range: RepositoryRange, text: string, where: string): BackupSet {
  const lsn = parseLsn(text);
  if (lsn === undefined)
    throw new LocalError(
      `restore.targetLsn: ${text} is not an LSN; write it as pg_current_wal_lsn() prints it, e.g. 0/3000060`,
    );
  const oldest = range.backups[0]!;
  const usable = range.backups.filter((b) => b.stopLsn <= lsn);
  if (usable.length === 0)
    throw new LocalError(
      `restore.targetLsn: ${text} is before the end of the oldest base backup in ${where} (${oldest.label}, consistent from ${lsnText(oldest.stopLsn)}); choose a later LSN`,
    );
  const end = range.newest === undefined ? undefined : segmentEnd(range.newest.segment);
  if (end === undefined || lsn >= end)
    throw new LocalError(
      `restore.targetLsn: ${text} is after the newest WAL in ${where} (${range.newest?.segment ?? "none"}, up to ${end === undefined ? "nothing" : lsnText(end)}); ` +
        "choose an earlier LSN, wait for the source to archive more, or restore latest: true",
    );
  return usable.at(-1)!;
}

export function lsnText(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * The base backup a target restores from (the newest that finished before it), or a clear error when the target lies
 * outside what the repository holds. Latest restores the newest backup and all archived WAL after it.
 */
export function backupSetFor(
  range: RepositoryRange,
  target: RestoreTarget,
  clock: ArchiveClock,
  source: RangeSource,
): BackupSet {
  const where = `stanza ${source.stanza} in ${source.repository}`;
  switch (target.type) {
    case "time":
      return timeSet(range, target.at, clock, where);
    case "lsn":
      return lsnSet(range, target.lsn, where);
    case "latest":
      return range.backups.at(-1)!;
  }
}
