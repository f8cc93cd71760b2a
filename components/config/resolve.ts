/**
 * Defaults, applied once. The schema fills every static default as it parses;
 * this step fills the ones computed from other keys (replicationCidrs from
 * allowedCidrs, a pool's sizing from the global pgbouncer sizing, the reader
 * class from the writer's, images from the PostgreSQL version, the replica count
 * from capacity). Validation and the topology builder read only the result: plain
 * fields, nothing optional that has a default.
 */
import type { ClientSelector } from "./clientSelectors";
import { type Capacity, requiredReplicas } from "./capacity";
import { CHANGE_LABEL } from "./labels";
import type { AuroraConfig, LocalConfig, SelfHostedConfig, StackConfig } from "./schema";
import { parseByteQuantity } from "../ground/units";
import { type ResolvedPrometheusMonitoring, resolvePrometheusMonitoring } from "./monitoringFields";
import { type ResolvedKubernetes, allowedClientsOf, resolveKubernetes } from "./kubernetes";
import { type ResolvedReplication, resolveReplication } from "./replication";
import {
  type ResolvedArchiveBackup,
  type ResolvedAuroraBackup,
  type ResolvedRestore,
  resolveArchiveBackup,
  resolveAuroraBackup,
  resolveRestore,
} from "./backup";
import {
  type AuroraRegionEntry,
  type ResolvedAuroraBlock,
  auroraPlaceholders,
  resolveAuroraBlock,
  resolveAuroraRegions,
} from "./aurora";

export type PoolName = "write" | "read" | "olap";
export type ResourceRole = "primary" | "replica" | "olap";

export interface PoolSizing {
  defaultPoolSize: number;
  maxClientConn: number;
  reservePoolSize: number;
  /** Where the sizing was set, for messages: `pgbouncer.pools.read` or `pgbouncer`. */
  configKey: string;
  /** How long a server connection lives before PgBouncer replaces it. */
  serverLifetimeS: number;
  /** How long PgBouncer waits after a failed server connect or login before the next attempt. */
  serverLoginRetryMs: number;
}

export interface ResolvedPgbouncer {
  poolMode: "session" | "transaction" | "statement";
  reservePoolTimeoutMs: number;
  readStatementTimeoutMs: number;
  instances: number;
  pools: Record<PoolName, PoolSizing>;
}

export interface NodeResources {
  cpu: string;
  memory: string;
  memoryBytes: number;
  storage: string;
  storageBytes: number;
}

export type OlapChoice =
  { enabled: false } | { enabled: true; region: string; settings: Readonly<Record<string, string>> };

interface ResolvedCommon {
  name: string;
  postgresVersion: 15 | 16 | 17;
  database: string;
  user: string;
  region: string;
  /** OLTP replicas in the primary's region, and whether `replicas` or `capacity` decided it. */
  replicas: { count: number; from: "replicas" | "capacity" };
  capacity?: Capacity;
  allowedCidrs: readonly string[];
  replicationCidrs: readonly string[];
  /** False when replicationCidrs fell back to allowedCidrs (a selfHosted stack is warned: clients' networks). */
  replicationCidrsGiven: boolean;
  /** An address list may hold 0.0.0.0/0 or ::/0 (non-local backends refuse it otherwise). */
  allowOpenCidrs: boolean;
  requireTls: boolean;
  olap: OlapChoice;
  /** The olap block as given, for rules that must tell "not set" from "disabled". */
  olapGiven?: { enabled: boolean; region?: string };
  maxConnections: number;
  /** postgresql.maxConnections was set in stack config (Aurora keeps its own formula otherwise). */
  maxConnectionsGiven: boolean;
  overrides: { primary: Readonly<Record<string, string>>; replica: Readonly<Record<string, string>> };
  resources: Record<ResourceRole, NodeResources> & { pgbouncer: { cpu: string; memory: string } };
  pgbouncer: ResolvedPgbouncer;
  replication: ResolvedReplication;
  verification: { timeoutMs: number; maxLagBytes: number; maxLagMs: number };
  ports: { postgres: number; pool: number };
  /** The role standbys stream as. */
  replicationUser: string;
  /** The change a per-change (preview) stack belongs to. */
  changeId?: string;
  /** Every Kubernetes object's labels and every AWS resource's tags; the change label included. */
  labels: Readonly<Record<string, string>>;
  /** A new stack that starts from a backup (creation only); absent: an empty stack. */
  restore?: ResolvedRestore;
}

export interface SelfHostedRegionEntry {
  region: string;
  replicas: number;
  context?: string;
  kubeconfig?: string;
  cidrs: readonly string[];
  allowedCidrs: readonly string[];
  /** Application pods admitted there by label; default: the stack's allowedClients. */
  allowedClients: readonly ClientSelector[];
  primaryHost?: string;
}

