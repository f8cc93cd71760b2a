/** Labels, in-pod paths and DNS names shared by every Kubernetes manifest. */
import { CLUSTER_DNS, PGBOUNCER_IMAGE, POSTGRES_IMAGE } from "../facts/kubernetes";
import { ROLES } from "../topology/roles";
import type { KubernetesSettings, NodeGroup, NodeRole, Pool, SelfHostedTopology } from "../topology/types";

type Topology = SelfHostedTopology;

export const LABEL_PREFIX = "pg-read-replicas";

/** What an object is part of: the servers, the pools, the verification Job, or a Job that maintains the writer. */
type Component = "postgresql" | "pgbouncer" | "verify" | "maintenance";

/** The product's own labels: what pod templates carry. */
export function ownLabels(topology: Topology, component: Component): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": topology.name,
    "app.kubernetes.io/managed-by": "pg-read-replicas",
  };
}

/**
 * An object's labels: the stack's own (config `labels`, the change) and the product's. Pod
 * templates carry only the product's: a label in a template is part of the pod spec, so a
 * preview's refreshed expiry would restart every database pod (and a Job's template is immutable).
 */
export function baseLabels(topology: Topology, component: Component): Record<string, string> {
  return { ...topology.labels, ...ownLabels(topology, component) };
}

/** Selects exactly one group's pods (the StatefulSet selector; immutable once created). */
export function groupSelector(topology: Topology, group: NodeGroup): Record<string, string> {
  return { "app.kubernetes.io/instance": topology.name, [`${LABEL_PREFIX}/group`]: group.name };
}

/** The StatefulSet's labels, or with `pod` its pods' (without the stack's labels; see baseLabels). */
export function groupLabels(
  topology: Topology,
  group: NodeGroup,
  scope: "object" | "pod" = "object",
): Record<string, string> {
  const base = scope === "pod" ? ownLabels(topology, "postgresql") : baseLabels(topology, "postgresql");
  return { ...base, ...groupSelector(topology, group), [`${LABEL_PREFIX}/role`]: group.role };
}

/**
 * The role label: a pod's group's role from its template, and the role it serves in now once a failover or switchover
 * has relabelled the promoted pod `primary` (kubernetes/statefulset/roleLabels.ts), as Patroni labels its pods
 * `role=master|replica`. ro selects `oltp`, so a Ready writer is never its endpoint; metrics carry the role it holds.
 */
export const ROLE_LABEL = `${LABEL_PREFIX}/role`;
export const WRITER_ROLE = "primary";

/** Selects every database pod of one role: the rw, ro and olap Services use these. */
export function roleSelector(topology: Topology, role: NodeRole): Record<string, string> {
  return {
    "app.kubernetes.io/instance": topology.name,
    "app.kubernetes.io/name": "postgresql",
    [`${LABEL_PREFIX}/role`]: role,
  };
}

export function poolSelector(topology: Topology, pool: Pool): Record<string, string> {
  return { "app.kubernetes.io/instance": topology.name, [`${LABEL_PREFIX}/pool`]: pool.name };
}

