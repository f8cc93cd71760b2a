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