export type { CnpgEngine, KubernetesEngine } from "./kubernetes";
export type { ResolvedPrometheusMonitoring } from "./monitoringFields";
export type { ResolvedReplication } from "./replication";
export type { ResolvedArchiveBackup, ResolvedAuroraBackup, ResolvedRestore, ResolvedS3, Retention } from "./backup";

export interface ResolvedSelfHosted extends ResolvedCommon {
  backend: "selfHosted";
  monitoring: ResolvedPrometheusMonitoring;
  crossRegion: readonly SelfHostedRegionEntry[];
  kubernetes: ResolvedKubernetes;
  backup: ResolvedArchiveBackup;
}

export interface ResolvedAurora extends ResolvedCommon {
  backend: "aurora";
  alarms: { enabled: boolean; snsTopicArn?: string; createSnsTopic: boolean };
  crossRegion: readonly AuroraRegionEntry[];
  aurora: ResolvedAuroraBlock;
  backup: ResolvedAuroraBackup;
}

export interface ResolvedLocal extends ResolvedCommon {
  backend: "local";
  monitoring: ResolvedPrometheusMonitoring;
  crossRegion: readonly never[];
  backup: ResolvedArchiveBackup;
}

export type ResolvedConfig = ResolvedSelfHosted | ResolvedAurora | ResolvedLocal;

/** Static defaults that the schema cannot prefault because their provenance matters. */
export const DEFAULTS = { maxConnections: 200 } as const;

/**
 * TLS is required unless a selfHosted or Aurora stack opts out (requireTls: false, which warns): secure by default
 * (issue 25 item 8). A local stack listens on loopback addresses only and keeps TLS optional.
 */
export const REQUIRE_TLS_DEFAULT = true;

/** Fixed by the product, not by stack config. */
export const FIXED = {
  ports: { postgres: 5432, pool: 6432 },
  replicationUser: "replicator",
  /** postgres_exporter's role: pg_monitor, nothing else. */
  monitoringUser: "pgrr_monitor",
  /**
   * Server connection lifetimes per pool. The read pool's is short: its target is a Service, which
   * stops sending new connections to a replica that leaves (unready, lagging, promoted), while
   * PgBouncer reuses the ones it has until they age out. A connection is closed on release once
   * older than this, one per lifetime/pool-size (facts/postgres/pgbouncer.ts), so the last one to a
   * leaving replica goes within 2 × 30 s; replicas added by a scale-out get connections as soon.
   */
  serverLifetimeS: { write: 3600, read: 30, olap: 3600 },
  /**
   * server_login_retry per pool. After a failed connect PgBouncer makes no new attempt for this long, and a RELOAD
   * that points the pool at another server does not cut the wait short (facts/postgres PGBOUNCER
   * loginRetryAfterFailedConnect): after a failover the write pool reaches the new writer at the first attempt
   * past it. The write pool's is short so that a promotion is felt for well under a second more than it takes;
   * one attempt at a time, so a writer that is down costs a refused connect every 250 ms. The read and OLAP pools
   * move between replicas that stay up, so they keep 2 s.
   */
  serverLoginRetryMs: { write: 250, read: 2000, olap: 2000 },
} as const;

function nodeResources(given: { cpu: string; memory: string; storage: string }): NodeResources {
  return {
    ...given,
    memoryBytes: parseByteQuantity(given.memory) ?? 0,
    storageBytes: parseByteQuantity(given.storage) ?? 0,
  };
}

function resolvePgbouncer(given: SelfHostedConfig["pgbouncer"]): ResolvedPgbouncer {
  const sizing = (pool: PoolName): PoolSizing => {
    const own = given.pools[pool];
    return {
      defaultPoolSize: own.defaultPoolSize ?? given.defaultPoolSize,
      maxClientConn: own.maxClientConn ?? given.maxClientConn,
      reservePoolSize: own.reservePoolSize ?? given.reservePoolSize,
      configKey: own.defaultPoolSize !== undefined ? `pgbouncer.pools.${pool}` : "pgbouncer",
      serverLifetimeS: FIXED.serverLifetimeS[pool],
      serverLoginRetryMs: FIXED.serverLoginRetryMs[pool],
    };
  };
  return {
    poolMode: given.poolMode,
    reservePoolTimeoutMs: given.reservePoolTimeout,
    readStatementTimeoutMs: given.readStatementTimeout,
    instances: given.instances,
    pools: { write: sizing("write"), read: sizing("read"), olap: sizing("olap") },
  };
}

function replicaCount(config: StackConfig): ResolvedCommon["replicas"] {
  if (config.replicas !== undefined) return { count: config.replicas, from: "replicas" };
  if (!config.capacity)
    throw new Error("resolveConfig: parseStackConfig lets no config through without replicas or capacity");
  const { peakReadQps, perNodeQps, safetyFactor } = config.capacity;
  return { count: requiredReplicas(peakReadQps, perNodeQps, safetyFactor).requiredReplicas, from: "capacity" };
}

