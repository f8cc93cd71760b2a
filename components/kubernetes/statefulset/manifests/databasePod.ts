/**
 * The pod template of a database group: init containers (start guard, seeding),
 * the PostgreSQL container with its probes and bootstrap hook, and volumes. Pure.
 * The facts each choice relies on are in ../facts, with their sources.
 */
import type * as k8s from "@pulumi/kubernetes";
import { heldRoleReadinessCommand, livenessCommand, readinessCommand } from "../../../render/probes";
import { refreshFiles, refreshRoles } from "../../../render/refreshScript";
import { VERIFIER_ENV } from "../../../render/bootstrapSql";
import { replicationSslMode, verifiesChain } from "../../../render/tlsModes";
import type { NodeGroup, SelfHostedTopology } from "../../../topology/types";
import { remoteRegionOf } from "../../../topology/queries";
import {
  CREDENTIAL_KEYS,
  PATHS,
  POSTGRES_UID,
  REFRESH_KEYS,
  ROLE_LABEL,
  VERIFIER_KEYS,
  WRITER_ROLE,
  names,
  serviceHost,
  NO_API_TOKEN,
} from "../../conventions";
import { SOCKET_VOLUME, databaseReloaderContainer, socketVolume } from "./configReloader";
import { postgresExporterContainer } from "./exporters";
import { pgbackrestAccess, repositoryVolumes, restoreContainer, seedArchiveEnv } from "./backupPod";

type Topology = SelfHostedTopology;
type Env = k8s.types.input.core.v1.EnvVar;
type Container = k8s.types.input.core.v1.Container;

/** How long the bootstrap hook waits for the server: first initdb, or crash recovery of a large primary. */
export const BOOTSTRAP_WAIT_S = 900;
/** /dev/shm (parallel query's dynamic shared memory) may use up to this share of the memory limit. */
const SHM_FRACTION_OF_MEMORY = 0.5;
/** A fast shutdown ends with a checkpoint of the dirty buffers; assume disks write at least this fast. */
const SHUTDOWN_WRITE_BYTES_PER_S = 64 * 1024 * 1024;
const MiB = 1024 * 1024;

function secretEnv(topology: Topology, name: string, key: string): Env {
  return { name, valueFrom: { secretKeyRef: { name: names.credentials(topology), key } } };
}

const podNameEnv: Env = { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };

/** Groups whose pods may be the writer: the primary's, and the OLTP replicas of its region (failover targets). */
export function mayBeWriter(group: NodeGroup): boolean {
  return group.role === "primary" || (group.role === "oltp" && !group.remote);
}

function postgresArgs(): string[] {
  // $(POD_NAME) is expanded by the kubelet: each server's cluster_name is its pod name,
  // which is also its replication application_name.
  return ["postgres", "-c", `config_file=${PATHS.postgresqlConf}`, "-c", "cluster_name=$(POD_NAME)"];
}

function primaryHostEnv(topology: Topology, group: NodeGroup): Env[] {
  const [member] = group.members;
  // The certificate names the rw Service; across regions only a configured primaryHost (clusterTls.ts).
  const standbyNames = { remotePrimaryNamed: Boolean(remoteRegionOf(topology, group)?.access.primaryHost) };
  const sslmode = member ? replicationSslMode(topology, member, standbyNames) : "disable";
  const rootCert = verifiesChain(sslmode) ? [{ name: "PRIMARY_SSLROOTCERT", value: PATHS.tlsCa }] : [];
  if (!group.remote) {
    // The rw Service follows the writer, so replicas follow a failover on their next start.
    return [
      {
        name: "PRIMARY_HOST",
        value: serviceHost(names.roleService(topology, "primary"), topology.kubernetes),
      },
      { name: "PRIMARY_PORT", value: String(topology.port) },
      { name: "PRIMARY_SSLMODE", value: sslmode },
      ...rootCert,
    ];
  }
  // Across regions: through the exposed primary, TLS verified against this stack's own CA.
  const endpoint = names.primaryEndpoint(topology);
  return [
    { name: "PRIMARY_HOST", valueFrom: { configMapKeyRef: { name: endpoint, key: "host" } } },
    { name: "PRIMARY_PORT", valueFrom: { configMapKeyRef: { name: endpoint, key: "port" } } },
    { name: "PRIMARY_SSLMODE", value: sslmode },
    ...rootCert,
  ];
}

