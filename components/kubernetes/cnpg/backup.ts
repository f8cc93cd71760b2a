/**
 * The Barman Cloud plugin's objects for a cloudnative-pg stack (issue 22): the ObjectStore the stack archives to (and,
 * for a restore, the one it starts from), the Cluster's WAL-archiver plugin entry, the external-cluster source that
 * feeds a replica cluster or a restore from the archive, the ScheduledBackup and an on-demand Backup. Pure: every
 * field comes from the Topology's backup and restore parts and the plugin's facts. The bucket's keys stay in the
 * user's Secret: objects name it, never copy it.
 */
import type { ClusterSpec } from "./cluster";
import type {
  BackupRepository,
  BarmanCloudBackup,
  Restore,
  RestoreTarget,
  SelfHostedTopology,
} from "../../topology/types";
import { BARMAN_PLUGIN } from "../../facts/backup/barmanPlugin";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { baseLabels } from "../conventions";
import { stackLabel } from "./access";
import { cnpgNames } from "./plan";

type S3Repository = Extract<BackupRepository, { kind: "s3" }>;
type RepositoryRestore = Extract<Restore, { source: "repository" }>;
type PluginEntry = NonNullable<ClusterSpec["plugins"]>[number];
type ExternalCluster = NonNullable<ClusterSpec["externalClusters"]>[number];

/** The keys the user's Secret holds (backup.s3.secretName's documented shape). */
export const S3_SECRET_KEYS = { accessKeyId: "ACCESS_KEY_ID", secretAccessKey: "ACCESS_SECRET_KEY" } as const;

/** The name a restored Cluster gives the archive it starts from, in externalClusters. */
export const RESTORE_SOURCE = "origin";

export const barmanNames = {
  /** Where this stack archives. */
  store: (t: SelfHostedTopology) => `${t.name}-archive`,
  /** The source stack's archive a restore reads (never written: the restored stack archives to its own). */
  restoreStore: (t: SelfHostedTopology) => `${t.name}-restore-source`,
  scheduled: (t: SelfHostedTopology) => `${t.name}-base-backup`,
};

interface SidecarResources {
  cpu: string;
  memory: string;
}

/**
 * The plugin's sidecar in every instance pod, requests equal to limits so the pod stays Guaranteed (as the operator
 * recommends; the postgres container already is). The plugin reads them from one of the Cluster's ObjectStores
 * (BARMAN_PLUGIN.sidecarResources), so every ObjectStore here carries the same. Sized for barman-cloud-wal-archive
 * (Python, boto3, gzip) pushing one segment at a time; not measured here.
 */
export const BARMAN_SIDECAR_RESOURCES: SidecarResources = { cpu: "500m", memory: "512Mi" };

export interface ObjectStoreManifest {
  apiVersion: "barmancloud.cnpg.io/v1";
  kind: "ObjectStore";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    configuration: {
      destinationPath: string;
      endpointURL?: string;
      s3Credentials: {
        accessKeyId: { name: string; key: string };
        secretAccessKey: { name: string; key: string };
      };
      wal: { compression: "gzip" };
    };
    retentionPolicy?: string;
    instanceSidecarConfiguration: {
      env: Array<{ name: string; value: string }>;
      resources: { requests: SidecarResources; limits: SidecarResources };
    };
  };
}

/** The stack's backup when it uses the Barman Cloud plugin (the cloudnative-pg engine), else undefined. */
export function barmanBackup(topology: SelfHostedTopology): BarmanCloudBackup | undefined {
  return topology.backup?.tool === "barmanCloud" ? topology.backup : undefined;
}

/** The stack's restore from a repository (the cloudnative-pg engine reads an s3:// one), else undefined. */
export function repositoryRestore(topology: SelfHostedTopology): RepositoryRestore | undefined {
  return topology.restore?.source === "repository" ? topology.restore : undefined;
}

