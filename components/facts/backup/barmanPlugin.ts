/**
 * The CloudNativePG Barman Cloud plugin (v0.14.0) and the operator v1.30.0 API fields a backup, a restore and a replica
 * cluster fed by the archive use. Checked against cloudnative-pg/plugin-barman-cloud at tag v0.14.0 and
 * cloudnative-pg/cloudnative-pg at tag v1.30.0 (line numbers at those tags).
 */
import { cite, fact } from "../fact";

const PLUGIN_CONFIG = "internal/cnpgi/operator/config/config.go";
const WEBHOOK = "internal/webhook/v1/cluster_webhook.go";

/** CloudNativePG barman cloud plugin v0.14.0 against operator v1.30.0. */
export const BARMAN_PLUGIN = {
  version: fact("0.14.0", cite("barmanPlugin", "internal/cnpgi/metadata/constants.go:66", 'Version: "0.14.0"')),
  name: fact("barman-cloud.cloudnative-pg.io", cite("barmanPlugin", "internal/cnpgi/metadata/constants.go:26")),
  builtAgainstOperator: fact(
    "v1.30.0",
    cite(
      "barmanPlugin",
      "go.mod:7-9",
      "github.com/cloudnative-pg/cloudnative-pg v1.30.0; github.com/cloudnative-pg/api v1.30.0",
    ),
  ),
  minimumOperator: fact(
    "1.26.0",
    cite("barmanPlugin", "web/docs/intro.md:27-30", "1.26 or later; 1.27.0+ recommended"),
  ),
  requiresCertManager: fact(
    true,
    cite("barmanPlugin", "web/docs/intro.md:34-39", "cert-manager recommended, or own certificate bundles"),
    cite(
      "barmanPlugin",
      "web/docs/installation.mdx:38-53",
      "cmctl check api; both checks are required before proceeding",
    ),
    cite("barmanPlugin", "manifest.yaml:1066-1108", "two cert-manager.io/v1 Certificates and an Issuer"),
  ),
  /** cert-manager's CRD for the manifest's Certificates: the stack reads it to see cert-manager is there. */
  certManagerCrd: fact(
    "certificates.cert-manager.io",
    cite("barmanPlugin", "manifest.yaml:1066-1067", "apiVersion: cert-manager.io/v1, kind: Certificate"),
  ),
  /** The release manifest hard-codes its namespace: the plugin must run where the operator runs. */
  installNamespace: fact(
    "cnpg-system",
    cite("barmanPlugin", "web/docs/installation.mdx:7-9", "must be installed in the same namespace as the operator"),
    cite("barmanPlugin", "manifest.yaml:727,923,960,1070,1088,1108", "namespace: cnpg-system"),
  ),
  manifestUrl: fact(
    "https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/v0.14.0/manifest.yaml",
    cite("barmanPluginManifest"),
  ),
  /**
   * Objects in the manifest (at the tag): CRD objectstores.barmancloud.cnpg.io, Deployment+Service barman-cloud (port
   * 9090) in cnpg-system, cert-manager Issuer + 2 Certificates.
   */
  manifestObjects: fact(
    {
      crd: "objectstores.barmancloud.cnpg.io",
      deployment: "barman-cloud",
      service: { name: "barman-cloud", port: 9090, label: "cnpg.io/pluginName=barman-cloud.cloudnative-pg.io" },
      certificates: ["barman-cloud-client", "barman-cloud-server"],
      secrets: { client: "barman-cloud-client-tls", server: "barman-cloud-server-tls" },
    },
    cite("barmanPlugin", "manifest.yaml:2-6,974-1108"),
  ),
  objectStoreApi: fact(
    { apiVersion: "barmancloud.cnpg.io/v1", kind: "ObjectStore" },
    cite("barmanPlugin", "hack/examples/minio-store.yaml:1-2"),
    cite("barmanPlugin", "config/crd/bases/barmancloud.cnpg.io_objectstores.yaml", "one version, v1, namespaced"),
  ),
  /** ObjectStore.spec */
  objectStoreSpec: fact(
    {
      configuration:
        "barmanapi.BarmanObjectStoreConfiguration (destinationPath required, endpointURL, endpointCA, s3Credentials{accessKeyId,secretAccessKey,region,sessionToken: SecretKeySelector; inheritFromIAMRole}, wal{compression,maxParallel}, data{…}); serverName forbidden here (CEL)",
      retentionPolicy: "^[1-9][0-9]*[dwm]$ (optional): a recovery window in days, weeks or months, never a count",
      instanceSidecarConfiguration:
        "env, retentionPolicyIntervalSeconds (default 1800), resources, additionalContainerArgs (no --log-level), logLevel error|warning|info(default)|debug|trace",
    },
    cite("barmanPlugin", "api/v1/objectstore_types.go:28-75"),
    cite("barmanPlugin", "config/crd/bases/barmancloud.cnpg.io_objectstores.yaml"),
  ),
  /** spec.retentionPolicy's pattern, as the CRD checks it. */
  retentionPattern: fact("^[1-9][0-9]*[dwm]$", cite("barmanPlugin", "api/v1/objectstore_types.go:64-70")),
  /**
   * instanceSidecarConfiguration.env reaches the sidecar of every instance and of the recovery Job, for every
   * ObjectStore the Cluster names (archive, recovery source, replica source): how a region reaches barman-cloud.
   */
  sidecarEnv: fact(
    true,
    cite(
      "barmanPlugin",
      "internal/cnpgi/operator/lifecycle_envs.go",
      "collectAdditionalEnvs: Barman, Recovery and ReplicaSource object stores",
    ),
    cite(
      "barmanPlugin",
      "internal/cnpgi/operator/lifecycle.go:132-158",
      "reconcileJob: the full-recovery Job gets them",
    ),
  ),
  objectStoreStatus: fact(
    "status.serverRecoveryWindow[<server>].{firstRecoverabilityPoint,lastSuccessfulBackupTime,lastFailedBackupTime}",
    cite("barmanPlugin", "api/v1/objectstore_types.go:77-97"),
  ),
  /** Plugin parameters read from the Cluster (plugins[], externalClusters[].plugin). */
  parameters: fact(
    { barmanObjectName: "required", serverName: "defaults to the Cluster's name" },
    cite(
      "barmanPlugin",
      `${PLUGIN_CONFIG}:141-191`,
      "serverName default cluster.Name; recovery and replica-source parameters from the external cluster",
    ),
    cite("barmanPlugin", `${PLUGIN_CONFIG}:262-273`, "no reference to barmanObjectName have been included"),
  ),
  /**
   * The archive's folder is <destinationPath>/<serverName>: the recovery source is the external cluster that
   * bootstrap.recovery.source names, the replica source the one replica.source names, each with its own
   * barmanObjectName and serverName.
   */
  walSources: fact(
    { recovery: "bootstrap.recovery.source", replica: "replica.source" },
    cite("barmanPlugin", `${PLUGIN_CONFIG}:219-260`, "getRecoverySourcePlugin, getReplicaSourcePlugin"),
  ),
  /**
   * A new Cluster (after initdb, a recovery, or pg_basebackup) refuses to archive into a serverName folder that already
   * holds WAL: the marker file .check-empty-wal-archive is written at bootstrap and removed once the first WAL is
   * archived. A recovery also checks its own archive destination before restoring. The annotation
   * cnpg.io/skipEmptyWalArchiveCheck: enabled turns this off. So a restored stack archives to a serverName of its own,
   * and a stack created again over its old archive does not archive until that folder is moved away.
   */
  emptyArchiveCheck: fact(
    { marker: ".check-empty-wal-archive", skipAnnotation: "cnpg.io/skipEmptyWalArchiveCheck" },
    cite("barmanPlugin", "internal/cnpgi/common/wal.go:147-178", "CheckBackupDestination before the first archive"),
    cite("barmanPlugin", "internal/cnpgi/common/wal.go:239-254", "marker file present and the annotation not enabled"),
    cite("barmanPlugin", "internal/cnpgi/restore/restore.go:283-295", "the restore checks its own serverName"),
    cite("cnpg", "pkg/management/postgres/initdb.go:355", "marker written after initdb"),
    cite("cnpg", "pkg/management/postgres/restore.go:191", "and after a recovery"),
    cite("cnpg", "internal/cmd/manager/instance/pgbasebackup/cmd.go:151", "and after pg_basebackup"),
    cite("cnpg", "internal/management/controller/instance_controller.go:1095-1109", "removed once ContinuousArchiving"),
    cite("cnpg", "pkg/utils/labels_annotations.go:203-205,543"),
  ),
  /**
   * The sidecar the plugin adds to every instance pod (and to the recovery Job) takes its requests and limits from
   * one ObjectStore's instanceSidecarConfiguration.resources: the archive's (barmanObjectName), else the recovery
   * source's, else the replica source's; without them it has none, and the pod is Burstable whatever its postgres
   * container asks for.
   */
  sidecarResources: fact(
    {
      field: "instanceSidecarConfiguration.resources",
      precedence: ["barmanObjectName", "recoveryBarmanObjectName", "replicaSourceBarmanObjectName"],
    },
    cite("barmanPlugin", "api/v1/objectstore_types.go:40-42", "Resources corev1.ResourceRequirements"),
    cite(
      "barmanPlugin",
      "internal/cnpgi/operator/lifecycle_resources.go:47-97",
      "collectSidecarResourcesForPod: only one object store provides the sidecar resources",
    ),
    cite("barmanPlugin", "internal/cnpgi/operator/lifecycle.go:434", "sidecarTemplate.Resources = config.resources"),
  ),
  /** A recovery picks its base backup by targetTime or targetLSN; with no target, the newest, then all WAL. */
  recoveryBackupChoice: fact(
    { byTarget: ["targetTime", "targetLSN"], none: "latest backup, then every archived WAL" },
    cite(
      "barmanPlugin",
      "internal/cnpgi/restore/restore.go:397-412",
      "FindBackupInfo(recoveryTarget) or LatestBackupInfo",
    ),
    cite("cnpg", `${WEBHOOK}:1485-1494`, "only targetName, targetXID and targetImmediate need a backupID"),
  ),
  /** What the plugin appends for a recovery: it promotes at the target (PostgreSQL's default would pause). */
  recoveryPromotes: fact(
    "recovery_target_action = promote",
    cite("barmanPlugin", "internal/cnpgi/restore/restore.go:349-362", "getRestoreWalConfig"),
  ),
} as const;

