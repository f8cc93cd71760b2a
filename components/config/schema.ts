/**
 * Stack config (`pg-read-replicas:*` keys), one schema per backend, each key
 * beside its default and description. Static defaults are the schema's own
 * prefaults; defaults computed from other keys are applied once, in resolve.ts,
 * and documented here as `derivedDefault`. The README's config reference is
 * generated from this file (config/reference.ts) and tested against it.
 */
import { z } from "zod";
import {
  MAX_REPLICAS,
  basebackupRate,
  bool,
  byteQuantity,
  changeId,
  cidrList,
  cpu,
  dnsLabel,
  doc,
  duration,
  gucOverrides,
  hostName,
  labelMap,
  positiveNumber,
  postgresVersion,
  region,
  size,
  sqlIdentifier,
  wholeNumber,
} from "./fields";
import { aurora, auroraRegion } from "./auroraFields";
import { kubernetes } from "./kubernetesFields";
import { CLIENT_SELECTORS_DEFAULT, CLIENT_SELECTORS_DESCRIPTION, clientSelectorList } from "./clientSelectors";
import {
  RESTORE_DESCRIPTION,
  archiveRestore,
  auroraBackup,
  auroraRestore,
  localBackup,
  selfHostedBackup,
  selfHostedRestore,
} from "./backupFields";
import { auroraMonitoring, localMonitoring, selfHostedMonitoring } from "./monitoringFields";

export { MAX_REPLICAS } from "./fields";

export const BACKENDS = ["selfHosted", "aurora", "local"] as const;
export type Backend = (typeof BACKENDS)[number];

const capacity = z.strictObject({
  peakReadQps: doc(positiveNumber(1, 10_000_000, 12000), "peak reads per second the replicas must serve"),
  perNodeQps: doc(
    positiveNumber(1, 10_000_000, 4000),
    "reads per second one replica sustains, measured under your query mix",
  ),
  safetyFactor: doc(
    positiveNumber(1, 3, 1.3),
    "headroom for connection overhead, WAL apply and failover, typically 1.3–1.5",
  ),
});

function nodeResources(defaults: { cpu: string; memory: string; storage: string }, who: string) {
  return z
    .strictObject({
      cpu: doc(cpu.prefault(defaults.cpu), `CPU request of ${who} (no CPU limit: throttling turns spikes into lag)`),
      memory: doc(
        byteQuantity.prefault(defaults.memory),
        `memory of ${who}; shared_buffers is ¼ and effective_cache_size ¾ of it`,
      ),
      storage: doc(byteQuantity.prefault(defaults.storage), `data volume of ${who}`),
    })
    .prefault({});
}

const resources = z
  .strictObject({
    primary: nodeResources({ cpu: "1", memory: "2Gi", storage: "20Gi" }, "the primary"),
    replica: nodeResources({ cpu: "1", memory: "2Gi", storage: "20Gi" }, "each OLTP replica"),
    olap: nodeResources({ cpu: "2", memory: "4Gi", storage: "20Gi" }, "the OLAP replica"),
    pgbouncer: z
      .strictObject({
        cpu: doc(cpu.prefault("100m"), "CPU request of each PgBouncer pod"),
        memory: doc(byteQuantity.prefault("128Mi"), "memory of each PgBouncer pod"),
      })
      .prefault({}),
  })
  .prefault({});

const olap = z.strictObject({
  enabled: doc(bool, "run the OLAP replica and its pool"),
  region: doc(
    region.optional(),
    "where the OLAP replica runs: the primary's region or a crossRegion region",
    "the primary's region",
  ),
  settings: doc(
    gucOverrides.prefault({}),
    "overrides of the OLAP replica's PostgreSQL settings (see the settings registry)",
  ),
});

const postgresql = z
  .strictObject({
    maxConnections: doc(
      wholeNumber(20, 10_000, 200).optional(),
      "max_connections on every node (standbys must match the primary); on Aurora only sent when set here",
      "200; aurora: Aurora's LEAST(DBInstanceClassMemory/9531392, 5000)",
    ),
    primary: doc(gucOverrides.prefault({}), "overrides of the primary's PostgreSQL settings"),
    replica: doc(gucOverrides.prefault({}), "overrides of the OLTP replicas' PostgreSQL settings"),
  })
  .prefault({});