export const PATHS = {
  configDir: "/etc/postgresql",
  /** The group's ConfigMap, mounted as a directory (never subPath): the kubelet updates its files in place. */
  configMount: "/etc/postgresql/conf",
  postgresqlConf: "/etc/postgresql/conf/postgresql.conf",
  hbaFile: "/etc/postgresql/conf/pg_hba.conf",
  identFile: "/etc/postgresql/conf/pg_ident.conf",
  tlsDir: "/etc/postgresql/tls",
  tlsCert: "/etc/postgresql/tls/tls.crt",
  tlsKey: "/etc/postgresql/tls/tls.key",
  tlsCa: "/etc/postgresql/tls/ca.crt",
  /** The credentials Secret as files, updated in place by the kubelet (the refresher reads them). */
  credentialsDir: "/etc/postgresql/credentials",
  scriptsDir: "/etc/pg-read-replicas",
  seedScript: "/etc/pg-read-replicas/seed-replica.sh",
  startGuardScript: "/etc/pg-read-replicas/start-guard.sh",
  bootstrapScript: "/etc/pg-read-replicas/bootstrap.sh",
  bootstrapSql: "/etc/pg-read-replicas/bootstrap.sql",
  refreshScript: "/etc/pg-read-replicas/refresh.sh",
  shm: "/dev/shm",
  exporterQueries: "/etc/pg-read-replicas/queries.yaml",
  dataMount: "/var/lib/postgresql/data",
  pgdata: "/var/lib/postgresql/data/pgdata",
  replicationPassfile: "/var/lib/postgresql/data/replication.pgpass",
  socketDir: "/var/run/postgresql",
  /** The pod's labels (downward API), read by the readiness probe of a pod that may be the writer. */
  podLabels: "/etc/postgresql/pod/labels",
  /** The fence's `writer` key (a ConfigMap volume, updated in place), read by the same probe. */
  fenceWriter: "/etc/postgresql/fence/writer",
  pgbouncerDir: "/etc/pgbouncer",
  /** pgBackRest (stack config backup/restore): one file for every pod (PGDATA is the same path in all of them). */
  pgbackrestConf: "/etc/pg-read-replicas/pgbackrest.conf",
  /** The restore source's repository and stanza, read by the writer's restore init container only. */
  pgbackrestRestoreConf: "/etc/pg-read-replicas/pgbackrest-restore.conf",
  restoreScript: "/etc/pg-read-replicas/restore.sh",
  backupScript: "/etc/pg-read-replicas/backup.sh",
  stanzaScript: "/etc/pg-read-replicas/stanza.sh",
  /** A pvc:// repository's claim is mounted at <this>/<claim>. */
  repositoryMounts: "/var/lib/pgbackrest",
  /** On the data volume (the same filesystem as pg_wal, as spool-path asks), outside PGDATA. */
  pgbackrestSpool: "/var/lib/postgresql/data/pgbackrest-spool",
  pgbackrestLock: "/tmp/pgbackrest",
  /** PgBouncer's Unix socket, shared with the pool's config reloader (an emptyDir). */
  pgbouncerSocketDir: "/var/run/pgbouncer",
} as const;

/** UID/GID of the postgres user in the official postgres images (Debian-based). */
export const POSTGRES_UID = POSTGRES_IMAGE.uid.value;
/** UID/GID of the postgres user in the Alpine-based PgBouncer image. */
export const PGBOUNCER_UID = PGBOUNCER_IMAGE.uid.value;
export const POOL_SERVICE_PORT = 5432;
/**
 * For every pod that does not call the Kubernetes API (all but the backup Jobs' kubectl): no token of the
 * namespace's default ServiceAccount in it (facts/kubernetes/serviceAccountToken.ts).
 */
export const NO_API_TOKEN = { automountServiceAccountToken: false } as const;

