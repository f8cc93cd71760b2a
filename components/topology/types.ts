/**
 * The Topology: every decision about a deployment, computed once from stack
 * config. Renderers, backends and the local runner read it; none of them
 * decides names, counts, slots or settings on its own. It is a union by
 * backend: the Kubernetes or Aurora part exists exactly when that backend is
 * chosen, and a standby always has its slot.
 */
import type { ProxyMode } from "../config/auroraFields";
import type { Capacity } from "../config/capacity";
import type { KubernetesEngine, NodeResources } from "../config/resolve";
import type { ResolvedReplication } from "../config/replication";
import type { Retention } from "../config/backup";
import type { ClientSelector } from "../config/clientSelectors";
import type { AppSecretTarget } from "../config/kubernetes";
import type { GucName } from "../settings/registry";

export type { CnpgEngine, KubernetesEngine, NodeResources } from "../config/resolve";
export type { Capacity } from "../config/capacity";
export type { AppSecretTarget } from "../config/kubernetes";
export type { Retention } from "../config/backup";
export type Backend = "selfHosted" | "aurora" | "local";
export type StandbyRole = "oltp" | "olap";
export type NodeRole = "primary" | StandbyRole;
export type SynchronousCommit = ResolvedReplication["synchronousCommit"];
export type PoolMode = "session" | "transaction" | "statement";
export type PoolName = "write" | "read" | "olap";

interface NodeBase {
  /** Pod name, cluster_name and replication application_name. */
  name: string;
  /** The StatefulSet (or local group) the node belongs to. */
  group: string;
  ordinal: number;
  region: string;
}

export interface PrimaryNode extends NodeBase {
  role: "primary";
  remote: false;
}

export interface StandbyNode extends NodeBase {
  role: StandbyRole;
  /** In a region other than the primary's: streams over TLS through the exposed primary. */
  remote: boolean;
  /** Its physical replication slot on the primary. */
  slot: string;
}

export type DatabaseNode = PrimaryNode | StandbyNode;

/** One postgresql.conf line: setting, value, where it came from and, where it is not obvious, why. */
export interface Setting {
  name: GucName;
  value: string;
  source: "default" | "stackConfig";
  why?: string;
}

interface GroupBase {
  name: string;
  region: string;
  resources: NodeResources;
  settings: readonly Setting[];
}

export interface PrimaryGroup extends GroupBase {
  role: "primary";
  remote: false;
  members: readonly [PrimaryNode];
}

export interface StandbyGroup extends GroupBase {
  role: StandbyRole;
  remote: boolean;
  members: readonly StandbyNode[];
}

export type NodeGroup = PrimaryGroup | StandbyGroup;

export interface PoolSizing {
  defaultPoolSize: number;
  maxClientConn: number;
  reservePoolSize: number;
}

export interface Pool extends PoolSizing {
  name: PoolName;
  /** Kubernetes Deployment/Service name, local process name. */
  service: string;
  region: string;
  /** Which nodes the pool's server connections land on. */
  target: NodeRole;
  poolMode: PoolMode;
  reservePoolTimeoutMs: number;
  /** statement_timeout set on every server connection of this pool, if any. */
  statementTimeoutMs?: number;
  /** Shorter lifetimes on the read pool let new replicas receive connections after a scale-out. */
  serverLifetimeS: number;
  /** PgBouncer's wait after a failed server connect or login (short on the write pool: failover). */
  serverLoginRetryMs: number;
  serverRoundRobin: boolean;
  instances: number;
}

export interface RemoteAccess {
  /** kubeconfig context for this region's cluster. */
  context?: string;
  /** kubeconfig path or contents for this region's cluster. */
  kubeconfig?: string;
  /** Where this region's cluster connects to the primary from; replication is TLS-only from these. */
  cidrs: readonly string[];
  /** Clients of this region's replicas (its read pool, its applications). */
  allowedCidrs: readonly string[];
  /** selfHosted: application pods in this region's cluster admitted to its pools by label. */
  allowedClients?: readonly ClientSelector[];
  /** Host the region's replicas reach the primary at; default: the exposed Service's load balancer. */
  primaryHost?: string;
}

interface RegionBase {
  name: string;
  groups: readonly NodeGroup[];
  /** The read pool (and the OLAP pool, if the OLAP replica lives here) serving this region. */
  pools: readonly Pool[];
}

export interface HomeRegion extends RegionBase {
  primary: true;
}

