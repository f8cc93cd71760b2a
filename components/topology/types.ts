/**
 * The Topology: every decision about a deployment, computed once from stack
 * config. Renderers, backends and the local runner read it; none of them
 * decides names, counts, slots or settings on its own.
 */

export type Backend = "selfHosted" | "aurora" | "local";
export type NodeRole = "primary" | "oltp" | "olap";
export type StandbyRole = Exclude<NodeRole, "primary">;
export type SynchronousCommit = "off" | "local" | "on" | "remote_write" | "remote_apply";
export type PoolMode = "session" | "transaction" | "statement";
export type PoolName = "write" | "read" | "olap";

/** One PostgreSQL server. `name` is its pod name, cluster_name and replication application_name. */
export interface DatabaseNode {
  name: string;
  role: NodeRole;
  /** The StatefulSet (or local group) the node belongs to. */
  group: string;
  ordinal: number;
  region: string;
  /** In a region other than the primary's: streams over TLS through the exposed primary. */
  remote: boolean;
  /** Physical replication slot on the primary; standbys only. */
  slot?: string;
}

export interface NodeResources {
  cpu: string;
  memory: string;
  memoryBytes: number;
  storage: string;
}

/** One postgresql.conf line: setting, value and, where it is not obvious, why. */
export interface Setting {
  name: string;
  value: string;
  why?: string;
}

export interface NodeGroup {
  name: string;
  role: NodeRole;
  region: string;
  remote: boolean;
  members: readonly DatabaseNode[];
  resources: NodeResources;
  settings: readonly Setting[];
}

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
  /** Host the region's replicas reach the primary at; default: the exposed Service's load balancer. */
  primaryHost?: string;
}

export interface Region {
  name: string;
  primary: boolean;
  groups: readonly NodeGroup[];
  /** The read pool (and the OLAP pool, if the OLAP replica lives here) serving this region. */
  pools: readonly Pool[];
  access?: RemoteAccess;
}

export interface Capacity {
  peakReadQps: number;
  perNodeQps: number;
  safetyFactor: number;
  requiredReplicas: number;
  /** The arithmetic, spelled out for stack outputs: "ceil(12000 / 4000 × 1.3) = ceil(3.9) = 4". */
  formula: string;
}

export interface Access {
  clientCidrs: readonly string[];
  replicationCidrs: readonly string[];
  requireTls: boolean;
  /** Server TLS is on (certificates provided by the backend). */
  tls: boolean;
}

export interface Replication {
  user: string;
  synchronousCommit: SynchronousCommit;
  synchronousReplicas: number;
  walKeepSizeBytes: number;
  maxSlotWalKeepSizeBytes: number;
  maxLagBytes: number;
  basebackupMaxRate: string;
}

export interface Verification {
  timeoutMs: number;
  maxLagBytes: number;
  maxLagMs: number;
}

export interface KubernetesSettings {
  namespace: string;
  createNamespace: boolean;
  storageClass?: string;
  antiAffinity: "preferred" | "required";
  images: { postgres: string; pgbouncer: string };
  pgbouncerResources: { cpu: string; memory: string };
}

export interface AuroraParameterSpec {
  name: string;
  value: string;
  applyMethod: "immediate" | "pending-reboot";
}

export interface AuroraNote {
  role: NodeRole | "cluster";
  setting: string;
  value: string;
  outcome: "skipped" | "mapped";
  reason: string;
  auroraValue?: string;
  /** The setting came from stack config (an override), not the product's defaults. */
  fromStackConfig: boolean;
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
  skipFinalSnapshot: boolean;
  backupRetentionDays: number;
  performanceInsights: boolean;
  monitoringInterval: number;
  autoMinorVersionUpgrade: boolean;
  proxy: { enabled: boolean; requireTls: boolean; maxConnectionsPercent: number; idleClientTimeoutS: number };
  autoscaling?: { minReaders: number; maxReaders: number; metric: "cpu" | "connections"; target: number };
  /** Failover prefers the lowest tier: OLTP readers first, the OLAP reader last. */
  promotionTiers: { oltp: number; olap: number };
  parameters: { cluster: readonly AuroraParameterSpec[]; writer: readonly AuroraParameterSpec[]; reader: readonly AuroraParameterSpec[]; olap: readonly AuroraParameterSpec[] };
  /** Every setting not sent as it is, and why. */
  notes: readonly AuroraNote[];
  secondaries: readonly AuroraSecondary[];
}

export interface Topology {
  name: string;
  backend: Backend;
  postgresVersion: 15 | 16 | 17;
  database: string;
  user: string;
  port: number;
  poolPort: number;
  region: string;
  primary: DatabaseNode;
  /** Every standby, OLTP and OLAP, in every region, in a stable order. */
  standbys: readonly DatabaseNode[];
  regions: readonly Region[];
  pools: { write: Pool; read: Pool; olap?: Pool };
  access: Access;
  replication: Replication;
  verification: Verification;
  capacity?: Capacity;
  kubernetes?: KubernetesSettings;
  aurora?: AuroraSettings;
  /** Short hash of everything above: changes whenever anything that needs re-verifying changes. */
  hash: string;
}