export const names = {
  /** The Service selecting every ready pod of a role: `<name>-rw`, `-ro`, `-olap`. */
  roleService: (t: Topology, role: NodeRole) => `${t.name}-${ROLES[role].service}`,
  exposedPrimary: (t: Topology) => `${t.name}-rw-external`,
  headless: (group: NodeGroup) => `${group.name}-hl`,
  groupConfig: (group: NodeGroup) => `${group.name}-config`,
  scripts: (t: Topology) => `${t.name}-scripts`,
  /** Written by `pg-read-replicas kubernetes failover`: which pod may start as the writer. */
  fence: (t: Topology) => `${t.name}-fence`,
  credentials: (t: Topology) => `${t.name}-credentials`,
  tls: (t: Topology) => `${t.name}-tls`,
  /** The pools' own certificate and key (statefulset engine), beside the CA they verify the servers against. */
  poolTls: (t: Topology) => `${t.name}-pool-tls`,
  poolConfig: (pool: Pool) => `${pool.service}-config`,
  poolAuth: (t: Topology) => `${t.name}-pgbouncer-auth`,
  primaryEndpoint: (t: Topology) => `${t.name}-primary-endpoint`,
  verifyJob: (t: Topology, region: string) =>
    region === t.region ? `${t.name}-verify-${t.hash}` : `${t.name}-verify-${region}-${t.hash}`,
  /** Named by the declared slots' hash: a Job runs only when created, so each change of the set drops again. */
  slotsJob: (t: Topology, slotsHash: string) => `${t.name}-slots-${slotsHash}`,
  /** Named by the passwords' hash: each rotation waits for the writer once. */
  passwordsJob: (t: Topology, passwordsHash: string) => `${t.name}-passwords-${passwordsHash}`,
  /** Named by the pgbackrest.conf's hash: stanza-create and check run again when the repository changes. */
  stanzaJob: (t: Topology, confHash: string) => `${t.name}-stanza-${confHash}`,
  /** The scheduled base backups; `pg-read-replicas kubernetes backup` makes a Job from it. */
  backupCronJob: (t: Topology) => `${t.name}-backup`,
  /** The ServiceAccount (and its Role) the backup Jobs exec into the writer's pod with. */
  backupAccount: (t: Topology) => `${t.name}-backup`,
  /** One script for every rotation: the Job's name is what changes. */
  passwordsScript: (t: Topology) => `${t.name}-await-passwords`,
};

/** Where an in-cluster name lives: the namespace and the cluster's DNS domain (kubernetes.clusterDomain). */
export type InCluster = Pick<KubernetesSettings, "namespace" | "clusterDomain">;

/** Kubernetes' default cluster domain (kubernetes.clusterDomain's default). */
export const DEFAULT_CLUSTER_DOMAIN = CLUSTER_DNS.defaultDomain.value;

/**
 * A Service's full name (Kubernetes DNS for Services and Pods: <service>.<namespace>.svc.<cluster domain>). The
 * program passes topology.kubernetes; a bare namespace (the test harness's cluster DNS) means the default domain.
 */
export function serviceHost(service: string, at: InCluster | string): string {
  const { namespace, clusterDomain } =
    typeof at === "string" ? { namespace: at, clusterDomain: DEFAULT_CLUSTER_DOMAIN } : at;
  return `${service}.${namespace}.svc.${clusterDomain}`;
}

/** The suffix every Service name of the namespace ends in: a certificate's wildcard covers one label before it. */
export function namespaceDomain(at: InCluster): string {
  return `${at.namespace}.svc.${at.clusterDomain}`;
}

/** The label the StatefulSet controller puts on each of its pods. */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

/** Selects the writer pod: the rw Service and the exposed primary follow a failover through it. */
export function writerSelector(topology: Topology): Record<string, string> {
  return {
    "app.kubernetes.io/instance": topology.name,
    "app.kubernetes.io/name": "postgresql",
    [POD_NAME_LABEL]: topology.kubernetes.writer,
  };
}

/** A StatefulSet pod's name through its group's headless Service. */
export function podHost(pod: string, group: NodeGroup, at: InCluster): string {
  return `${pod}.${serviceHost(names.headless(group), at)}`;
}

export const CREDENTIAL_KEYS = {
  superuser: "superuser-password",
  replication: "replication-password",
  app: "app-password",
  heartbeatToken: "heartbeat-token",
  monitor: "monitor-password",
  probe: "probe-password",
} as const;

/**
 * The pools' readiness probe logs in to PgBouncer's console as this user, a stats user known only to PgBouncer's
 * userlist (no PostgreSQL role): the application user is no stats user, so it cannot list other clients.
 */
export const PROBE_USER = "pgrr_probe";

/** The SCRAM verifiers of the role passwords (manifests/secrets.ts): what the writer sets on its roles. */
export const VERIFIER_KEYS = {
  app: "app-password-scram",
  replication: "replication-password-scram",
  monitor: "monitor-password-scram",
} as const;

/** The credentials files the refresher reads: the roles' verifiers (writer), the replication password (passfile). */
export const REFRESH_KEYS = { replication: CREDENTIAL_KEYS.replication, verifiers: VERIFIER_KEYS } as const;