export interface RemoteRegion extends RegionBase {
  primary: false;
  access: RemoteAccess;
}

export type Region = HomeRegion | RemoteRegion;

export interface Access {
  clientCidrs: readonly string[];
  replicationCidrs: readonly string[];
  requireTls: boolean;
  /** Server TLS is on (certificates provided by the backend). */
  tls: boolean;
}

/** The resolved replication settings plus the role standbys stream as. */
export interface Replication extends ResolvedReplication {
  user: string;
}

export interface Verification {
  timeoutMs: number;
  maxLagBytes: number;
  maxLagMs: number;
}

export interface KubernetesSettings {
  namespace: string;
  createNamespace: boolean;
  /** The cluster's DNS domain: in-cluster names are <service>.<namespace>.svc.<clusterDomain>. */
  clusterDomain: string;
  storageClass?: string;
  antiAffinity: "preferred" | "required";
  images: { postgres: string; pgbouncer: string };
  pgbouncerResources: { cpu: string; memory: string };
  /**
   * The writer pod: the primary's, or the OLTP replica a failover promoted (the primary's StatefulSet is then at 0).
   */
  writer: string;
  loadBalancerAnnotations: Readonly<Record<string, string>>;
  /** Where the applications' connection Secrets go (kubernetes.appSecret); absent: none. */
  appSecret?: AppSecretTarget;
  /** Application pods the primary's region admits to its pools and servers by label. */
  allowedClients: readonly ClientSelector[];
  monitoring: KubernetesMonitoring;
  /** statefulset: this project's workloads; cloudnative-pg: the operator's Clusters and Poolers. */
  engine: KubernetesEngine;
}

/** Prometheus-based monitoring (selfHosted and local): exporters, their role, the rules' bounds. */
export interface PrometheusMonitoring {
  enabled: boolean;
  /** postgres_exporter's role (pg_monitor only). */
  user: string;
  scrapeIntervalMs: number;
  olapReplayPausedForMs: number;
}

export interface KubernetesMonitoring {
  prometheusOperator: boolean;
  releaseLabel: string;
  grafanaDashboard: boolean;
  scrapers: Readonly<Record<string, string>>;
  images: { postgresExporter: string; pgbouncerExporter: string };
}

export interface AuroraAlarms {
  enabled: boolean;
  snsTopicArn?: string;
  createSnsTopic: boolean;
}

export interface AuroraSecondary {
  region: string;
  vpcId: string;
  subnetIds: readonly string[];
  kmsKeyId: string;
  readerClass: string;
  replicas: number;
  /** Clients of this region's readers. */
  allowedCidrs: readonly string[];
  /** The SNS topic this region's alarms notify (an alarm's actions must be in its region). */
  snsTopicArn?: string;
}

export interface AuroraSettings {
  engineVersion: string;
  /** Parameter group family, e.g. aurora-postgresql16. */
  family: string;
  vpcId: string;
  subnetIds: readonly string[];
  allowedSecurityGroupIds: readonly string[];
  kmsKeyId?: string;
  instanceClass: { writer: string; reader: string; olap?: string };
  deletionProtection: boolean;
  /** Lifts deletionProtection's guards (protection.ts): a replacement or a destroy may go through. */
  allowReplacement: boolean;
  skipFinalSnapshot: boolean;
  backupRetentionDays: number;
  /** Absent: not sent (Standard on a new cluster). */
  storageType?: "aurora" | "aurora-iopt1";
  engineLifecycleSupport: "open-source-rds-extended-support" | "open-source-rds-extended-support-disabled";
  performanceInsights: boolean;
  /** CloudWatch Database Insights mode on each cluster; absent: not sent. */
  databaseInsights?: "standard" | "advanced";
  monitoringInterval: number;
  autoMinorVersionUpgrade: boolean;
  allowMajorVersionUpgrade: boolean;
  applyImmediately: boolean;
  preferredMaintenanceWindow?: string;
  preferredBackupWindow?: string;
  caCertIdentifier?: string;
  /** RDS keeps the master password in Secrets Manager (never with secondaries). */
  manageMasterUserPassword: boolean;
  masterPasswordRotationDays?: number;
  /** The application's role (not the master): what the outputs' user and URLs log in as. */
  appUser: string;
  logRetentionDays: number;
  iamDatabaseAuthentication: boolean;
  /** mode: readWrite (both pools through the proxy), writeOnly (reads on the cluster's reader endpoint), none. */
  proxy: {
    mode: ProxyMode;
    requireTls: boolean;
    maxConnectionsPercent: number;
    idleClientTimeoutS: number;
  };
  autoscaling?: { minReaders: number; maxReaders: number; metric: "cpu" | "connections"; target: number };
  alarms: AuroraAlarms;
  secondaries: readonly AuroraSecondary[];
}