/** s3://bucket/prefix: the plugin keeps each server's base backups and WAL under <destinationPath>/<serverName>/. */
export function destinationPath(repository: S3Repository): string {
  return `s3://${repository.bucket}/${repository.prefix === "" ? "" : `${repository.prefix}/`}`;
}

function endpointUrl(endpoint: string): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
}

function objectStore(
  topology: SelfHostedTopology,
  name: string,
  repository: S3Repository,
  retentionPolicy: string | undefined,
): ObjectStoreManifest {
  const { secretName } = repository;
  if (secretName === undefined)
    throw new Error(`cloudnative-pg: ObjectStore ${name} needs backup.s3.secretName (admission requires it)`);
  if (retentionPolicy !== undefined && !new RegExp(BARMAN_PLUGIN.retentionPattern.value).test(retentionPolicy))
    throw new Error(
      `cloudnative-pg: retention ${retentionPolicy} is no ObjectStore retentionPolicy (admission refuses it)`,
    );
  return {
    apiVersion: "barmancloud.cnpg.io/v1",
    kind: "ObjectStore",
    metadata: {
      name,
      namespace: topology.kubernetes.namespace,
      labels: { ...baseLabels(topology, "postgresql"), ...stackLabel(topology) },
    },
    spec: {
      configuration: {
        destinationPath: destinationPath(repository),
        ...(repository.endpoint !== undefined ? { endpointURL: endpointUrl(repository.endpoint) } : {}),
        // By reference: the keys never enter the stack's state.
        s3Credentials: {
          accessKeyId: { name: secretName, key: S3_SECRET_KEYS.accessKeyId },
          secretAccessKey: { name: secretName, key: S3_SECRET_KEYS.secretAccessKey },
        },
        wal: { compression: "gzip" },
      },
      ...(retentionPolicy !== undefined ? { retentionPolicy } : {}),
      // barman-cloud (boto3) reads the bucket's region from the environment; the plugin passes this env to every
      // instance's sidecar and to the recovery Job.
      // The sidecar's resources: without them every instance pod is Burstable (BARMAN_PLUGIN.sidecarResources).
      instanceSidecarConfiguration: {
        env: [{ name: "AWS_DEFAULT_REGION", value: repository.region }],
        resources: { requests: { ...BARMAN_SIDECAR_RESOURCES }, limits: { ...BARMAN_SIDECAR_RESOURCES } },
      },
    },
  };
}

/** The ObjectStore this stack archives to, retention included. */
export function archiveStoreManifest(topology: SelfHostedTopology, backup: BarmanCloudBackup): ObjectStoreManifest {
  return objectStore(topology, barmanNames.store(topology), backup.repository, backup.retentionPolicy);
}

/**
 * The source stack's archive a restore reads, with this stack's S3 settings (backup.s3) when the source names none.
 * No retention: the source stack's own ObjectStore manages its archive.
 */
export function restoreStoreManifest(topology: SelfHostedTopology, restore: RepositoryRestore): ObjectStoreManifest {
  if (restore.repository.kind !== "s3")
    throw new Error("cloudnative-pg: a restore reads an s3:// repository (admission refuses other kinds)");
  const own = barmanBackup(topology)?.repository;
  const repository: S3Repository = {
    ...restore.repository,
    ...(restore.repository.secretName === undefined && own?.secretName !== undefined
      ? { secretName: own.secretName }
      : {}),
  };
  return objectStore(topology, barmanNames.restoreStore(topology), repository, undefined);
}

/** The main Cluster's spec.plugins: the plugin as the WAL archiver, into this stack's own serverName. */
export function walArchiverPlugins(topology: SelfHostedTopology): PluginEntry[] {
  const backup = barmanBackup(topology);
  if (!backup) return [];
  return [
    {
      name: BARMAN_PLUGIN.name.value,
      isWALArchiver: true,
      parameters: { barmanObjectName: barmanNames.store(topology), serverName: backup.serverName },
    },
  ];
}

