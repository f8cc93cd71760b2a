/**
 * A stack that starts from a backup (restore:) and keeps its automated backups (backup:), as cluster arguments. Pure.
 *
 * A restore is an argument of the cluster's creation only (facts/aws/restore.ts): restoreToPointInTime from a source
 * cluster (identifier, ARN, or the resource id of a deleted cluster whose automated backups were retained) to a time
 * or the latest restorable time, or snapshotIdentifier. The restored cluster still gets the stack's own parameter
 * groups, subnet group, security group, KMS key and password (the provider passes them to the restore or sets them
 * right after it), but it keeps what the source had inside it: its master user, its databases and roles, and its
 * encryption. Those arguments are left out of a restored cluster (they are ForceNew and Computed: stated with another
 * value, the next update would replace the restored cluster with a new one), and the deploy check compares the
 * restored master user with `user`.
 *
 * The restore also joins the keepers of the cluster's identifier (cluster.ts), so adding a restore block to a running
 * stack, changing it, or removing it replaces the cluster: refused on a protected stack (protection.ts) like every
 * other replacing change.
 */
import type * as aws from "@pulumi/aws";
import { AURORA_RESTORE } from "../facts/aws/restore";
import type { AuroraTopology, Restore } from "../topology/types";

/** How restore.from names its source cluster. */
export type SourceForm = "identifier" | "arn" | "resourceId";

const IDENTIFIER = /^[a-z](?!.*--)[0-9a-z-]{0,62}(?<!-)$/;
const CLUSTER_ARN = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):cluster:([a-z][0-9a-z-]*)$/;
const SNAPSHOT_ARN = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):cluster-snapshot:([a-zA-Z0-9:-]+)$/;
const RESOURCE_ID = /^cluster-[A-Z0-9]{26}$/;

export function sourceForm(text: string): SourceForm | undefined {
  if (RESOURCE_ID.test(text)) return "resourceId";
  if (CLUSTER_ARN.test(text)) return "arn";
  if (IDENTIFIER.test(text)) return "identifier";
  return undefined;
}

/** The region an rds cluster or cluster-snapshot ARN names; undefined for an identifier. */
export function arnRegion(text: string): string | undefined {
  return (CLUSTER_ARN.exec(text) ?? SNAPSHOT_ARN.exec(text))?.[1];
}

/** A snapshot identifier as RestoreDBClusterFromSnapshot takes it: a name (letters, digits, -, :) or an ARN. */
export function isSnapshotName(text: string): boolean {
  return SNAPSHOT_ARN.test(text) || /^[a-zA-Z][a-zA-Z0-9:-]{0,254}$/.test(text);
}

/** restore.targetTime (RFC 3339, any zone) as the provider's RFC 3339 in UTC, to the second as given. */
export function utcRestoreTime(targetTime: string): string {
  return new Date(targetTime.replace(" ", "T")).toISOString().replace(".000Z", "Z");
}

function pointInTime(
  restore: Extract<Restore, { source: "auroraCluster" }>,
): aws.types.input.rds.ClusterRestoreToPointInTime {
  const source =
    sourceForm(restore.cluster) === "resourceId"
      ? { sourceClusterResourceId: restore.cluster }
      : { sourceClusterIdentifier: restore.cluster };
  const target =
    restore.target.type === "time"
      ? { restoreToTime: utcRestoreTime(restore.target.at) }
      : { useLatestRestorableTime: true };
  return { ...source, ...target, restoreType: AURORA_RESTORE.restoreToPointInTime.value.restoreTypeDefault };
}

/** The cluster arguments that make it a restore; none without a restore block. */
export function restoreArgs(restore: Restore | undefined): Partial<aws.rds.ClusterArgs> {
  if (restore === undefined) return {};
  switch (restore.source) {
    case "auroraCluster":
      return { restoreToPointInTime: pointInTime(restore) };
    case "auroraSnapshot":
      return { snapshotIdentifier: restore.snapshot };
    case "repository":
      throw new Error("restoreArgs: an Aurora stack restores from a cluster or a snapshot, never a repository");
  }
}

/** Arguments a restored cluster takes from its source (facts: AURORA_RESTORE.inheritedFromSource). */
export const INHERITED_ARGUMENTS = ["databaseName", "masterUsername", "storageEncrypted"] as const;

/** The identifier's keeper for a restore: what it restores from and to (undefined: no keeper, as before restores). */
export function restoreKeeper(restore: Restore | undefined): string | undefined {
  if (restore === undefined) return undefined;
  switch (restore.source) {
    case "auroraCluster":
      return `pitr:${restore.cluster}@${restore.target.type === "time" ? utcRestoreTime(restore.target.at) : "latest"}`;
    case "auroraSnapshot":
      return `snapshot:${restore.snapshot}`;
    case "repository":
      return undefined;
  }
}

/**
 * Automated backups: retention from backup.retention when backup is enabled (else aurora.backupRetentionDays), and,
 * with backup enabled, kept after the cluster is deleted so a destroyed stack can still be restored (the provider
 * deletes them with the cluster by default).
 */
export function backupArgs(topology: AuroraTopology): Partial<aws.rds.ClusterArgs> {
  const backup = topology.backup?.tool === "aurora" ? topology.backup : undefined;
  if (!backup) return { backupRetentionPeriod: topology.aurora.backupRetentionDays };
  return { backupRetentionPeriod: backup.retentionDays, deleteAutomatedBackups: false };
}

function restoredFrom(restore: Restore): string {
  switch (restore.source) {
    case "auroraCluster":
      return `cluster ${restore.cluster} at ${restore.target.type === "time" ? utcRestoreTime(restore.target.at) : "its latest restorable time"}`;
    case "auroraSnapshot":
      return `snapshot ${restore.snapshot}`;
    case "repository":
      return "a repository";
  }
}

/** For the notes output: where the cluster came from, and what happens to its automated backups. */
export function backupNotes(topology: AuroraTopology): string[] {
  const notes: string[] = [];
  if (topology.restore !== undefined)
    notes.push(
      `The cluster was restored from ${restoredFrom(topology.restore)}: it keeps the source's master user, databases, roles and their passwords, and its encryption; the stack set its own master password, parameter groups, security group and key. Keep the restore block: changing or removing it replaces the cluster (refused while it is protected).`,
    );
  const backup = backupArgs(topology);
  notes.push(
    backup.deleteAutomatedBackups === false
      ? `Automated backups are kept ${String(backup.backupRetentionPeriod)} days and outlive the cluster: after pulumi destroy, restore.from: <its resource id> (aws rds describe-db-cluster-automated-backups) restores them into a new stack.`
      : `Automated backups are kept ${String(backup.backupRetentionPeriod)} days and deleted with the cluster (its final snapshot stays unless aurora.skipFinalSnapshot); backup.enabled: true keeps them after it.`,
  );
  return notes;
}