/** Where a pgBackRest or barman repository is (issue 22). */
export type BackupRepository =
  /** A directory on this machine (local); absent path: the backend's default for the stack (topology/backup.ts). */
  | { kind: "posix"; path?: string }
  /** Object storage: s3://bucket/prefix. */
  | {
      kind: "s3";
      bucket: string;
      /** Without leading or trailing slash; "" for the bucket's root. */
      prefix: string;
      endpoint?: string;
      region: string;
      secretName?: string;
      uriStyle: "host" | "path";
    }
  /** A ReadWriteMany claim every pod mounts (statefulset engine). */
  | { kind: "pvc"; claim: string };

/** local and the statefulset engine: pgBackRest archives WAL and takes base backups on a schedule. */
export interface PgbackrestBackup {
  tool: "pgbackrest";
  repository: BackupRepository;
  /** The stanza in the repository; absent only with the local default repository (the stack's name, then). */
  stanza?: string;
  /** 5-field cron, UTC. */
  schedule: string;
  retention: Retention;
  archiveTimeoutSeconds: number;
}

/** cloudnative-pg: the Barman Cloud plugin archives WAL into an ObjectStore; ScheduledBackups take base backups. */
export interface BarmanCloudBackup {
  tool: "barmanCloud";
  repository: Extract<BackupRepository, { kind: "s3" }>;
  /** The plugin's serverName: the folder of this stack under the destination path. */
  serverName: string;
  /** 6-field cron with seconds, as ScheduledBackup reads it. */
  schedule: string;
  /** The ObjectStore's retentionPolicy, e.g. 7d. */
  retentionPolicy: string;
  archiveTimeoutSeconds: number;
}

/** Aurora: automated backups, kept this many days. */
export interface AuroraBackup {
  tool: "aurora";
  retentionDays: number;
}

export type Backup = PgbackrestBackup | BarmanCloudBackup | AuroraBackup;

/** How far a restore replays. */
export type RestoreTarget = { type: "time"; at: string } | { type: "lsn"; lsn: string } | { type: "latest" };

/** A new stack that starts from a backup, at creation only. */
export type Restore =
  /** From a pgBackRest or barman repository: the source stack's stanza (serverName). */
  | { source: "repository"; repository: BackupRepository; stanza: string; target: RestoreTarget }
  /** Aurora: restoreToPointInTime from a cluster (identifier, ARN or resource id). */
  | { source: "auroraCluster"; cluster: string; target: Exclude<RestoreTarget, { type: "lsn" }> }
  /** Aurora: from a cluster snapshot. */
  | { source: "auroraSnapshot"; snapshot: string };

interface TopologyBase {
  name: string;
  postgresVersion: 15 | 16 | 17;
  database: string;
  user: string;
  port: number;
  poolPort: number;
  region: string;
  primary: PrimaryNode;
  /** Every standby, OLTP and OLAP, in every region, in a stable order. */
  standbys: readonly StandbyNode[];
  regions: readonly Region[];
  pools: { write: Pool; read: Pool; olap?: Pool };
  access: Access;
  replication: Replication;
  verification: Verification;
  capacity?: Capacity;
  /** On every Kubernetes object and, as tags, every AWS resource (stack config labels and changeId). */
  labels: Readonly<Record<string, string>>;
  /** WAL archive and base backups (absent: none, and nothing rendered for them). */
  backup?: Backup;
  /** The backup this stack starts from (absent: an empty stack). */
  restore?: Restore;
  /** Short hash of everything above: changes whenever anything that needs re-verifying changes. */
  hash: string;
}

export interface SelfHostedTopology extends TopologyBase {
  backend: "selfHosted";
  kubernetes: KubernetesSettings;
  monitoring: PrometheusMonitoring;
}

export interface AuroraTopology extends TopologyBase {
  backend: "aurora";
  aurora: AuroraSettings;
}

export interface LocalTopology extends TopologyBase {
  backend: "local";
  monitoring: PrometheusMonitoring;
}

export type Topology = SelfHostedTopology | AuroraTopology | LocalTopology;
