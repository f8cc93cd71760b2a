/**
 * Aurora restore into a new cluster (point in time or snapshot) and automated backups, as aws_rds_cluster and
 * @pulumi/aws 7.48.0 accept them and as RDS documents them. Provider facts were read from resourceCluster()'s schema
 * and resourceClusterCreate/Read/Update/Delete at the tfCluster commit; AWS facts from the API reference and the
 * Aurora user guide (sources/backup.ts).
 */
import { cite, fact } from "../fact";

/** aws_rds_cluster as @pulumi/aws 7.48.0 bridges it. */
export const AURORA_RESTORE = {
  restoreToPointInTime: fact(
    {
      forceNew: true,
      /** Not read back and without a DiffSuppressFunc: removing the block later differs, and replaces the cluster. */
      removalReplaces: true,
      conflictsWith: ["s3_import", "snapshot_identifier"],
      exactlyOneOf: [
        ["restore_to_time", "use_latest_restorable_time"],
        ["source_cluster_identifier", "source_cluster_resource_id"],
      ],
      restoreToTime: "UTC RFC3339 (verify.ValidUTCTimestamp)",
      restoreType: ["full-copy", "copy-on-write"],
      restoreTypeDefault: "full-copy",
      sourceClusterIdentifier: "an identifier or an ARN (another account)",
      sourceClusterResourceId: "for a deleted cluster whose automated backups were retained",
    },
    cite(
      "tfCluster",
      'resourceCluster schema "restore_to_point_in_time"',
      "ForceNew, no DiffSuppressFunc; resourceClusterRead never sets it",
    ),
    cite("pulumiAwsCluster748", "types/input.d.ts:82518-82539", "restoreType: full-copy (default) and copy-on-write"),
    cite("rdsPitrApi", "RestoreType", "full-copy unless copy-on-write is given"),
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
        "monitoring_interval",
        "monitoring_role_arn",
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
        "engine_lifecycle_support",
        "engine_version",
        "storage_encrypted",
        "global_cluster_identifier",
        "master_username",
        "database_name",
        "performance_insights_enabled",
        "auto_minor_version_upgrade",
        "enable_http_endpoint",
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
      passes: [
        "engine",
        "engine_version",
        "kms_key_id",
        "db_cluster_parameter_group_name",
        "database_name",
        "db_subnet_group_name",
        "vpc_security_group_ids",
        "port",
        "enabled_cloudwatch_logs_exports",
      ],
      /** RestoreDBClusterFromSnapshotInput gets no EnableIAMDatabaseAuthentication: the next update sets it. */
      notPassed: [
        "master_username",
        "storage_encrypted",
        "iam_database_authentication_enabled",
        "enable_http_endpoint",
      ],
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
  /**
   * What a restored cluster takes from its source whatever the program says (the provider reads them back from the
   * new cluster): its master user and the roles and databases in it, its encryption (and, without kms_key_id, its
   * key), and for a point-in-time restore its engine version. Each of master_username, database_name,
   * storage_encrypted and kms_key_id is ForceNew and Computed: a program that leaves them out keeps the state's value,
   * one that states a different value replaces the cluster on the next update.
   */
  inheritedFromSource: fact(
    {
      readBack: ["master_username", "database_name", "storage_encrypted", "kms_key_id", "engine_version"],
      forceNewComputed: ["master_username", "database_name", "storage_encrypted", "kms_key_id"],
    },
    cite("tfCluster", "resourceClusterRead: d.Set(master_username / database_name / storage_encrypted / kms_key_id)"),
    cite(
      "tfCluster",
      "resourceCluster schema: master_username, database_name, kms_key_id, storage_encrypted ForceNew + Computed",
    ),
  ),
  /**
   * The master password given to a restore is set by ModifyDBCluster right after it (resourceClusterCreate's
   * modifyDbClusterInput): on the source's master user, whatever its name. Other roles keep the source's passwords.
   */
  masterPasswordAfterRestore: fact(
    { setBy: "ModifyDBCluster after the restore", appliesTo: "the source's master user" },
    cite(
      "tfCluster",
      "resourceClusterCreate: master_password / manage_master_user_password → modifyDbClusterInput, requiresModifyDbCluster",
    ),
  ),
  /** A point in time is restorable from EarliestRestorableTime to LatestRestorableTime (DescribeDBClusters). */
  restoreWindow: fact(
    { from: "EarliestRestorableTime", to: "LatestRestorableTime", within: "the source's backup retention period" },
    cite("auroraPitrDoc", "latest and earliest restorable time"),
    cite(
      "rdsPitrApi",
      "description",
      "any point in time before LatestRestorableTime for up to BackupRetentionPeriod days",
    ),
  ),
  /** A restore without a parameter group gets the default ones: the program names its own. */
  defaultParameterGroups: fact(
    "restored DB clusters are associated with the default DB cluster and DB parameter groups unless custom ones are given",
    cite("auroraPitrDoc", "introduction"),
  ),
  /** Encryption of the restored cluster. */
  restoreKms: fact(
    {
      withoutKey: "the source's key (an unencrypted source gives an unencrypted cluster)",
      withKeyFromUnencryptedSource: "rejected (point in time)",
      otherAccountKey: "by key ARN or alias ARN; the key must be shared with the restoring account",
      keyRegion: "a KMS key is regional: the key must be in the region the cluster is restored in",
    },
    cite("rdsPitrApi", "KmsKeyId"),
    cite("rdsSnapshotRestoreApi", "KmsKeyId"),
  ),
  /** A point-in-time restore and a snapshot restore run in the stack's region: a source elsewhere is not found. */
  sameRegion: fact(
    "SourceDBClusterIdentifier must match an existing DB cluster (an ARN for another account's): the call is regional, a snapshot of another region must be copied first (CopyDBClusterSnapshot)",
    cite("rdsPitrApi", "SourceDBClusterIdentifier"),
    cite("rdsSnapshotRestoreApi", "SnapshotIdentifier"),
  ),
  /** Identifier forms restore_to_point_in_time accepts: validIdentifier or an ARN; a resource id as its own field. */
  sourceForms: fact(
    {
      identifier: "^[a-z][0-9a-z-]{0,62}$, no '--', not ending in '-' (validIdentifier)",
      arn: "arn:<partition>:rds:<region>:<account>:cluster:<identifier>",
      resourceId: "cluster-<26 upper-case letters and digits> (DbClusterResourceId)",
    },
    cite(
      "tfCluster",
      "restore_to_point_in_time.source_cluster_identifier ValidateFunc: validation.Any(verify.ValidARN, validIdentifier)",
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
    cite("auroraBackupsDoc", "Backups", "1–35 days; automated backups cannot be disabled on Aurora"),
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
    /** The flag is read at delete only: changing it is an update without an RDS call (HasChangesExcept). */
    { default: true, changeCallsAws: false },
    cite("pulumiAwsCluster748", "rds/cluster.d.ts:1072"),
    cite("tfCluster", "resourceCluster schema delete_automated_backups Default: true; resourceClusterDelete"),
    cite("tfCluster", 'resourceClusterUpdate: HasChangesExcept(…, "delete_automated_backups", …)'),
  ),
  masterPasswordConflicts: fact(
    "manage_master_user_password conflicts with master_password and master_password_wo",
    cite("tfCluster", "resourceCluster schema manage_master_user_password ConflictsWith"),
  ),
} as const;