function containerResources(group: NodeGroup): k8s.types.input.core.v1.ResourceRequirements {
  // No CPU limit: throttling a database under load turns short spikes into replication lag.
  return {
    requests: { cpu: group.resources.cpu, memory: group.resources.memory },
    limits: { memory: group.resources.memory },
  };
}

function containerSecurity(): k8s.types.input.core.v1.SecurityContext {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
}

const dataMount = { name: "data", mountPath: PATHS.dataMount };
const scriptsMount = { name: "scripts", mountPath: PATHS.scriptsDir, readOnly: true };
const tlsMount = { name: "tls", mountPath: PATHS.tlsDir, readOnly: true };
/** The server's socket: one emptyDir shared with the config-reloader and the refresher, which log in over it. */
const socketMount = { name: SOCKET_VOLUME, mountPath: PATHS.socketDir };

/**
 * What the start guard needs to let a replica group's old writer rejoin after a failover (render/startGuardScript.ts):
 * the seed's replication connection. The primary's group has none: its pod never rejoins that way.
 */
function rejoinEnv(topology: Topology, group: NodeGroup): Env[] {
  if (group.role === "primary" || !mayBeWriter(group)) return [];
  return [
    ...primaryHostEnv(topology, group),
    { name: "REPLICATION_USER", value: topology.replication.user },
    secretEnv(topology, "REPLICATION_PASSWORD", CREDENTIAL_KEYS.replication),
    { name: "PASSFILE", value: PATHS.replicationPassfile },
  ];
}

function startGuardContainer(topology: Topology, group: NodeGroup): Container {
  return {
    name: "start-guard",
    image: topology.kubernetes.images.postgres,
    command: ["bash", PATHS.startGuardScript],
    env: [
      podNameEnv,
      { name: "PGDATA", value: PATHS.pgdata },
      { name: "CONFIGURED_WRITER", value: topology.kubernetes.writer },
      { name: "POSTGRES_MAJOR", value: String(topology.postgresVersion) },
      // Optional: only the primary's cluster has a fence (other regions never hold a writer).
      {
        name: "FENCED_WRITER",
        valueFrom: { configMapKeyRef: { name: names.fence(topology), key: "writer", optional: true } },
      },
      // The old writer a switchover handed over cleanly: it may come back as a standby.
      {
        name: "REJOIN",
        valueFrom: { configMapKeyRef: { name: names.fence(topology), key: "rejoin", optional: true } },
      },
      ...rejoinEnv(topology, group),
    ],
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    securityContext: containerSecurity(),
    // The CA: asking the writer whether an old writer may rejoin verifies it (PRIMARY_SSLROOTCERT).
    volumeMounts: [dataMount, scriptsMount, tlsMount],
  };
}

function seedContainer(topology: Topology, group: NodeGroup): Container {
  // With an archive, a replica whose slot was lost catches up from it instead of a re-seed (seed-replica.sh).
  const pgbackrest = pgbackrestAccess(topology, group);
  return {
    name: "seed-replica",
    image: topology.kubernetes.images.postgres,
    command: ["bash", PATHS.seedScript],
    env: [
      { ...podNameEnv, name: "NODE_NAME" },
      { name: "PGDATA", value: PATHS.pgdata },
      { name: "PASSFILE", value: PATHS.replicationPassfile },
      secretEnv(topology, "REPLICATION_PASSWORD", CREDENTIAL_KEYS.replication),
      ...primaryHostEnv(topology, group),
      ...seedArchiveEnv(topology),
      ...pgbackrest.env,
    ],
    resources: containerResources(group),
    securityContext: containerSecurity(),
    volumeMounts: [dataMount, scriptsMount, tlsMount, ...pgbackrest.mounts],
  };
}

function writerEnv(topology: Topology, group: NodeGroup): Env[] {
  if (!mayBeWriter(group)) return [];
  return [
    // The image's initdb reads POSTGRES_PASSWORD once, on an empty data directory.
    ...(group.role === "primary" ? [secretEnv(topology, "POSTGRES_PASSWORD", CREDENTIAL_KEYS.superuser)] : []),
    // bootstrap.sql reads these with \getenv on every start of a writer: the roles' SCRAM verifiers, not passwords.
    secretEnv(topology, VERIFIER_ENV.app, VERIFIER_KEYS.app),
    secretEnv(topology, VERIFIER_ENV.replication, VERIFIER_KEYS.replication),
    ...(topology.monitoring.enabled ? [secretEnv(topology, VERIFIER_ENV.monitor, VERIFIER_KEYS.monitor)] : []),
  ];
}

