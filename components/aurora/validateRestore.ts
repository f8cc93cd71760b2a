/**
 * Aurora's rules for backup: and restore: that the shared ones (topology/validate/backup.ts: exactly one source and
 * target, retention in days, no crossRegion) leave to the backend: the forms RDS takes a source in, a source in
 * another region (a restore runs in the stack's region), and a retention that would not apply. What only AWS knows
 * (the source's restore window, engine and encryption) is for the restore itself and the deploy check.
 */
import type { ResolvedAurora } from "../config/resolve";
import type { ConfigIssue } from "../config/errors";
import { AURORA_RESTORE } from "../facts/aws/restore";
import type { Check } from "../topology/validate/rule";
import { arnRegion, isSnapshotName, sourceForm } from "./restore";

const { identifier, arn, resourceId } = AURORA_RESTORE.sourceForms.value;

function regionIssue(key: string, text: string, region: string): ConfigIssue[] {
  const named = arnRegion(text);
  if (named === undefined || named === region) return [];
  return [
    {
      key,
      value: text,
      problem: `is in ${named}, but the stack restores in ${region}: ${AURORA_RESTORE.sameRegion.value.split(": ")[1]}`,
      fix:
        key === "restore.snapshot"
          ? `copy the snapshot into ${region} (aws rds copy-db-cluster-snapshot --source-region ${named} …) and name the copy`
          : `restore in ${named} (set region), or take a snapshot of the source, copy it into ${region} and use restore.snapshot`,
    },
  ];
}

function source(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const restore = config.restore;
    if (!restore) return;
    if (restore.from !== undefined) {
      if (sourceForm(restore.from) === undefined)
        issues.push({
          key: "restore.from",
          value: restore.from,
          problem: "is not a cluster identifier, cluster ARN or cluster resource id",
          fix: `write the source cluster's identifier (${identifier}), its ARN (${arn}), or, for a deleted cluster whose automated backups were retained, its resource id (${resourceId}; aws rds describe-db-cluster-automated-backups lists them)`,
        });
      issues.push(...regionIssue("restore.from", restore.from, config.region));
    }
    if (restore.snapshot !== undefined) {
      if (!isSnapshotName(restore.snapshot))
        issues.push({
          key: "restore.snapshot",
          value: restore.snapshot,
          problem: "is not a cluster snapshot identifier or ARN",
          fix: "write the name aws rds describe-db-cluster-snapshots shows (DBClusterSnapshotIdentifier) or its ARN",
        });
      issues.push(...regionIssue("restore.snapshot", restore.snapshot, config.region));
    }
  };
}

/** backup.retention is what backup.enabled keeps; alone it would silently not apply. */
function retention(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const { enabled, retentionGiven, retention: kept } = config.backup;
    if (!retentionGiven || enabled) return;
    issues.push({
      key: "backup.retention",
      value: kept.type === "time" ? `${kept.days}d` : kept.value,
      problem: "is set but backup.enabled is not true, so it would not apply",
      fix: "set backup.enabled: true (automated backups then also outlive the cluster), or set aurora.backupRetentionDays instead",
    });
  };
}

export function auroraRestoreRules(config: ResolvedAurora): Check[] {
  return [source(config), retention(config)];
}
