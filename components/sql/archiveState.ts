/**
 * The WAL archive's state as one writer reports it: pg_stat_archiver with archive_mode and archive_timeout, the
 * segments waiting in pg_wal/archive_status, and the newest backup history file in pg_wal. One statement (the verifier
 * and `local status` run it), a pure parse into ArchiveState, and the line both print. Nothing is decided here but
 * what "failing now" means (`archiveFailing`).
 *
 * Every function it calls is open to pg_monitor (pg_ls_waldir, pg_ls_archive_statusdir since PostgreSQL 12), which
 * the application and monitoring roles hold (render/bootstrapSql.ts). Times are returned as epoch seconds together
 * with the server's own now(), so an age never mixes two clocks.
 */

/**
 * How long past archive_timeout WAL may wait for the archive before it counts as behind: the switch waits for the
 * checkpointer's next round, then archive_command runs (and, for an alert, a scrape).
 */
export const ARCHIVE_MARGIN_S = 60;

/** The columns, in this order. */
export const ARCHIVE_STATE_COLUMNS = [
  "in_recovery",
  "archive_mode",
  "archive_timeout_s",
  "archived_count",
  "last_archived_wal",
  "last_archived_time",
  "failed_count",
  "last_failed_wal",
  "last_failed_time",
  "stats_reset",
  "ready_segments",
  "oldest_ready_time",
  "newest_backup_label",
  "newest_backup_time",
  "server_now",
] as const;

/** A segment file's name: timeline, log and segment, 24 hex digits. */
const SEGMENT = "[0-9A-F]{24}";
/** A complete segment waiting for archive_command (pg_wal/archive_status/<segment>.ready). */
export const READY_SEGMENT = `^${SEGMENT}\\.ready$`;
/** A backup history file, `<start segment>.<offset>.backup`: pg_backup_stop writes it on the server backed up. */
export const BACKUP_HISTORY = `^${SEGMENT}\\.[0-9A-F]{8}\\.backup$`;

/**
 * Failing now, as SQL over pg_stat_archiver `a`: the newest failure is newer than the newest success (archiveFailing()
 * says why). The exporter's gauge and the parse decide alike.
 */
export const ARCHIVE_FAILING_SQL =
  "(a.last_failed_time IS NOT NULL AND (a.last_archived_time IS NULL OR a.last_failed_time > a.last_archived_time))";

/** The segment size in bytes (wal_segment_size, 16MB unless initdb was told otherwise). */
export const SEGMENT_BYTES_SQL = "pg_size_bytes(current_setting('wal_segment_size'))";

/**
 * Where the segment a file name starts with begins, in bytes of WAL (the same scale as pg_wal_lsn_diff(lsn, '0/0')):
 * its log and segment numbers (hex digits 9-16 and 17-24; the timeline, digits 1-8, does not move the position).
 */
export function segmentStartBytesSql(name: string): string {
  const hex = (from: number) => `('x' || substr(${name}, ${from}, 8))::bit(32)::bigint`;
  return `((${hex(9)} * (4294967296 / ${SEGMENT_BYTES_SQL}) + ${hex(17)}) * ${SEGMENT_BYTES_SQL})`;
}

const epoch = (column: string) => `extract(epoch FROM ${column})::float8`;

export const ARCHIVE_STATE_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
       current_setting('archive_mode') AS archive_mode,
       (SELECT setting::int FROM pg_settings WHERE name = 'archive_timeout') AS archive_timeout_s,
       a.archived_count, a.last_archived_wal, ${epoch("a.last_archived_time")} AS last_archived_time,
       a.failed_count, a.last_failed_wal, ${epoch("a.last_failed_time")} AS last_failed_time,
       ${epoch("a.stats_reset")} AS stats_reset,
       r.ready_segments, ${epoch("r.oldest_ready_time")} AS oldest_ready_time,
       b.name AS newest_backup_label, ${epoch("b.modification")} AS newest_backup_time,
       ${epoch("now()")} AS server_now
FROM pg_stat_archiver a
CROSS JOIN (SELECT count(*)::int AS ready_segments, min(modification) AS oldest_ready_time
            FROM pg_ls_archive_statusdir() WHERE name ~ '${READY_SEGMENT}') r
