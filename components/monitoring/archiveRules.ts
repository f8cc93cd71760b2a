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
import { type AlertRule, promDuration, rule } from "./ruleFile";
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

function archiveAlerts({ sel }: RuleScope, backup: PgbackrestBackup): AlertRule[] {
  const behindS = backup.archiveTimeoutSeconds + ARCHIVE_MARGIN_S;
  return [
    rule(
      "PgArchiveDisabled",
      "critical",
      `pgrr_archiver_enabled{${sel}} == 0`,
      300_000,
      "{{ $labels.pg_node }}: archive_mode is off on the writer",
      "The stack archives WAL, but its writer does not: nothing after the newest base backup can be restored. The writer was started with a configuration other than the stack's; restart it through the stack (archive_mode needs a restart).",
    ),
    rule(
      "PgArchiveFailing",
      "critical",
      `increase(pgrr_archiver_failed_count{${sel}}[5m]) > 0 and pgrr_archiver_failing{${sel}} == 1`,
      60_000,
      "{{ $labels.pg_node }}: archive_command fails",
      "The writer's newest archive attempts failed: WAL piles up in pg_wal and the recovery point stands still. The writer's log names the failing command and pgBackRest's error (repository unreachable, full, or credentials).",
    ),
    rule(
      "PgArchiveBehind",
      "critical",
      `(pgrr_primary_wal_written_bytes_total{${sel}} offset ${behindS}s) - pgrr_archiver_unarchived_from_bytes{${sel}} > ${IDLE_TAIL_SLACK_BYTES}`,
      undefined,
      `{{ $labels.pg_node }}: {{ $value | humanize1024 }}B of WAL written over ${promDuration(behindS * 1000)} ago is not archived`,
      `WAL written more than archive_timeout (${backup.archiveTimeoutSeconds}s) plus ${ARCHIVE_MARGIN_S}s ago is still only on the writer: losing its disk now loses those transactions. archive_command hangs or is too slow for the write rate (segments waiting: pgrr_archiver_ready_segments).`,
    ),
  ];
}

function baseBackupAlerts({ sel }: RuleScope, backup: PgbackrestBackup): AlertRule[] {
  const boundMs = baseBackupBoundMs(backup.schedule);
  if (boundMs === undefined) return [];
  return [
    rule(
      "PgBaseBackupTooOld",
      "warning",
      `time() - pgrr_backup_baseline_time_seconds{${sel}} > ${Math.round(boundMs / 1000)}`,
      undefined,
      "{{ $labels.pg_node }}: no base backup for {{ $value | humanizeDuration }}",
      `The schedule "${backup.schedule}" runs a base backup at least every ${promDuration(longestCronGapMs(backup.schedule)!)}; the writer's newest ended longer ago than that plus a margin (or, with none on this writer, it started that long ago). Restores replay all WAL since the newest base backup, and retention keeps WAL only from the oldest kept one.`,
    ),
  ];
}
