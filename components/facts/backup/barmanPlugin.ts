/**
 * The CloudNativePG Barman Cloud plugin (v0.14.0) and the operator v1.30.0 API fields a backup, a restore and a replica
 * cluster fed by the archive use.
 */
import { cite, fact } from "../fact";

/** CloudNativePG barman cloud plugin v0.14.0 against operator v1.30.0. */
export const BARMAN_PLUGIN = {
  version: fact("0.14.0", cite("barmanPlugin", "internal/cnpgi/metadata/constants.go:66", 'Version: "0.14.0"')),
  name: fact("barman-cloud.cloudnative-pg.io", cite("barmanPlugin", "internal/cnpgi/metadata/constants.go:26")),
  builtAgainstOperator: fact(
    "v1.30.0",
    cite(
      "barmanPlugin",
      "go.mod",
      "github.com/cloudnative-pg/cloudnative-pg v1.30.0; github.com/cloudnative-pg/api v1.30.0",
    ),
  ),
  minimumOperator: fact("1.26", cite("barmanPlugin", "web/docs/intro.md:27-30", "1.26 or later; 1.27.0+ recommended")),
  requiresCertManager: fact(
    true,
    cite("barmanPlugin", "web/docs/intro.md:34-39", "cert-manager recommended, or own certificate bundles"),
    cite("barmanPlugin", "web/docs/installation.mdx", "both checks are required before proceeding"),
  ),
  installNamespace: fact(
    "cnpg-system",
    cite("barmanPlugin", "web/docs/installation.mdx", "must be installed in the same namespace as the operator"),
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
    cite("barmanPlugin", "manifest.yaml:2-10,974-1108"),
  ),
  objectStoreApi: fact("barmancloud.cnpg.io/v1", cite("barmanPlugin", "hack/examples/minio-store.yaml:1-2")),
  /** ObjectStore.spec */
  objectStoreSpec: fact(
    {
      configuration:
        "barmanapi.BarmanObjectStoreConfiguration (destinationPath, endpointURL, endpointCA, s3Credentials|azureCredentials|googleCredentials, wal{compression,maxParallel}, data{…}); serverName forbidden here",
      retentionPolicy: "^[1-9][0-9]*[dwm]$ (optional)",
      instanceSidecarConfiguration:
        "env, retentionPolicyIntervalSeconds (default 1800), resources, additionalContainerArgs (no --log-level), logLevel error|warning|info(default)|debug|trace",
    },
    cite("barmanPlugin", "api/v1/objectstore_types.go:28-75"),
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
      "internal/cnpgi/operator/config/config.go:148-187",
      "serverName default cluster.Name; recovery and replica-source parameters from the external cluster",
    ),
    cite(
      "barmanPlugin",
      "internal/cnpgi/operator/config/config.go:262-269",
      "no reference to barmanObjectName have been included",
    ),
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
    cite("cnpg", "api/v1/cluster_types.go:2595-2613"),
  ),
  clusterPlugins: fact("spec.plugins []PluginConfiguration", cite("cnpg", "api/v1/cluster_types.go:523")),
  oneWalArchiver: fact(
    "at most one plugin with isWALArchiver; none while spec.backup.barmanObjectStore is set",
    cite(
      "cnpg",
      "internal/webhook/v1/cluster_webhook.go:2895-2914",
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
      cluster: "immutable after creation",
    },
    cite("cnpg", "api/v1/scheduledbackup_types.go:27-84"),
    cite("cnpg", "api/v1/backup_types.go:109-173"),
  ),
  bootstrapRecovery: fact(
    {
      source: "externalClusters[].name",
      recoveryTarget: "RecoveryTarget",
      database: "string",
      owner: "string",
      secret: "LocalObjectReference",
    },
    cite("cnpg", "api/v1/cluster_types.go:2106-2153"),
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
    cite("cnpg", "api/v1/cluster_types.go:2477-2516"),
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
    cite("cnpg", "api/v1/cluster_types.go:1267-1300"),
  ),
  /** Archive + streaming replica cluster: externalClusters[] entry with connectionParameters AND plugin. */
  replicaFromArchiveAndStreaming: fact(
    true,
    cite("barmanPlugin", "hack/examples/cluster-replica-streaming.yaml:7-33"),
    cite(
      "barmanPlugin",
      "hack/examples/cluster-replica-log-shipping.yaml:7-19",
      "archive only: bootstrap.recovery + replica.source, plugin only",
    ),
  ),
} as const;
