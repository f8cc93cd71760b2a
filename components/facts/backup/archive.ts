/**
 * The WAL archive as PostgreSQL and postgres_exporter report it, and what was observed of archive recovery on
 * PostgreSQL 15.
 */
import { cite, fact } from "../fact";

/** Monitoring: the archiver view and what postgres_exporter makes of it (0.11.1 Debian, 0.17.1 image: identical). */
export const ARCHIVER_METRICS = {
  view: fact(
    [
      "archived_count",
      "last_archived_wal",
      "last_archived_time",
      "failed_count",
      "last_failed_wal",
      "last_failed_time",
      "stats_reset",
    ],
    cite("pgArchiverView"),
  ),
  exporterMetrics: fact(
    {
      pg_stat_archiver_archived_count: "counter",
      pg_stat_archiver_failed_count: "counter",
      pg_stat_archiver_last_archive_age:
        "gauge, seconds since last_archived_time (absent/NaN before the first archive)",
    },
    cite("postgresExporter0171", "cmd/postgres_exporter/postgres_exporter.go:234-246"),
    cite(
      "postgresExporter0171",
      "cmd/postgres_exporter/queries.go:97-105",
      "SELECT *, extract(epoch from now() - last_archived_time) AS last_archive_age FROM pg_stat_archiver",
    ),
    cite("postgresExporter0111", "cmd/postgres_exporter/postgres_exporter.go:269-281; queries.go:121-128"),
  ),
  /** Default metrics come only from the DSN's own database connection, and only unless --disable-default-metrics. */
  defaultMetricsOnlyForPrimaryDsn: fact(
    true,
    cite("postgresExporter0171", "cmd/postgres_exporter/postgres_exporter.go:618-623"),
  ),
  /**
   * archive_timeout switches segments only when there was activity: on an idle server last_archive_age grows without
   * anything unarchived.
   */
  archiveTimeoutNeedsActivity: fact(true, cite("pgArchiveTimeout")),
} as const;

/** Observed on this machine (PostgreSQL 15, Debian 12). */
export const OBSERVED_PG15 = {
  /**
   * A physical slot invalidated by max_slot_wal_keep_size (wal_status 'lost') was re-used by the standby that came back
   * after catching up from the archive: streaming resumed, wal_status back to 'reserved'. Verify on 16/17 before
   * relying on it; the product should drop+recreate a lost slot anyway.
   */
  lostPhysicalSlotReusable: fact(
    true,
    cite("pgSlotKeepSize", undefined, "observed with 15 here, not a documented guarantee"),
  ),
  /**
   * Promotion archives <old TL last segment>.partial and <newTL>.history; PITR from a TL1 backup to a time on TL2
   * followed the history (recovery_target_timeline default latest).
   */
  pitrAcrossPromotion: fact(
    true,
    cite("pgRecoveryTarget", undefined, "observed: 5200 rows ABCDEFG, selected new timeline 3"),
  ),
} as const;

/** What the monitoring role can read of the archive and of base backups on the writer (issue 22, watching it). */
export const ARCHIVE_WATCH = {
  /**
   * pg_wal/archive_status holds <segment>.ready for a complete segment archive_command has not archived yet, and
   * .done once it has; pg_monitor may list it (and pg_wal).
   */
  archiveStatusReadable: fact(
    { function: "pg_ls_archive_statusdir()", since: 12, role: "pg_monitor" },
    cite("pgLsArchiveStatusdir"),
    cite("pgArchiverView", undefined, "observed on 15 here: a role with only pg_monitor lists .ready and .done files"),
  ),
  /**
   * pg_backup_stop on the server backed up writes <start segment>.<offset>.backup into pg_wal and archives it; it
   * stays in pg_wal until a later backup's stop removes the archived older ones. Its mtime is the backup's end.
   */
  backupHistoryFile: fact(
    { pattern: "<24 hex>.<8 hex>.backup", keptUntilNextBackup: true },
    cite("pgBackupHistoryFile"),
    cite(
      "pgbackrestDebian",
      undefined,
      "observed: pgbackrest 2.45 backup --type=full → 000000010000000000000009.00000028.backup in pg_wal, mtime 1796562768 = info's timestamp.stop 1796562768; pg_basebackup writes one too",
    ),
  ),
  /**
   * On an idle writer the segment after a switch holds a few bytes of its own records (a running_xacts written by the
   * background writer, marked unimportant, so archive_timeout does not switch for it) until the next checkpoint's
   * record: observed 0/7000060 for 3 minutes, then 0/7000110 and a switch with checkpoint_timeout 5min. A written
   * position past the segment's start is therefore not, alone, unarchived data.
   */
  idleSegmentTailBytes: fact(
    0x110,
    cite("pgArchiveTimeout", undefined, "observed on 15 here (archive_timeout 10s): tails of 0x60 and 0x110 bytes"),
  ),
  /** The exporter's own pg_stat_archiver collector runs on every server and reports no failure time. */
  builtinCollectorLacks: fact(
    ["last_failed_time", "segments waiting", "the unarchived position", "writer only"],
    cite("postgresExporter0111", "cmd/postgres_exporter/postgres_exporter.go:269-281; queries.go:121-128"),
  ),
  /**
   * CloudNativePG's Barman Cloud plugin reports through the instance manager's exporter (port 9187) the newest
   * successful and failed backup and the first recoverability point, as epoch seconds (0 before any).
   */
  barmanPluginMetrics: fact(
    {
      lastAvailableBackup: "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
      lastFailedBackup: "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp",
      firstRecoverabilityPoint: "barman_cloud_cloudnative_pg_io_first_recoverability_point",
      noBackupYet: 0,
    },
    cite("barmanPlugin", "internal/cnpgi/instance/metrics.go:37-53,114-126", "metricsDomain from the plugin's name"),
    cite("barmanPlugin", "web/docs/observability.md:10-24"),
  ),
  /**
   * pgmonitor reads `pgbackrest info` through a superuser-owned function that runs COPY … FROM PROGRAM into a table
   * (throttled to every 10 minutes): a shell command the monitoring role can trigger, pgBackRest and its repository
   * credentials on the database server, and a write (WAL) on every refresh.
   */
  pgmonitorPgbackrestInfo: fact(
    { copyFromProgram: "/usr/bin/pgbackrest-info.sh", writesTable: "monitor.pgbackrest_info", throttleMinutes: 10 },
    cite("pgmonitor", "postgres_exporter/common/pg15/setup.sql:28-70"),
  ),
} as const;
