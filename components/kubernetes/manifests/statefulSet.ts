/** StatefulSet for one database group (primary, OLTP replicas or OLAP replica). Pure. */
import type * as k8s from "@pulumi/kubernetes";
import { livenessCommand, readinessCommand } from "../../render/probes";
import { replicationSslMode } from "../../render/tlsModes";
import type { NodeGroup, SelfHostedTopology } from "../../topology/types";

type Topology = SelfHostedTopology;
import {
  CREDENTIAL_KEYS,
  PATHS,
  POSTGRES_UID,
  groupLabels,
  groupSelector,
  names,
  serviceHost,
} from "../conventions";


type Env = k8s.types.input.core.v1.EnvVar;

function secretEnv(topology: Topology, name: string, key: string): Env {
  return { name, valueFrom: { secretKeyRef: { name: names.credentials(topology), key } } };
}

const podNameEnv: Env = { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };

function postgresArgs(): string[] {
  // $(POD_NAME) is expanded by the kubelet: each server's cluster_name is its pod name,
  // which is also its replication application_name.
  return ["postgres", "-c", `config_file=${PATHS.postgresqlConf}`, "-c", "cluster_name=$(POD_NAME)"];
}

function primaryHostEnv(topology: Topology, group: NodeGroup): Env[] {
  const [member] = group.members;
  const sslmode = member ? replicationSslMode(topology, member) : "require";
  if (!group.remote) {
    return [
      { name: "PRIMARY_HOST", value: serviceHost(names.roleService(topology, "primary"), topology.kubernetes.namespace) },
      { name: "PRIMARY_PORT", value: String(topology.port) },
      { name: "PRIMARY_SSLMODE", value: sslmode },
    ];
  }
  // Across regions: through the exposed primary, TLS verified against this stack's own CA.
  const endpoint = names.primaryEndpoint(topology);
  return [
    { name: "PRIMARY_HOST", valueFrom: { configMapKeyRef: { name: endpoint, key: "host" } } },
    { name: "PRIMARY_PORT", valueFrom: { configMapKeyRef: { name: endpoint, key: "port" } } },
    { name: "PRIMARY_SSLMODE", value: sslmode },
    { name: "PRIMARY_SSLROOTCERT", value: PATHS.tlsCa },
  ];
}

function seedContainer(topology: Topology, group: NodeGroup): k8s.types.input.core.v1.Container {
  return {
    name: "seed-replica",
    image: topology.kubernetes.images.postgres,
    command: ["bash", `${PATHS.scriptsDir}/seed-replica.sh`],
    env: [
      { ...podNameEnv, name: "NODE_NAME" },
      { name: "PGDATA", value: PATHS.pgdata },
      { name: "PASSFILE", value: PATHS.replicationPassfile },
      secretEnv(topology, "REPLICATION_PASSWORD", CREDENTIAL_KEYS.replication),
      ...primaryHostEnv(topology, group),
    ],
    resources: containerResources(group),
    securityContext: containerSecurity(),
    volumeMounts: [
      { name: "data", mountPath: PATHS.dataMount },
      { name: "scripts", mountPath: PATHS.scriptsDir },
      { name: "tls", mountPath: PATHS.tlsDir, readOnly: true },
    ],
  };
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

function postgresContainer(topology: Topology, group: NodeGroup): k8s.types.input.core.v1.Container {
  const primaryEnv: Env[] =
    group.role === "primary"
      ? [
          // Read only at first start, by the image's initdb and our bootstrap.sql (via \getenv).
          secretEnv(topology, "POSTGRES_PASSWORD", CREDENTIAL_KEYS.superuser),
          secretEnv(topology, "APP_PASSWORD", CREDENTIAL_KEYS.app),
          secretEnv(topology, "REPLICATION_PASSWORD", CREDENTIAL_KEYS.replication),
        ]
      : [];
  return {
    name: "postgres",
    image: topology.kubernetes.images.postgres,
    args: postgresArgs(),
    env: [podNameEnv, { name: "PGDATA", value: PATHS.pgdata }, ...primaryEnv],
    ports: [{ name: "postgres", containerPort: topology.port }],
    resources: containerResources(group),
    securityContext: containerSecurity(),
    startupProbe: {
      exec: { command: livenessCommand(PATHS.socketDir) },
      periodSeconds: 5,
      failureThreshold: 120,
    },
    readinessProbe: {
      exec: { command: readinessCommand(topology, group.role, PATHS.socketDir) },
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
      { name: "data", mountPath: PATHS.dataMount },
      { name: "config", mountPath: PATHS.configDir + "/postgresql.conf", subPath: "postgresql.conf" },
      { name: "config", mountPath: PATHS.hbaFile, subPath: "pg_hba.conf" },
      { name: "config", mountPath: PATHS.identFile, subPath: "pg_ident.conf" },
      { name: "tls", mountPath: PATHS.tlsDir, readOnly: true },
      ...(group.role === "primary" ? [{ name: "bootstrap", mountPath: PATHS.initdbDir }] : []),
    ],
  };
}

function antiAffinity(topology: Topology): k8s.types.input.core.v1.Affinity {
  const term = {
    labelSelector: { matchLabels: { "app.kubernetes.io/instance": topology.name, "app.kubernetes.io/name": "postgresql" } },
    topologyKey: "kubernetes.io/hostname",
  };
  // Spread every database pod (primary and replicas) over nodes: losing one node loses one server.
  return topology.kubernetes.antiAffinity === "required"
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

function volumes(topology: Topology, group: NodeGroup): k8s.types.input.core.v1.Volume[] {
  return [
    { name: "config", configMap: { name: names.groupConfig(group) } },
    // Every region has its own server certificate from this stack's CA (tls.crt, tls.key, ca.crt).
    // 0640 with fsGroup: PostgreSQL accepts a root-owned key only if it is not group-writable or world-readable.
    { name: "tls", secret: { secretName: names.tls(topology), defaultMode: 0o640 } },
    ...(group.role === "primary"
      ? [{ name: "bootstrap", configMap: { name: names.bootstrap(topology) } }]
      : [{ name: "scripts", configMap: { name: names.scripts(topology), defaultMode: 0o555 } }]),
  ];
}

/** `configHash`: of the group's rendered files, so a changed file rolls the pods. */
export function statefulSetManifest(topology: Topology, group: NodeGroup, configHash: string): k8s.apps.v1.StatefulSetArgs {
  const k = topology.kubernetes;
  return {
    metadata: { name: group.name, namespace: k.namespace, labels: groupLabels(topology, group) },
    spec: {
      serviceName: names.headless(group),
      replicas: group.members.length,
      // One at a time: each replica's base backup is throttled, and they never stack up on the primary.
      podManagementPolicy: "OrderedReady",
      selector: { matchLabels: groupSelector(topology, group) },
      template: {
        metadata: {
          labels: groupLabels(topology, group, "pod"),
          annotations: { "pg-read-replicas/config-hash": configHash },
        },
        spec: {
          securityContext: { runAsUser: POSTGRES_UID, runAsGroup: POSTGRES_UID, fsGroup: POSTGRES_UID, runAsNonRoot: true },
          terminationGracePeriodSeconds: 60,
          affinity: antiAffinity(topology),
          ...(group.role === "primary" ? {} : { initContainers: [seedContainer(topology, group)] }),
          containers: [postgresContainer(topology, group)],
          volumes: volumes(topology, group),
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: {
            accessModes: ["ReadWriteOnce"],
            ...(k.storageClass !== undefined ? { storageClassName: k.storageClass } : {}),
            resources: { requests: { storage: group.resources.storage } },
          },
        },
      ],
    },
  };
}