const poolSizing = z.strictObject({
  defaultPoolSize: doc(
    wholeNumber(1, 10_000, 20).optional(),
    "server connections per pool and database",
    "pgbouncer.defaultPoolSize",
  ),
  maxClientConn: doc(
    wholeNumber(1, 100_000, 1000).optional(),
    "client connections a pool accepts",
    "pgbouncer.maxClientConn",
  ),
  reservePoolSize: doc(
    wholeNumber(0, 10_000, 5).optional(),
    "extra server connections when clients wait",
    "pgbouncer.reservePoolSize",
  ),
});

function pgbouncer(defaultInstances: number) {
  return z
    .strictObject({
      poolMode: doc(
        z.enum(["session", "transaction", "statement"]).prefault("transaction"),
        "PgBouncer pool_mode of every pool",
      ),
      defaultPoolSize: doc(wholeNumber(1, 10_000, 20).prefault(20), "server connections per pool"),
      maxClientConn: doc(wholeNumber(1, 100_000, 1000).prefault(1000), "client connections per pool"),
      reservePoolSize: doc(wholeNumber(0, 10_000, 5).prefault(5), "extra server connections when clients wait"),
      reservePoolTimeout: doc(duration.prefault("3s"), "how long a client waits before the reserve is used"),
      readStatementTimeout: doc(duration.prefault("30s"), "statement_timeout on the read pool's server connections"),
      instances: doc(
        wholeNumber(1, 20, 2).prefault(defaultInstances),
        "PgBouncer pods per pool; each pool's instances × (pool + reserve) must fit a node's maxConnections − 10",
      ),
      pools: z
        .strictObject({
          write: doc(poolSizing.prefault({}), "sizing of the write pool"),
          read: doc(poolSizing.prefault({}), "sizing of the read pool"),
          olap: doc(poolSizing.prefault({}), "sizing of the OLAP pool"),
        })
        .prefault({}),
    })
    .prefault({});
}

const replication = z
  .strictObject({
    synchronousCommit: doc(
      z.enum(["off", "local", "on", "remote_write", "remote_apply"]).prefault("local"),
      "synchronous_commit on the primary",
    ),
    synchronousReplicas: doc(
      wholeNumber(0, MAX_REPLICAS, 1).prefault(0),
      "commits wait for ANY k primary-region OLTP replicas; ≥ 1 for on/remote_*",
    ),
    walKeepSize: doc(size.prefault("1GB"), "wal_keep_size"),
    maxSlotWalKeepSize: doc(size.prefault("10GB"), "WAL a stopped replica's slot may pin; must be ≥ walKeepSize"),
    maxLagBytes: doc(size.prefault("100MB"), "past this replay lag a replica leaves the read Service and pool"),
    basebackupMaxRate: doc(basebackupRate.prefault("100M"), "throttles seeding so it does not starve the primary"),
  })
  .prefault({});

const verification = z
  .strictObject({
    timeout: doc(duration.prefault("5m"), "how long the deploy gate polls, 30s–1h"),
    maxLagBytes: doc(size.optional(), "replay lag bound the gate checks", "replication.maxLagBytes"),
    maxLag: doc(duration.prefault("5s"), "a heartbeat must reach every reader within this"),
  })
  .prefault({});

const common = {
  name: doc(dnsLabel(20).prefault("pg"), "prefix of every object name"),
  postgresVersion: doc(postgresVersion, "15, 16 or 17; never defaulted (a major upgrade needs a data migration)"),
  database: doc(sqlIdentifier("database"), "application database (a lower-case SQL identifier)"),
  user: doc(sqlIdentifier("user"), "application user (a lower-case SQL identifier)"),
  replicas: doc(
    wholeNumber(1, MAX_REPLICAS, 2).optional(),
    "OLTP replicas in the primary's region, 1–15",
    "from capacity",
  ),
  capacity: doc(
    capacity.optional(),
    "replicas = ceil(peakReadQps / perNodeQps × safetyFactor); with replicas also set, replicas wins and a warning shows if it is lower",
  ),
  allowedCidrs: doc(cidrList, "client CIDRs: pg_hba admits the application user to its database from these"),
  replicationCidrs: doc(
    cidrList.optional(),
    "where the primary's in-region replicas log in for replication from: the pod network of the primary's cluster",
    "required on selfHosted; allowedCidrs on local",
  ),
  allowOpenCidrs: doc(
    bool.prefault(false),
    "let a CIDR list (allowedCidrs, replicationCidrs, crossRegion[].cidrs/allowedCidrs) hold 0.0.0.0/0 or ::/0 on a selfHosted or Aurora stack; it warns (password logins from any address)",
  ),
  olap: doc(olap.optional(), "the OLAP replica (absent: none)"),
  postgresql,
  verification,
  changeId: doc(
    changeId.optional(),
    "the change (e.g. pull request number) a per-change preview stack belongs to: appended to kubernetes.namespace, labelled pg-read-replicas/change on every object (see Preview stacks)",
  ),
  labels: doc(
    labelMap.prefault({}),
    "labels on every Kubernetes object and tags on every AWS resource, e.g. pg-read-replicas/expires (Kubernetes label syntax)",
  ),
};