/** CloudNativePG v1.30.0 API fields used with the plugin. */
export const CNPG_BACKUP_API = {
  pluginConfiguration: fact(
    {
      name: "string (required)",
      enabled: "bool, default true",
      isWALArchiver: "bool, default false",
      parameters: "map[string]string",
    },
    cite("cnpg", "api/v1/cluster_types.go:2595-2614"),
  ),
  clusterPlugins: fact("spec.plugins []PluginConfiguration", cite("cnpg", "api/v1/cluster_types.go:520-523")),
  oneWalArchiver: fact(
    "at most one plugin with isWALArchiver; none while spec.backup.barmanObjectStore is set",
    cite(
      "cnpg",
      `${WEBHOOK}:2895-2914`,
      "Cannot enable a WAL archiver plugin when barmanObjectStore is configured; Cannot enable more than one WAL archiver plugin",
    ),
  ),
  scheduledBackup: fact(
    {
      schedule: "6-field cron with seconds (robfig/cron), unlike a CronJob",
      method: "barmanObjectStore (default) | volumeSnapshot | plugin",
      pluginConfiguration: "{ name, parameters? }",
      target: "primary | prefer-standby",
      backupOwnerReference: "none (default) | self | cluster",
      immediate: "bool",
      cluster: "immutable after creation (a CEL rule new in 1.30)",
    },
    cite("cnpg", "api/v1/scheduledbackup_types.go:27-74", "Schedule: 'includes an additional seconds specifier'"),
    cite("cnpg", "api/v1/backup_types.go:120-173", "BackupMethodPlugin, BackupSpec, BackupPluginConfiguration"),
    cite("cnpg", "config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml:72-77"),
  ),
  /** A Backup's status.phase: the on-demand backup waits for one of these. */
  backupPhases: fact(
    { done: "completed", failed: "failed" },
    cite("cnpg", "api/v1/backup_types.go:48-52"),
    cite("cnpg", "api/v1/backup_types.go:242", "status.phase"),
  ),
  bootstrapRecovery: fact(
    {
      source: "externalClusters[].name",
      recoveryTarget: "RecoveryTarget",
      database: "string",
      owner: "string",
      secret: "LocalObjectReference",
    },
    cite("cnpg", "api/v1/cluster_types.go:2106-2156"),
    cite(
      "cnpg",
      `${WEBHOOK}:652-690`,
      "the source must be an external cluster with connection parameters, Barman or a plugin",
    ),
  ),
  recoveryTarget: fact(
    {
      backupID: "string",
      targetTLI: "string",
      targetXID: "string",
      targetName: "string",
      targetLSN: "string",
      targetTime: "RFC3339 or PostgreSQL timestamp; no zone = UTC",
      targetImmediate: "bool",
      exclusive: "bool",
    },
    cite("cnpg", "api/v1/cluster_types.go:2207-2244"),
    cite("cnpg", `${WEBHOOK}:1414-1445,1512-1540`, "one target at most; targetTime and targetLSN parsed"),
  ),
  externalCluster: fact(
    {
      name: "string",
      connectionParameters: "map",
      sslCert: "SecretKeySelector",
      sslKey: "SecretKeySelector",
      sslRootCert: "SecretKeySelector",
      password: "SecretKeySelector",
      barmanObjectStore: "in-tree (deprecated path)",
      plugin: "PluginConfiguration",
    },
    cite("cnpg", "api/v1/cluster_types.go:2477-2517"),
  ),
  replicaCluster: fact(
    {
      self: "string",
      primary: "string",
      source: "string (required, min 1)",
      enabled: "bool",
      promotionToken: "string",
      minApplyDelay: "Duration",
    },
    cite("cnpg", "api/v1/cluster_types.go:1265-1302"),
  ),
  /** archive_timeout is a default the operator sets (5min), not a fixed parameter: a Cluster may set its own. */
  archiveTimeoutDefault: fact(
    "5min",
    cite("cnpg", "pkg/postgres/configuration.go:559-562", "CnpgConfigurationSettings.GlobalDefaultSettings"),
  ),
  /**
   * Turning the WAL archiver plugin on for a running Cluster rolls every instance (the plugin injects its sidecar into
   * the pod spec); the primary, lacking the sidecar, is recreated in place, not switched over (a demotion would wait
   * forever on archiving): the writer is down while its pod restarts.
   */
  archiverOnRunningCluster: fact(
    { replicas: "rolled", primary: "recreated in place (no switchover)" },
    cite("cnpg", "internal/controller/cluster_upgrade.go:212-226", "sidecarMissing: recreatePrimaryInPlace"),
    cite("cnpg", "internal/controller/cluster_upgrade.go:767-790", "archiverSidecarMissingOnPrimary, issue #10981"),
    cite(
      "barmanPlugin",
      "internal/cnpgi/operator/lifecycle.go:417-433",
      "sidecar plugin-barman-cloud added to the pod",
    ),
  ),
  /**
   * Archive + streaming replica cluster: externalClusters[] entry with connectionParameters AND plugin; the designated
   * primary then restores WAL from the archive whenever the stream cannot give it (the plugin is the replica source).
   */
  replicaFromArchiveAndStreaming: fact(
    true,
    cite("barmanPlugin", "hack/examples/cluster-replica-streaming.yaml:7-33"),
    cite(
      "barmanPlugin",
      "hack/examples/cluster-replica-log-shipping.yaml:7-19",
      "archive only: bootstrap.recovery + replica.source, plugin only",
    ),
    cite(
      "barmanPlugin",
      `${PLUGIN_CONFIG}:167-187`,
      "ReplicaSourceServerName/BarmanObjectName: wal_restore in the designated primary",
    ),
  ),
} as const;