/**
 * The plugin as a source of WAL (a replica cluster's externalClusters entry, beside its streaming connection): when the
 * stream cannot give a segment (the writer recycled it past wal_keep_size; a replica cluster has no slot), the
 * designated primary restores it from the main Cluster's archive instead of needing a new clone.
 */
export function archiveSource(topology: SelfHostedTopology): Pick<ExternalCluster, "plugin"> {
  const backup = barmanBackup(topology);
  if (!backup) return {};
  return {
    plugin: {
      name: BARMAN_PLUGIN.name.value,
      parameters: { barmanObjectName: barmanNames.store(topology), serverName: backup.serverName },
    },
  };
}

/** PostgreSQL reads a timestamp with a space too; the operator's webhook wants RFC 3339. */
function recoveryTarget(target: RestoreTarget): { targetTime: string } | { targetLSN: string } | undefined {
  switch (target.type) {
    case "time":
      return { targetTime: target.at.replace(" ", "T") };
    case "lsn":
      return { targetLSN: target.lsn };
    case "latest":
      // No target: the newest base backup, then every archived WAL (the plugin's choice).
      return undefined;
  }
}

/**
 * A restored stack's main Cluster: bootstrap.recovery from the source stack's archive (its serverName), to the target,
 * with the application user and database as initdb would have made them; then it promotes and archives to its own
 * serverName (the plugin refuses a folder that already holds WAL).
 */
export function recoveryBootstrap(
  topology: SelfHostedTopology,
  restore: RepositoryRestore,
): Pick<ClusterSpec, "bootstrap" | "externalClusters"> {
  const target = recoveryTarget(restore.target);
  return {
    bootstrap: {
      recovery: {
        source: RESTORE_SOURCE,
        ...(target ? { recoveryTarget: target } : {}),
        database: topology.database,
        owner: topology.user,
        secret: { name: cnpgNames.appSecret(topology) },
      },
    },
    externalClusters: [
      {
        name: RESTORE_SOURCE,
        plugin: {
          name: BARMAN_PLUGIN.name.value,
          parameters: { barmanObjectName: barmanNames.restoreStore(topology), serverName: restore.stanza },
        },
      },
    ],
  };
}

interface BackupObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

/** Base backups on the stack's schedule (6 fields, seconds first), by the plugin, from a standby when one is up. */
export function scheduledBackupManifest(topology: SelfHostedTopology, backup: BarmanCloudBackup) {
  return {
    apiVersion: CNPG_OPERATOR.apiVersion.value,
    kind: "ScheduledBackup" as const,
    metadata: {
      name: barmanNames.scheduled(topology),
      namespace: topology.kubernetes.namespace,
      labels: { ...baseLabels(topology, "postgresql"), ...stackLabel(topology) },
    } satisfies BackupObjectMeta,
    spec: {
      schedule: backup.schedule,
      cluster: { name: cnpgNames.main(topology) },
      method: "plugin" as const,
      pluginConfiguration: { name: BARMAN_PLUGIN.name.value },
      target: "prefer-standby" as const,
      // The Backup objects go with the ScheduledBackup; the base backups in the bucket stay (retention removes them).
      backupOwnerReference: "self" as const,
      // The first base backup at once: a fresh stack is restorable from its first minutes, not from the next 03:00.
      immediate: true,
    },
  };
}

/** An on-demand base backup (pg-read-replicas kubernetes backup). */
export function onDemandBackupManifest(topology: SelfHostedTopology, name: string) {
  return {
    apiVersion: CNPG_OPERATOR.apiVersion.value,
    kind: "Backup" as const,
    metadata: {
      name,
      namespace: topology.kubernetes.namespace,
      labels: { ...baseLabels(topology, "postgresql"), ...stackLabel(topology) },
    } satisfies BackupObjectMeta,
    spec: {
      cluster: { name: cnpgNames.main(topology) },
      method: "plugin" as const,
      pluginConfiguration: { name: BARMAN_PLUGIN.name.value },
      target: "prefer-standby" as const,
    },
  };
}
