/**
 * The custom queries postgres_exporter runs (its queries file, read through
 * --extend.query-path / PG_EXPORTER_EXTEND_QUERY_PATH). The exporter names each
 * metric `<namespace>_<column>` in every version from Debian's 0.11 to the
 * pinned image, so all of ours start with `pgrr_` and never collide with, or
 * depend on, the exporter's own collectors, whose names change between versions.
 *
 * Rules for every query (both exporter versions behave so, see facts/exporters.ts):
 *  - every column listed: an unlisted one is still exported, untyped;
 *  - no NULL in a value column (NULL becomes NaN, and NaN > x never alerts);
 *  - a query for one role filters on pg_is_in_recovery(), so it returns no rows elsewhere:
 *    pg_current_wal_lsn() fails during recovery, pg_get_wal_replay_pause_state() outside it;
 *  - `master: true` means "only on the DSN's database", not "on the primary".
 * The exporter's role needs only pg_monitor.
 */
import { stringify } from "yaml";
import {
  ARCHIVE_FAILING_SQL,
  BACKUP_HISTORY,
  READY_SEGMENT,
  SEGMENT_BYTES_SQL,
  segmentStartBytesSql,
} from "../sql/archiveState";

export type ColumnUsage = "LABEL" | "GAUGE" | "COUNTER";

export interface ExporterQuery {
  namespace: string;
  query: string;
  columns: ReadonlyArray<{ column: string; usage: ColumnUsage; description: string }>;
}