/** The OLAP choice, its region defaulting to the primary's; and the block as given, when it is. */
function resolveOlap(config: StackConfig): Pick<ResolvedCommon, "olap" | "olapGiven"> {
  const given = config.olap;
  if (!given) return { olap: { enabled: false } };
  const olap: OlapChoice = given.enabled
    ? { enabled: true, region: given.region ?? config.region, settings: given.settings }
    : { enabled: false };
  return {
    olap,
    olapGiven: { enabled: given.enabled, ...(given.region !== undefined ? { region: given.region } : {}) },
  };
}

function resolveCommon(
  config: StackConfig,
  parts: Pick<SelfHostedConfig, "resources" | "pgbouncer" | "replication">,
  requireTls: boolean,
): ResolvedCommon {
  const replication = resolveReplication(parts.replication);
  return {
    name: config.name,
    postgresVersion: config.postgresVersion,
    database: config.database,
    user: config.user,
    region: config.region,
    replicas: replicaCount(config),
    ...(config.capacity
      ? {
          capacity: requiredReplicas(
            config.capacity.peakReadQps,
            config.capacity.perNodeQps,
            config.capacity.safetyFactor,
          ),
        }
      : {}),
    allowedCidrs: config.allowedCidrs,
    replicationCidrs: config.replicationCidrs ?? config.allowedCidrs,
    replicationCidrsGiven: config.replicationCidrs !== undefined,
    allowOpenCidrs: config.allowOpenCidrs,
    requireTls,
    ...resolveOlap(config),
    maxConnections: config.postgresql.maxConnections ?? DEFAULTS.maxConnections,
    maxConnectionsGiven: config.postgresql.maxConnections !== undefined,
    overrides: { primary: config.postgresql.primary, replica: config.postgresql.replica },
    resources: {
      primary: nodeResources(parts.resources.primary),
      replica: nodeResources(parts.resources.replica),
      olap: nodeResources(parts.resources.olap),
      pgbouncer: parts.resources.pgbouncer,
    },
    pgbouncer: resolvePgbouncer(parts.pgbouncer),
    replication,
    verification: {
      timeoutMs: config.verification.timeout,
      maxLagBytes: config.verification.maxLagBytes ?? replication.maxLagBytes,
      maxLagMs: config.verification.maxLag,
    },
    ports: { ...FIXED.ports },
    replicationUser: FIXED.replicationUser,
    ...(config.changeId !== undefined ? { changeId: config.changeId } : {}),
    labels: { ...config.labels, ...(config.changeId !== undefined ? { [CHANGE_LABEL]: config.changeId } : {}) },
    ...(config.restore !== undefined ? { restore: resolveRestore(config.restore) } : {}),
  };
}

function resolveSelfHosted(config: SelfHostedConfig): ResolvedSelfHosted {
  return {
    ...resolveCommon(config, config, config.requireTls ?? REQUIRE_TLS_DEFAULT),
    backend: "selfHosted",
    crossRegion: config.crossRegion.map((entry) => ({
      ...entry,
      allowedCidrs: entry.allowedCidrs ?? entry.cidrs,
      allowedClients: entry.allowedClients ?? allowedClientsOf(config),
    })),
    kubernetes: resolveKubernetes(config),
    monitoring: resolvePrometheusMonitoring(config.monitoring, FIXED.monitoringUser),
    backup: resolveArchiveBackup(config.backup),
  };
}

function resolveAurora(config: AuroraConfig): ResolvedAurora {
  return {
    ...resolveCommon(config, auroraPlaceholders(), config.requireTls ?? REQUIRE_TLS_DEFAULT),
    backend: "aurora",
    alarms: {
      enabled: config.monitoring.enabled,
      ...(config.monitoring.snsTopicArn !== undefined ? { snsTopicArn: config.monitoring.snsTopicArn } : {}),
      createSnsTopic: config.monitoring.createSnsTopic,
    },
    crossRegion: resolveAuroraRegions(config),
    aurora: resolveAuroraBlock(config.aurora, config.user),
    backup: resolveAuroraBackup(config.backup, config.aurora.backupRetentionDays),
  };
}

function resolveLocal(config: LocalConfig): ResolvedLocal {
  return {
    ...resolveCommon(config, config, false),
    backend: "local",
    crossRegion: [],
    monitoring: resolvePrometheusMonitoring(config.monitoring, FIXED.monitoringUser),
    backup: resolveArchiveBackup(config.backup),
  };
}

export function resolveConfig(config: StackConfig): ResolvedConfig {
  switch (config.backend) {
    case "selfHosted":
      return resolveSelfHosted(config);
    case "aurora":
      return resolveAurora(config);
    case "local":
      return resolveLocal(config);
  }
}
