/**
 * Aurora restore into a new cluster (point in time or snapshot) and automated backups, as aws_rds_cluster and
 * @pulumi/aws 7.48.0 accept them.
 */
import { cite, fact } from "../fact";

/** aws_rds_cluster as @pulumi/aws 7.48.0 bridges it. */
export const AURORA_RESTORE = {
  restoreToPointInTime: fact(
    {
      forceNew: true,
      conflictsWith: ["s3_import", "snapshot_identifier"],
      exactlyOneOf: [
        ["restore_to_time", "use_latest_restorable_time"],
        ["source_cluster_identifier", "source_cluster_resource_id"],
      ],
      restoreToTime: "UTC RFC3339 (verify.ValidUTCTimestamp)",
      restoreType: ["full-copy", "copy-on-write"],
      sourceClusterIdentifier: "an identifier or an ARN (another account)",
      sourceClusterResourceId: "for a deleted cluster whose automated backups were retained",
    },
    cite("tfCluster", 'resourceCluster schema "restore_to_point_in_time"'),
    cite("pulumiAwsCluster748", "types/input.d.ts:82518-82539"),
  ),
  /**
   * RestoreDBClusterToPointInTime gets no Engine, EngineVersion, StorageEncrypted, GlobalClusterIdentifier: the
   * source's engine version is inherited; kms_key_id and db_cluster_parameter_group_name are passed.
   */
  pitrInput: fact(
    {
      passed: [
        "kms_key_id",
        "db_cluster_parameter_group_name",
        "db_subnet_group_name",
        "vpc_security_group_ids",
        "port",
        "copy_tags_to_snapshot",
        "deletion_protection",
        "tags",
        "storage_type",
        "enabled_cloudwatch_logs_exports",
        "iam_database_authentication_enabled",
      ],
      modifyAfter: [
        "backup_retention_period",
        "preferred_backup_window",
        "preferred_maintenance_window",
        "master_password",
        "manage_master_user_password",
        "master_user_secret_kms_key_id",
        "serverlessv2_scaling_configuration",
      ],
      notPassed: [
        "engine_version",
        "storage_encrypted",
        "global_cluster_identifier",
        "master_username",
        "database_name",
      ],
    },
    cite(
      "tfCluster",
      "resourceClusterCreate, branch restore_to_point_in_time (RestoreDBClusterToPointInTimeInput + modifyDbClusterInput)",
    ),
  ),
  snapshotIdentifier: fact(
    {
      forceNew: true,
      conflictsWith: ["global_cluster_identifier"],
      removalSuppressed: true,
      passes: ["engine", "engine_version", "kms_key_id", "db_cluster_parameter_group_name", "database_name"],
      modifyAfter: [
        "backup_retention_period",
        "preferred_backup_window",
        "master_password",
        "manage_master_user_password",
      ],
    },
    cite("tfCluster", 'resourceCluster schema "snapshot_identifier"; resourceClusterCreate branch snapshot_identifier'),
    cite(
      "pulumiAwsCluster748",
      "rds/cluster.d.ts:1230",
      "Conflicts with globalClusterIdentifier … cannot be restored from snapshot and joined to an existing global cluster in a single operation",
    ),
  ),
  /** Adding global_cluster_identifier to an existing cluster is refused by the provider's update. */
  joinGlobalAfterCreate: fact(
    "existing RDS Clusters cannot be added to an existing RDS Global Cluster",
    cite("tfCluster", 'resourceClusterUpdate, d.HasChange("global_cluster_identifier")'),
  ),
  kmsKeyId: fact(
    { forceNew: true, validate: "ARN" },
    cite("tfCluster", "resourceCluster schema kms_key_id: ValidARN, ForceNew"),
  ),
  backupRetentionPeriod: fact(
    { providerMax: 35, awsMin: 1, awsMax: 35, sdkDefaultDoc: 1 },
    cite("tfCluster", "resourceCluster schema backup_retention_period: validation.IntAtMost(35)"),
    cite("pulumiAwsCluster748", "rds/cluster.d.ts:1016", "Days to retain backups for. Default 1"),
  ),
  preferredBackupWindow: fact(
    "hh24:mi-hh24:mi UTC (verify.ValidOnceADayWindowFormat); default a random 30-minute window per region",
    cite("tfCluster", "resourceCluster schema preferred_backup_window"),
    cite("pulumiAwsCluster748", "rds/cluster.d.ts:1197"),
  ),
  copyTagsToSnapshot: fact({ default: false }, cite("pulumiAwsCluster748", "rds/cluster.d.ts:1040")),
  /** Destroying a cluster deletes its automated backups unless deleteAutomatedBackups is false. */
  deleteAutomatedBackups: fact(
    { default: true },
    cite("pulumiAwsCluster748", "rds/cluster.d.ts:1072"),
    cite("tfCluster", "resourceCluster schema delete_automated_backups Default: true; resourceClusterDelete"),
  ),
  masterPasswordConflicts: fact(
    "manage_master_user_password conflicts with master_password and master_password_wo",
    cite("tfCluster", "resourceCluster schema manage_master_user_password ConflictsWith"),
  ),
} as const;