/**
 * Ready means healthy in the role the pod holds now (render/probes.ts). A pod that may be the writer answers for
 * either role, so the promoted writer of a replica group is Ready and the StatefulSet controller's OrderedReady walk
 * never stops at it (facts/kubernetes/statefulSetController.ts); the others are standbys only.
 */
function readiness(topology: Topology, group: NodeGroup): string[] {
  if (!mayBeWriter(group)) return readinessCommand(topology, group.role, PATHS.socketDir);
  return heldRoleReadinessCommand(topology, PATHS.socketDir, {
    labels: PATHS.podLabels,
    roleLabel: ROLE_LABEL,
    writerRole: WRITER_ROLE,
    fence: PATHS.fenceWriter,
  });
}

const POD_INFO_VOLUME = "pod-info";
const FENCE_VOLUME = "fence";

/** What the held-role probe reads: the pod's labels and the fence, both kept current by the kubelet. */
function heldRoleMounts(group: NodeGroup): k8s.types.input.core.v1.VolumeMount[] {
  if (!mayBeWriter(group)) return [];
  return [
    { name: POD_INFO_VOLUME, mountPath: dirOf(PATHS.podLabels), readOnly: true },
    { name: FENCE_VOLUME, mountPath: dirOf(PATHS.fenceWriter), readOnly: true },
  ];
}

function heldRoleVolumes(topology: Topology, group: NodeGroup): k8s.types.input.core.v1.Volume[] {
  if (!mayBeWriter(group)) return [];
  return [
    {
      name: POD_INFO_VOLUME,
      downwardAPI: { items: [{ path: baseOf(PATHS.podLabels), fieldRef: { fieldPath: "metadata.labels" } }] },
    },
    {
      name: FENCE_VOLUME,
      configMap: {
        name: names.fence(topology),
        optional: true,
        items: [{ key: "writer", path: baseOf(PATHS.fenceWriter) }],
      },
    },
  ];
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/"));
const baseOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);