export const EXPORTER_QUERIES: readonly ExporterQuery[] = [
  {
    namespace: "pgrr_node",
    query: `SELECT pg_is_in_recovery()::int AS in_recovery,
       CASE WHEN pg_is_in_recovery()
            THEN (pg_get_wal_replay_pause_state() <> 'not paused')::int
            ELSE 0 END AS replay_paused`,
    columns: [
      {
        column: "in_recovery",
        usage: "GAUGE",
        description: "1 when the server is in recovery (a standby), 0 on the primary",
      },
      {
        column: "replay_paused",
        usage: "GAUGE",
        description: "1 when WAL replay was paused with pg_wal_replay_pause() (standby only)",
      },
    ],
  },
  {
    namespace: "pgrr_replication",
    query: `SELECT r.application_name,
       coalesce(s.slot_name, '') AS slot_name,
       r.state,
       r.sync_state,
       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), r.sent_lsn), -1)::float8 AS sent_lag_bytes,
       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), r.flush_lsn), -1)::float8 AS flush_lag_bytes,
       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn), -1)::float8 AS replay_lag_bytes,
       coalesce(extract(epoch FROM r.replay_lag), 0)::float8 AS replay_lag_seconds
FROM pg_stat_replication r
LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
WHERE NOT pg_is_in_recovery()`,
    columns: [
      { column: "application_name", usage: "LABEL", description: "application_name of the standby (the node name)" },
      {
        column: "slot_name",
        usage: "LABEL",
        description: "Physical slot the WAL sender streams from ('' without a slot)",
      },
      {
        column: "state",
        usage: "LABEL",
        description: "WAL sender state: startup, catchup, streaming, backup, stopping",
      },
      { column: "sync_state", usage: "LABEL", description: "async, potential, sync or quorum" },
      {
        column: "sent_lag_bytes",
        usage: "GAUGE",
        description: "Bytes of WAL not yet sent to this standby (-1 when unknown)",
      },
      {
        column: "flush_lag_bytes",
        usage: "GAUGE",
        description: "Bytes of WAL not yet flushed by this standby (-1 when unknown)",
      },
      {
        column: "replay_lag_bytes",
        usage: "GAUGE",
        description:
          "Bytes of WAL not yet replayed by this standby (-1 when unknown); 0 when caught up, also on an idle primary",
      },
      {
        column: "replay_lag_seconds",
        usage: "GAUGE",
        description: "pg_stat_replication.replay_lag in seconds; NULL (idle, caught up) is reported as 0",
      },
    ],
  },
  {
    namespace: "pgrr_primary",
    query: `SELECT count(*) FILTER (WHERE state = 'streaming')::float8 AS streaming_replicas,
       count(*)::float8 AS wal_senders,
       pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal_written_bytes_total
FROM pg_stat_replication
HAVING NOT pg_is_in_recovery()`,
    columns: [
      { column: "streaming_replicas", usage: "GAUGE", description: "WAL senders in state streaming" },
      { column: "wal_senders", usage: "GAUGE", description: "All WAL senders (any state)" },
      {
        column: "wal_written_bytes_total",
        usage: "COUNTER",
        description: "Current WAL write position in bytes (rate() = WAL generation rate)",
      },
    ],
  },
  {
    namespace: "pgrr_standby",
    query: `SELECT
  -- receive < replay happens after a standby restart until its WAL receiver streams again
  -- (receive restarts at the segment start): nothing received is pending, so 0, like receive = replay.
  CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
       ELSE coalesce(greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp())), 0)
  END::float8 AS lag_seconds,
  greatest(0, coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0))::float8
    AS replay_pending_bytes,
  coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0'), 0)::float8 AS wal_replayed_bytes_total,
  (SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming')::float8 AS wal_receiver_streaming,
  coalesce((SELECT extract(epoch FROM now() - last_msg_receipt_time) FROM pg_stat_wal_receiver), -1)::float8
    AS wal_receiver_last_msg_age_seconds,
  (SELECT count(*) FROM pg_stat_activity
    WHERE backend_type = 'startup'
      AND (wait_event LIKE 'RecoveryConflict%' OR wait_event_type IN ('Lock', 'BufferPin')))::float8
    AS replay_blocked
WHERE pg_is_in_recovery()`,
    columns: [
      {
        column: "lag_seconds",
        usage: "GAUGE",
        description:
          "Seconds since the last replayed commit, 0 when everything received is replayed (idle-safe; also 0 while disconnected: see wal_receiver_streaming)",
      },
      { column: "replay_pending_bytes", usage: "GAUGE", description: "Bytes received but not yet replayed" },
      {
        column: "wal_replayed_bytes_total",
        usage: "COUNTER",
        description: "Replay position in bytes (rate() = replay speed; flat while replay waits)",
      },
      {
        column: "wal_receiver_streaming",
        usage: "GAUGE",
        description: "1 when the WAL receiver is connected and streaming, else 0",
      },
      {
        column: "wal_receiver_last_msg_age_seconds",
        usage: "GAUGE",
        description: "Seconds since the last message from the upstream (-1 when no WAL receiver)",
      },
      {
        column: "replay_blocked",
        usage: "GAUGE",
        description: "1 when the startup process waits on a recovery conflict (queries holding replay back)",
      },
    ],
  },
  {
    namespace: "pgrr_slot",
    query: `SELECT slot_name,
       slot_type,
       active::int::float8 AS active,
       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::float8 AS retained_bytes,
       coalesce(safe_wal_size, -1)::float8 AS safe_wal_size_bytes,
       pg_size_bytes(current_setting('max_slot_wal_keep_size'))::float8 AS max_slot_wal_keep_size_bytes
FROM pg_replication_slots
WHERE NOT pg_is_in_recovery()`,
    columns: [
      { column: "slot_name", usage: "LABEL", description: "Slot name" },
      { column: "slot_type", usage: "LABEL", description: "physical or logical" },
      { column: "active", usage: "GAUGE", description: "1 while a consumer streams from the slot" },
      {
        column: "retained_bytes",
        usage: "GAUGE",
        description: "WAL pinned by the slot: pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)",
      },
      {
        column: "safe_wal_size_bytes",
        usage: "GAUGE",
        description: "WAL that can still be written before the slot is in danger of becoming lost (-1: unlimited)",
      },
      {
        column: "max_slot_wal_keep_size_bytes",
        usage: "GAUGE",
        description: "max_slot_wal_keep_size in bytes (-1: unlimited)",
      },
    ],
  },
  {
    namespace: "pgrr_slot_wal_status",
    query: `SELECT s.slot_name, v.wal_status,
       (coalesce(s.wal_status, 'unknown') = v.wal_status)::int::float8 AS current
FROM pg_replication_slots s
CROSS JOIN (VALUES ('reserved'), ('extended'), ('unreserved'), ('lost')) AS v(wal_status)
WHERE NOT pg_is_in_recovery()`,
    columns: [
      { column: "slot_name", usage: "LABEL", description: "Slot name" },
      { column: "wal_status", usage: "LABEL", description: "One of reserved, extended, unreserved, lost" },
      { column: "current", usage: "GAUGE", description: "1 for the slot's current wal_status, 0 for the other three" },
    ],
  },
  {
    namespace: "pgrr_wal",
    query: `SELECT count(*)::float8 AS segments, coalesce(sum(size), 0)::float8 AS dir_bytes
FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'`,
    columns: [
      { column: "segments", usage: "GAUGE", description: "WAL segment files in pg_wal" },
      { column: "dir_bytes", usage: "GAUGE", description: "Bytes of WAL segment files in pg_wal" },
    ],
  },
  {
    namespace: "pgrr_archiver",
    // Writer only: a standby archives nothing (archive_mode = on). pg_ls_archive_statusdir() needs pg_monitor.
    query: `WITH a AS (SELECT * FROM pg_stat_archiver),
ready AS (SELECT ${segmentStartBytesSql("name")} AS start FROM pg_ls_archive_statusdir() WHERE name ~ '${READY_SEGMENT}')
SELECT (current_setting('archive_mode') <> 'off')::int::float8 AS enabled,
       (SELECT setting::float8 FROM pg_settings WHERE name = 'archive_timeout') AS timeout_seconds,
       a.archived_count::float8 AS archived_count,
       a.failed_count::float8 AS failed_count,
       ${ARCHIVE_FAILING_SQL}::int::float8 AS failing,
       coalesce(extract(epoch FROM now() - a.last_archived_time), -1)::float8 AS last_archive_age_seconds,
       (SELECT count(*) FROM ready)::float8 AS ready_segments,
       coalesce((SELECT min(start) FROM ready),
                floor(pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') / ${SEGMENT_BYTES_SQL}) * ${SEGMENT_BYTES_SQL})::float8
         AS unarchived_from_bytes
FROM a
WHERE NOT pg_is_in_recovery()`,
    columns: [
      { column: "enabled", usage: "GAUGE", description: "1 when archive_mode is on (or always), 0 when off" },
      { column: "timeout_seconds", usage: "GAUGE", description: "archive_timeout in seconds (0: no forced switch)" },
      {
        column: "archived_count",
        usage: "COUNTER",
        description: "WAL files archived since stats_reset (pg_stat_archiver.archived_count)",
      },
      {
        column: "failed_count",
        usage: "COUNTER",
        description: "Failed archive_command runs since stats_reset (each retry counts)",
      },
      {
        column: "failing",
        usage: "GAUGE",
        description: "1 while the newest archive attempt failed (last_failed_time newer than last_archived_time)",
      },
      {
        column: "last_archive_age_seconds",
        usage: "GAUGE",
        description:
          "Seconds since the last WAL file was archived (-1: none since stats_reset); grows on an idle writer",
      },
      {
        column: "ready_segments",
        usage: "GAUGE",
        description: "Complete segments waiting for archive_command (.ready in pg_wal/archive_status)",
      },
      {
        column: "unarchived_from_bytes",
        usage: "GAUGE",
        description:
          "WAL position (bytes) from which nothing is archived: the oldest waiting segment's start, else the current segment's",
      },
    ],
  },
  {
    namespace: "pgrr_backup",
    // The backup history file pg_backup_stop leaves in pg_wal (facts ARCHIVE_WATCH.backupHistoryFile): its mtime is
    // the newest base backup's end. None (a fresh writer, a promoted standby): the server's start stands in.
    query: `SELECT coalesce(extract(epoch FROM b.newest), 0)::float8 AS newest_end_time_seconds,
       extract(epoch FROM coalesce(b.newest, pg_postmaster_start_time()))::float8 AS baseline_time_seconds
FROM (SELECT max(modification) AS newest FROM pg_ls_waldir() WHERE name ~ '${BACKUP_HISTORY}') b
WHERE NOT pg_is_in_recovery()`,
    columns: [
      {
        column: "newest_end_time_seconds",
        usage: "GAUGE",
        description: "When the newest base backup of this writer ended, epoch seconds (0: none in pg_wal)",
      },
      {
        column: "baseline_time_seconds",
        usage: "GAUGE",
        description: "The newest base backup's end, or the server's start when pg_wal holds none (epoch seconds)",
      },
    ],
  },
  {
    namespace: "pgrr_database",
    query: `SELECT coalesce(sum(xact_commit + xact_rollback), 0)::float8 AS transactions_total FROM pg_stat_database`,
    columns: [
      {
        column: "transactions_total",
        usage: "COUNTER",
        description:
          "Transactions committed or rolled back in every database of the server (rate() = transactions per second)",
      },
    ],
  },
];

/** The queries file both exporters read. */
export function renderExporterQueries(queries: readonly ExporterQuery[] = EXPORTER_QUERIES): string {
  const document = Object.fromEntries(
    queries.map(({ namespace, query, columns }) => [
      namespace,
      {
        query,
        master: true,
        metrics: columns.map(({ column, usage, description }) => ({ [column]: { usage, description } })),
      },
    ]),
  );
  return `# postgres_exporter queries file, generated by pg-read-replicas. Metric names: <namespace>_<column>.\n${stringify(document, { lineWidth: 0 })}`;
}

/** Every metric name the queries file produces, with its labels: the contract rules and dashboard rely on. */
export function exporterMetrics(queries: readonly ExporterQuery[] = EXPORTER_QUERIES): Map<string, string[]> {
  const metrics = new Map<string, string[]>();
  for (const { namespace, columns } of queries) {
    const labels = columns.filter((c) => c.usage === "LABEL").map((c) => c.column);
    for (const column of columns.filter((c) => c.usage !== "LABEL"))
      metrics.set(`${namespace}_${column.column}`, labels);
  }
  return metrics;
}
