/**
 * Sources: backups, WAL archive and restore (issue 22): pgBackRest, barman, the CNPG plugin, archive docs, PVC
 * retention, the Aurora restore inputs.
 */
import type { Source } from "./source";

export const BACKUP_SOURCES = {
  // pgBackRest, the release Debian 12 ships (2.45-1): option defaults, allow-lists, dependencies, errors.
  pgbackrest245: { repo: "pgbackrest/pgbackrest", ref: "release/2.45" },
  pgbackrestDebian: {
    url: "https://packages.debian.org/bookworm/pgbackrest",
    title: "Debian 12 pgbackrest",
    note: "2.45-1, installed here with apt-get; `pgbackrest help <command> <option>` prints the same text as src/build/help/help.xml",
  },
  pgbackrestIssue1883: {
    url: "https://github.com/pgbackrest/pgbackrest/issues/1883",
    title: "pgbackrest/pgbackrest issue #1883: Support for official docker image",
    note: "maintainer (dwsteele, 2022-09-25): no official Docker image is planned",
  },
  barmanCliCloudDebian: {
    url: "https://packages.debian.org/bookworm/barman-cli-cloud",
    title: "Debian 12 barman-cli-cloud",
    note: "3.4.0-1, installed here; `barman-cloud-wal-archive --help`: --cloud-provider {aws-s3,azure-blob-storage,google-cloud-storage}, no filesystem destination",
  },
  // The barman cloud plugin for CloudNativePG, the release built against operator API v1.30.0.
  barmanPlugin: { repo: "cloudnative-pg/plugin-barman-cloud", ref: "v0.14.0" },
  barmanPluginManifest: {
    url: "https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/v0.14.0/manifest.yaml",
    title: "plugin-barman-cloud v0.14.0 release manifest",
    note: "the release asset (web/src/components/Installation/index.tsx builds this URL); the manifest.yaml committed at the tag names the -testing:main images, not the release ones",
  },
  // PostgreSQL documentation (the 15 pages; 16 and 17 say the same for what is used here).
  pgArchiverView: {
    url: "https://www.postgresql.org/docs/15/monitoring-stats.html#MONITORING-PG-STAT-ARCHIVER-VIEW",
    title: "PostgreSQL 15: pg_stat_archiver",
  },
  pgArchiveTimeout: {
    url: "https://www.postgresql.org/docs/15/runtime-config-wal.html#GUC-ARCHIVE-TIMEOUT",
    title: "PostgreSQL 15: archive_timeout",
  },
  pgRecoveryTarget: {
    url: "https://www.postgresql.org/docs/15/runtime-config-wal.html#RUNTIME-CONFIG-WAL-RECOVERY-TARGET",
    title:
      "PostgreSQL 15: recovery target settings (recovery_target_action default pause; recovery_target_timeline default latest)",
  },
  pgSlotKeepSize: {
    url: "https://www.postgresql.org/docs/15/runtime-config-replication.html#GUC-MAX-SLOT-WAL-KEEP-SIZE",
    title: "PostgreSQL 15: max_slot_wal_keep_size",
  },
  pgLsArchiveStatusdir: {
    url: "https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADMIN-GENFILE",
    title: "PostgreSQL 15: pg_ls_waldir() and pg_ls_archive_statusdir() (superusers and pg_monitor by default)",
  },
  pgBackupHistoryFile: {
    url: "https://www.postgresql.org/docs/15/continuous-archiving.html#BACKUP-LOWLEVEL-BASE-BACKUP",
    title:
      "PostgreSQL 15: making a base backup using the low level API (the backup history file pg_backup_stop writes)",
  },
  // Crunchy Data's pgmonitor, weighed for the base backup's age (monitor.pgbackrest_info()).
  pgmonitor: { repo: "CrunchyData/pgmonitor", ref: "4936a6e6195d7208d38c50e62ff449265b0cf252" },
  // Kubernetes: StatefulSet PVC retention.
  statefulSetPvcRetention: {
    url: "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention",
    title: "Kubernetes: StatefulSet PersistentVolumeClaim retention",
    note: "defaults whenDeleted: Retain, whenScaled: Retain (API field descriptions). Feature gate StatefulSetAutoDeletePVC: alpha 1.23, beta on by default 1.27 (kubernetes.io/blog/2023/05/04/kubernetes-1-27-statefulset-pvc-auto-deletion-beta); GA 1.32 NOT confirmed from a stored source (the stored kep.yaml is stale)",
  },
  // Provider (aws_rds_cluster) as the index stores it, and the bridged SDK actually installed.
  // tfCluster (0168cf68, already in components/facts/sources/aws.ts) is reused: its schema has
  // restore_to_point_in_time.source_cluster_resource_id, which @pulumi/aws 7.48.0's ClusterRestoreToPointInTime also
  // has; the exact upstream tag of 7.48.0 could not be pinned here (see the note, §d).
  pulumiAwsCluster748: {
    repo: "pulumi/pulumi-aws",
    ref: "v7.48.0",
    path: "sdk/nodejs/rds/cluster.d.ts",
    note: "read from node_modules/@pulumi/aws (7.48.0); ClusterRestoreToPointInTime in types/input.d.ts:82518-82539",
  },
} as const satisfies Record<string, Source>;