function postgresContainer(topology: Topology, group: NodeGroup): Container {
  const pgbackrest = pgbackrestAccess(topology, group);
  return {
    name: "postgres",
    image: topology.kubernetes.images.postgres,
    args: postgresArgs(),
    env: [
      podNameEnv,
      { name: "PGDATA", value: PATHS.pgdata },
      // The readiness probe's writer when the fence has none (as the start guard decides).
      ...(mayBeWriter(group) ? [{ name: "CONFIGURED_WRITER", value: topology.kubernetes.writer }] : []),
      ...writerEnv(topology, group),
      ...pgbackrest.env,
    ],
    ports: [{ name: "postgres", containerPort: topology.port }],
    resources: containerResources(group),
    securityContext: containerSecurity(),
    ...(mayBeWriter(group) ? { lifecycle: { postStart: { exec: { command: ["bash", PATHS.bootstrapScript] } } } } : {}),
    startupProbe: { exec: { command: livenessCommand(PATHS.socketDir) }, periodSeconds: 5, failureThreshold: 120 },
    readinessProbe: {
      exec: { command: readiness(topology, group) },
      periodSeconds: 5,
      timeoutSeconds: 4,
      failureThreshold: 2,
    },
    livenessProbe: {
      exec: { command: livenessCommand(PATHS.socketDir) },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
    volumeMounts: [
      dataMount,
      // A directory, never subPath: the kubelet updates it in place and the config-reloader reloads the server.
      { name: "config", mountPath: PATHS.configMount, readOnly: true },
      socketMount,
      tlsMount,
      scriptsMount,
      { name: "shm", mountPath: PATHS.shm },
      ...pgbackrest.mounts,
      ...heldRoleMounts(group),
    ],
  };
}

/**
 * Brings rotated passwords to the running server (render/refreshScript.ts): the kubelet updates Secret volumes in
 * place (never environment variables, never subPath mounts), so the passwords are mounted as a whole directory here.
 * A renewed certificate is the config-reloader's (it watches the TLS files and reloads the server), not this one's.
 */
function refresherContainer(topology: Topology): Container {
  return {
    name: "refresher",
    image: topology.kubernetes.images.postgres,
    command: ["bash", PATHS.refreshScript],
    env: [
      { name: "CREDENTIALS_DIR", value: PATHS.credentialsDir },
      { name: "PASSFILE", value: PATHS.replicationPassfile },
    ],
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    securityContext: containerSecurity(),
    volumeMounts: [
      dataMount,
      scriptsMount,
      socketMount,
      { name: "credentials", mountPath: PATHS.credentialsDir, readOnly: true },
    ],
  };
}

function antiAffinity(topology: Topology): k8s.types.input.core.v1.Affinity {
  const term = {
    labelSelector: {
      matchLabels: { "app.kubernetes.io/instance": topology.name, "app.kubernetes.io/name": "postgresql" },
    },
    topologyKey: "kubernetes.io/hostname",
  };
  // Spread every database pod (primary and replicas) over nodes: losing one node loses one server.
  return topology.kubernetes.antiAffinity === "required"
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : {
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
      };
}

function volumes(topology: Topology, group: NodeGroup): k8s.types.input.core.v1.Volume[] {
  const shmBytes = Math.max(64 * MiB, Math.floor((group.resources.memoryBytes * SHM_FRACTION_OF_MEMORY) / MiB) * MiB);
  return [
    { name: "config", configMap: { name: names.groupConfig(group) } },
    // Every region has its own server certificate from this stack's CA (tls.crt, tls.key, ca.crt).
    // 0640 with fsGroup: PostgreSQL accepts a root-owned key only if it is not group-writable or world-readable.
    { name: "tls", secret: { secretName: names.tls(topology), defaultMode: 0o640 } },
    { name: "scripts", configMap: { name: names.scripts(topology), defaultMode: 0o555 } },
    // The server's socket, shared with the config-reloader and the refresher (and probes, hooks, kubectl exec in this
    // container).
    socketVolume,
    // The verifiers the refresher sets on the roles (writer) and the replication password it writes to the passfile
    // (replica); not the superuser's, which only initdb reads.
    {
      name: "credentials",
      secret: {
        secretName: names.credentials(topology),
        defaultMode: 0o440,
        items: refreshFiles(refreshRoles(topology, REFRESH_KEYS)).map((key) => ({ key, path: key })),
      },
    },
    // The runtime's /dev/shm is 64 MiB: parallel queries (the OLAP replica's above all) would fail
    // with "could not resize shared memory segment". Memory-backed, so it counts toward the limit.
    { name: "shm", emptyDir: { medium: "Memory", sizeLimit: `${shmBytes / MiB}Mi` } },
    // A pvc:// backup repository (ReadWriteMany: every pod archives or reads WAL), and a restore source's claim.
    ...repositoryVolumes(topology, group),
    ...heldRoleVolumes(topology, group),
  ];
}

/** Room for a fast shutdown's checkpoint of up to shared_buffers (a quarter of memory) of dirty pages. */
export function shutdownGraceSeconds(group: NodeGroup): number {
  return 60 + Math.ceil(group.resources.memoryBytes / 4 / SHUTDOWN_WRITE_BYTES_PER_S);
}

export function databasePodSpec(topology: Topology, group: NodeGroup): k8s.types.input.core.v1.PodSpec {
  return {
    ...NO_API_TOKEN,
    securityContext: {
      runAsUser: POSTGRES_UID,
      runAsGroup: POSTGRES_UID,
      fsGroup: POSTGRES_UID,
      // Only when the volume's root does not already carry fsGroup: no walk over every file of a
      // large volume on each start, and no group bits added to files PostgreSQL wants private.
      fsGroupChangePolicy: "OnRootMismatch",
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    },
    terminationGracePeriodSeconds: shutdownGraceSeconds(group),
    affinity: antiAffinity(topology),
    initContainers: [
      startGuardContainer(topology, group),
      // A restored stack's writer: its data directory from the repository, before the server's first start.
      ...restoreContainer(
        topology,
        group,
        { resources: containerResources(group), securityContext: containerSecurity() },
        [
          dataMount,
          scriptsMount,
          { name: "config", mountPath: PATHS.configMount, readOnly: true },
          socketMount,
          tlsMount,
        ],
      ),
      ...(group.role === "primary" ? [] : [seedContainer(topology, group)]),
    ],
    containers: [
      postgresContainer(topology, group),
      databaseReloaderContainer(topology),
      refresherContainer(topology),
      ...(topology.monitoring.enabled ? [postgresExporterContainer(topology, topology.monitoring)] : []),
    ],
    volumes: volumes(topology, group),
  };
}