const selfHostedRegion = z.strictObject({
  region: doc(region, "the region's name"),
  replicas: doc(wholeNumber(1, MAX_REPLICAS, 1), "OLTP replicas in that region"),
  context: doc(
    z.string().min(1).optional(),
    "kubeconfig context of that region's cluster (one of context or kubeconfig)",
  ),
  kubeconfig: doc(z.string().min(1).optional(), "kubeconfig path or contents for that region's cluster"),
  cidrs: doc(cidrList, "where that cluster reaches the primary from; replication is TLS-only from these"),
  allowedCidrs: doc(cidrList.optional(), "clients of that region's replicas", "its cidrs"),
  allowedClients: doc(
    clientSelectorList.optional(),
    "application pods in that region's cluster admitted to its pools by label (as allowedClients)",
    "allowedClients",
  ),
  primaryHost: doc(
    hostName.optional(),
    "host that region's replicas reach the primary at",
    "the exposed Service's load balancer",
  ),
});

export const selfHostedConfigSchema = z.strictObject({
  backend: z.literal("selfHosted"),
  ...common,
  region: doc(region, "the primary's region"),
  requireTls: doc(
    bool.optional(),
    "refuse every plain-text connection; false is an explicit opt-out and warns",
    "true",
  ),
  allowedClients: doc(clientSelectorList.optional(), CLIENT_SELECTORS_DESCRIPTION, CLIENT_SELECTORS_DEFAULT),
  resources,
  pgbouncer: pgbouncer(2),
  replication,
  crossRegion: doc(
    z.array(selfHostedRegion).prefault([]),
    "replicas in other regions, each on its own Kubernetes cluster",
  ),
  kubernetes,
  monitoring: selfHostedMonitoring,
  backup: selfHostedBackup,
  restore: doc(selfHostedRestore.optional(), RESTORE_DESCRIPTION, "none: a new, empty stack"),
});

export const auroraConfigSchema = z.strictObject({
  backend: z.literal("aurora"),
  ...common,
  region: doc(region, "the primary's region (an AWS region)"),
  requireTls: doc(
    bool.optional(),
    "rds.force_ssl: refuse plain-text connections; false is an explicit opt-out and warns",
    "true",
  ),
  // Aurora readers share the writer's storage: no WAL streaming settings apply (every key is refused with why).
  replication: z.strictObject({}).optional(),
  crossRegion: doc(z.array(auroraRegion).prefault([]), "Aurora Global Database secondaries"),
  aurora,
  monitoring: auroraMonitoring,
  backup: auroraBackup,
  restore: doc(auroraRestore.optional(), RESTORE_DESCRIPTION, "none: a new, empty stack"),
});

export const localConfigSchema = z.strictObject({
  backend: z.literal("local"),
  ...common,
  region: doc(region.prefault("local"), "a label for this machine's single region"),
  resources,
  pgbouncer: pgbouncer(1),
  replication,
  monitoring: localMonitoring,
  backup: localBackup,
  restore: doc(archiveRestore.optional(), RESTORE_DESCRIPTION, "none: a new, empty stack"),
});

export const BACKEND_SCHEMAS = {
  selfHosted: selfHostedConfigSchema,
  aurora: auroraConfigSchema,
  local: localConfigSchema,
} as const;

/** The backend-independent keys, to report their problems even when `backend` itself is wrong. */
export const commonConfigSchema = z.looseObject(common);

export type SelfHostedConfig = z.output<typeof selfHostedConfigSchema>;
export type AuroraConfig = z.output<typeof auroraConfigSchema>;
export type LocalConfig = z.output<typeof localConfigSchema>;
/** Stack config after shape and unit checks: sizes in bytes, durations in ms, static defaults filled. */
export type StackConfig = SelfHostedConfig | AuroraConfig | LocalConfig;