LEFT JOIN LATERAL (SELECT name, modification FROM pg_ls_waldir() WHERE name ~ '${BACKUP_HISTORY}'
                   ORDER BY modification DESC, name DESC LIMIT 1) b ON true`;

/** A WAL file and when it happened, as ages on the server's clock. */
export interface ArchiveEvent {
  wal: string;
  at: Date;
  ageSeconds: number;
}

export interface ArchiveState {
  /** false on the writer; a standby archives nothing unless archive_mode = always. */
  inRecovery: boolean;
  mode: string;
  /** 0: no forced segment switch (then an idle-then-written segment waits until it is full). */
  timeoutSeconds: number;
  archivedCount: number;
  lastArchived?: ArchiveEvent;
  failedCount: number;
  lastFailed?: ArchiveEvent;
  statsReset?: Date;
  /** Complete segments whose .ready file waits for archive_command. */
  readySegments: number;
  oldestReadyAgeSeconds?: number;
  /** The newest base backup that ended on this server (its backup history file), when pg_wal still holds it. */
  newestBaseBackup?: ArchiveEvent;
  /** archiveFailing(): the last attempt failed. */
  failing: boolean;
}

const seconds = (value: unknown) => (value === null || value === undefined ? undefined : Number(value));
const count = (value: unknown) => Number(value ?? 0);
const dateOf = (s: number) => new Date(Math.round(s * 1000));

function event(wal: unknown, at: unknown, now: number): ArchiveEvent | undefined {
  const s = seconds(at);
  if (wal === null || wal === undefined || s === undefined) return undefined;
  return { wal: String(wal), at: dateOf(s), ageSeconds: Math.max(0, now - s) };
}

/**
 * Archiving is failing now when the newest failure is newer than the newest success. failed_count alone says nothing
 * about now: it only grows (until stats_reset), and PostgreSQL retries the same segment until archive_command
 * succeeds, so a failure followed by a success left no gap in the archive. A failure with no success after it means
 * WAL is piling up in pg_wal and the recovery point stands still.
 */
export function archiveFailing(lastArchived: ArchiveEvent | undefined, lastFailed: ArchiveEvent | undefined): boolean {
  if (!lastFailed) return false;
  return !lastArchived || lastFailed.at.getTime() > lastArchived.at.getTime();
}

/** The statement's one row (array mode, as the pg driver returns it: bigint as text, float8 as number). */
export function parseArchiveState(values: readonly unknown[]): ArchiveState {
  if (values.length !== ARCHIVE_STATE_COLUMNS.length)
    throw new Error(`archive state: ${values.length} columns, expected ${ARCHIVE_STATE_COLUMNS.length}`);
  const [inRecovery, mode, timeout, archived, lastWal, lastAt, failed, failedWal, failedAt, reset, ready, oldest] =
    values;
  const [backupLabel, backupAt, serverNow] = values.slice(12);
  const now = seconds(serverNow);
  if (now === undefined) throw new Error("archive state: the server's now() is missing");
  const lastArchived = event(lastWal, lastAt, now);
  const lastFailed = event(failedWal, failedAt, now);
  const resetAt = seconds(reset);
  const oldestReady = seconds(oldest);
  const newestBaseBackup = event(backupLabel, backupAt, now);
  return {
    inRecovery: inRecovery === true || inRecovery === "t",
    mode: String(mode),
    timeoutSeconds: count(timeout),
    archivedCount: count(archived),
    ...(lastArchived ? { lastArchived } : {}),
    failedCount: count(failed),
    ...(lastFailed ? { lastFailed } : {}),
    ...(resetAt !== undefined ? { statsReset: dateOf(resetAt) } : {}),
    readySegments: count(ready),
    ...(oldestReady !== undefined ? { oldestReadyAgeSeconds: Math.max(0, now - oldestReady) } : {}),
    ...(newestBaseBackup ? { newestBaseBackup } : {}),
    failing: archiveFailing(lastArchived, lastFailed),
  };
}

/** 42s, 3m 5s, 2h 10m, 3d 4h. */
export function formatAge(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

const ago = (e: ArchiveEvent) => `${e.wal} ${formatAge(e.ageSeconds)} ago`;

function archivedPart(state: ArchiveState): string {
  const last = state.lastArchived ? `last archived ${ago(state.lastArchived)}` : "nothing archived yet";
  const failures =
    state.failedCount === 0
      ? "no failures"
      : `${state.failedCount} failed${state.lastFailed ? ` (last ${ago(state.lastFailed)})` : ""}`;
  return `${last}; ${state.archivedCount} archived, ${failures}`;
}

function waitingPart(state: ArchiveState): string {
  if (state.readySegments === 0) return "";
  const oldest = state.oldestReadyAgeSeconds === undefined ? "" : `, oldest ${formatAge(state.oldestReadyAgeSeconds)}`;
  return `; ${state.readySegments} segment${state.readySegments === 1 ? "" : "s"} waiting${oldest}`;
}

function backupPart(state: ArchiveState): string {
  const backup = state.newestBaseBackup;
  return backup ? `; newest base backup ended ${formatAge(backup.ageSeconds)} ago (${backup.wal})` : "";
}

/**
 * The status and verification line, e.g.
 * `archive on (timeout 60s): last archived 000000010000000000000005 12s ago; 5 archived, no failures`.
 */
export function formatArchiveState(state: ArchiveState): string {
  const head = state.failing
    ? `archive ${state.mode} (timeout ${state.timeoutSeconds}s) FAILING`
    : `archive ${state.mode} (timeout ${state.timeoutSeconds}s)`;
  return `${head}: ${archivedPart(state)}${waitingPart(state)}${backupPart(state)}`;
}
