/**
 * Alerts on the WAL archive and base backups, for a stack whose writer archives with pgBackRest (local and the
 * statefulset engine). They read the writer's exporter (pgrr_archiver_*, pgrr_backup_*, exporterQueries.ts), so the
 * same rules hold on both backends and need no kube-state-metrics. The cloudnative-pg engine creates no rules
 * (kubernetes/cnpg/validate.ts); its plugin's metrics are in facts ARCHIVE_WATCH.barmanPluginMetrics.
 */
import { ARCHIVE_WATCH } from "../facts/backup/archive";
import { ARCHIVE_MARGIN_S } from "../sql/archiveState";
import type { PgbackrestBackup } from "../topology/types";
import { longestCronGapMs } from "../ground/cron";
import { catalogRule } from "./catalogRule";
import { type AlertRule, promDuration } from "./ruleFile";
import type { RuleScope } from "./ruleScope";

/**
 * WAL an idle writer leaves unswitched after a segment switch (its own unimportant records, observed up to
 * ARCHIVE_WATCH.idleSegmentTailBytes until the next checkpoint): a WAL page, so they never read as unarchived data.
 */
export const IDLE_TAIL_SLACK_BYTES = 8192;
/** A base backup runs for a while after its schedule fires, and a run may be retried: a quarter more, at least 1h. */
export function baseBackupBoundMs(schedule: string): number | undefined {
  const gap = longestCronGapMs(schedule);
  return gap === undefined ? undefined : gap + Math.max(3_600_000, gap / 4);
}

if (IDLE_TAIL_SLACK_BYTES <= ARCHIVE_WATCH.idleSegmentTailBytes.value)
  throw new Error("IDLE_TAIL_SLACK_BYTES must exceed the idle writer's observed segment tail");

export function archiveRules(scope: RuleScope): AlertRule[] {
  const backup = scope.topology.backup;
  if (backup?.tool !== "pgbackrest") return [];
  return [...archiveAlerts(scope, backup), ...baseBackupAlerts(scope, backup)];
}

function archiveAlerts({ sel, engine }: RuleScope, backup: PgbackrestBackup): AlertRule[] {
  const behindS = backup.archiveTimeoutSeconds + ARCHIVE_MARGIN_S;
  return [
    catalogRule(engine, "PgArchiveDisabled", { expr: `pgrr_archiver_enabled{${sel}} == 0` }),
    catalogRule(engine, "PgArchiveFailing", {
      expr: `increase(pgrr_archiver_failed_count{${sel}}[5m]) > 0 and pgrr_archiver_failing{${sel}} == 1`,
    }),
    catalogRule(engine, "PgArchiveBehind", {
      expr: `(pgrr_primary_wal_written_bytes_total{${sel}} offset ${behindS}s) - pgrr_archiver_unarchived_from_bytes{${sel}} > ${IDLE_TAIL_SLACK_BYTES}`,
      fill: {
        behind: promDuration(behindS * 1000),
        archiveTimeout: backup.archiveTimeoutSeconds,
        margin: ARCHIVE_MARGIN_S,
      },
    }),
  ];
}

function baseBackupAlerts({ sel, engine }: RuleScope, backup: PgbackrestBackup): AlertRule[] {
  const boundMs = baseBackupBoundMs(backup.schedule);
  if (boundMs === undefined) return [];
  return [
    catalogRule(engine, "PgBaseBackupTooOld", {
      expr: `time() - pgrr_backup_baseline_time_seconds{${sel}} > ${Math.round(boundMs / 1000)}`,
      fill: { schedule: backup.schedule, gap: promDuration(longestCronGapMs(backup.schedule)!) },
    }),
  ];
}
