/**
 * postgresql.cnpg.io/v1 Cluster manifests: the main Cluster (the primary and the
 * primary region's OLTP replicas, failover by the operator) and replica clusters
 * (the OLAP replica; other regions' replicas) streaming from it. Pure: every value
 * is plain, the source host included (the component resolves it first).
 */
import type { ICluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";
import type { Endpoint } from "../../contract/stackOutputs";
import type { Region, SelfHostedTopology } from "../../topology/types";
import { baseLabels } from "../conventions";
import { hbaAccess, stackLabel } from "./access";
import { placement } from "./placement";
import { PULUMI_KUBERNETES } from "../../facts/kubernetes";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { CNPG_AVAILABILITY } from "../../facts/cnpg/availability";
import { clusterParameters } from "./parameters";
import { type ClusterPlan, cnpgNames } from "./plan";
import { PRIMARY_UPDATE } from "./primaryUpdate";
import { isDistributed, memberHost, members, replicaStanza } from "./distributed";
import { serviceHost } from "../conventions";
import { archiveSource, barmanBackup, recoveryBootstrap, repositoryRestore, walArchiverPlugins } from "./backup";

export type ClusterSpec = NonNullable<ICluster["spec"]>;

/** What the Pulumi program registers: a CustomResource's apiVersion, kind, metadata and spec. */
export interface ClusterManifest {
  apiVersion: ICluster["apiVersion"];
  kind: ICluster["kind"];
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: ClusterSpec;
}

/**
 * The provider's default await, plus a full clone per standby at the configured rate (the operator does not throttle;
 * faster is fine).
 */
export function awaitSeconds(topology: SelfHostedTopology, plan: ClusterPlan): number {
  const clones = plan.kind === "main" ? plan.instances - 1 : plan.instances;
  return (
    PULUMI_KUBERNETES.defaultAwaitSeconds.value +
    clones * Math.ceil(plan.resources.storageBytes / topology.replication.basebackupBytesPerS)
  );
}

/**
 * libpq settings of every connection to another Cluster (clone and streaming): give up on an unreachable host after
 * 10 s, and find a dead peer of an open connection within keepalives_idle + keepalives_interval x keepalives_count =
 * 60 s (facts/cnpg/availability.ts sourceConnection).
 */
export const SOURCE_CONNECTION = CNPG_AVAILABILITY.sourceConnection.value;

/** The name replica clusters give the main Cluster in externalClusters. */
export const SOURCE = "primary";

export function clusterMetadata(topology: SelfHostedTopology, plan: ClusterPlan): ClusterManifest["metadata"] {
  return {
    name: plan.name,
    namespace: topology.kubernetes.namespace,
    labels: { ...baseLabels(topology, "postgresql"), ...stackLabel(topology) },
    // @pulumi/kubernetes awaits a custom resource only when told what to wait for, and as long as
    // cloning every standby takes (one after another), at no less than basebackupMaxRate.
    annotations: {
      "pulumi.com/waitFor": CNPG_OPERATOR.readyCondition.value,
      "pulumi.com/timeoutSeconds": String(awaitSeconds(topology, plan)),
    },
  };
}

/** Spec fields every Cluster of the stack shares: image, sizing, placement, certificates, labels. */
function common(topology: SelfHostedTopology, plan: ClusterPlan, region: Region): ClusterSpec {
  const k = topology.kubernetes;
  const { resources } = plan;
  const planned = clusterParameters(plan);
  if (planned.issues.length > 0)
    throw new Error(
      `cloudnative-pg: ${plan.name} has unvalidated parameter issues: ${planned.issues.map((i) => i.key).join(", ")}`,
    );
  const access = hbaAccess(topology, region);
  return {
    instances: plan.instances,
    imageName: k.images.postgres,
    enableSuperuserAccess: false,
    inheritedMetadata: { labels: stackLabel(topology) },
    postgresql: { parameters: planned.parameters, pg_hba: access.pg_hba },
    podSelectorRefs: access.podSelectorRefs,
    ...placement(topology, plan),
    storage: {
      size: resources.storage,
      resizeInUseVolumes: true,
      ...(k.storageClass !== undefined ? { storageClass: k.storageClass } : {}),
    },
    // Guaranteed QoS, as the operator recommends: the postmaster keeps its low OOM score, so the OOM killer takes a
    // backend, not the instance. The CPU limit equals the request the node reserved anyway.
    resources: {
      requests: { cpu: resources.cpu, memory: resources.memory },
      limits: { cpu: resources.cpu, memory: resources.memory },
    },
    // The stack's own CAs: replica clusters in other Kubernetes clusters trust the same server CA and
    // authenticate with the same streaming_replica certificate, which the stack creates in each. The server CA's
    // key is in no cluster (the operator needs none: CNPG_OPERATOR.caKeys); the client CA's is, for the poolers.
    certificates: {
      serverCASecret: cnpgNames.caSecret(topology),
      serverTLSSecret: cnpgNames.serverSecret(topology),
      clientCASecret: cnpgNames.clientCaSecret(topology),
      replicationTLSSecret: cnpgNames.replicationSecret(topology),
    },
    replicationSlots: { highAvailability: { enabled: true }, updateInterval: 30 },
    // A restart of the primary goes through a switchover, never in place (primaryUpdate.ts).
    ...PRIMARY_UPDATE,
  };
}

/**
 * Replicas leave -ro (and the read Pooler) past the lag bound; the OLAP replica may pause replay by design, so it has
 * none.
 */
function readiness(topology: SelfHostedTopology, role: "oltp" | "olap"): ClusterSpec["probes"] {
  return {
    readiness:
      role === "oltp"
        ? { type: "streaming", maximumLag: String(topology.replication.maxLagBytes) }
        : { type: "streaming" },
  };
}

/** A new, empty database; or, for a stack with `restore`, the source stack's archive replayed to the target. */
function mainBootstrap(topology: SelfHostedTopology): Pick<ClusterSpec, "bootstrap" | "externalClusters"> {
  const restore = repositoryRestore(topology);
  if (restore) return recoveryBootstrap(topology, restore);
  return {
    bootstrap: {
      initdb: { database: topology.database, owner: topology.user, secret: { name: cnpgNames.appSecret(topology) } },
    },
  };
}

/** With backup enabled: the Barman Cloud plugin archives every WAL segment of the main Cluster's primary. */
function archiver(topology: SelfHostedTopology): Pick<ClusterSpec, "plugins"> {
  const plugins = walArchiverPlugins(topology);
  return plugins.length > 0 ? { plugins } : {};
}

/**
 * With backup: the stack's archive_timeout (the operator's default is 5min), so a quiet writer still closes and
 * archives a segment that often: the most a lost writer's archive can lack.
 */
function archiveTimeout(topology: SelfHostedTopology): Record<string, string> {
  const backup = barmanBackup(topology);
  return backup ? { archive_timeout: `${backup.archiveTimeoutSeconds}s` } : {};
}

/** With other regions' OLTP Clusters: the main Cluster as a member of the distributed topology. */
function distributedMain(
  topology: SelfHostedTopology,
  plan: Extract<ClusterPlan, { kind: "main" }>,
  region: Region,
): Pick<ClusterSpec, "replica" | "externalClusters"> {
  if (!isDistributed(topology)) return {};
  const inRegion = serviceHost(cnpgNames.service(plan.name, "rw"), topology.kubernetes);
  const spec = distributedSpec(topology, plan.name, region, inRegion);
  // A restored stack's recovery source stays listed next to the members.
  return {
    ...spec,
    externalClusters: [...(mainBootstrap(topology).externalClusters ?? []), ...spec.externalClusters!],
  };
}

export function mainClusterManifest(
  topology: SelfHostedTopology,
  plan: Extract<ClusterPlan, { kind: "main" }>,
  region: Region,
): ClusterManifest {
  const base = common(topology, plan, region);
  const { synchronousReplicas } = topology.replication;
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: clusterMetadata(topology, plan),
    spec: {
      ...base,
      postgresql: {
        ...base.postgresql,
        parameters: { ...base.postgresql?.parameters, ...archiveTimeout(topology) },
        // Quorum over the main Cluster's own instances: the OLAP and remote replica clusters are never waited for.
        ...(synchronousReplicas > 0
          ? {
              synchronous: {
                method: "any",
                number: synchronousReplicas,
                dataDurability: "required",
                // Promote only a standby that must hold every acknowledged commit (failover.md: ANY 1 alone can
                // promote one that lacks them when the primary and the acknowledging standby fail together).
                failoverQuorum: true,
              },
            }
          : {}),
      },
      probes: readiness(topology, "oltp"),
      ...mainBootstrap(topology),
      ...distributedMain(topology, plan, region),
      ...archiver(topology),
      // initdb runs once; the managed role keeps the password (and pg_monitor, which the verifier needs) in step with
      // the Secret.
      managed: {
        roles: [
          {
            name: topology.user,
            ensure: "present",
            login: true,
            inRoles: ["pg_monitor"],
            passwordSecret: { name: cnpgNames.appSecret(topology) },
          },
        ],
      },
    },
  };
}

type ExternalCluster = NonNullable<ClusterSpec["externalClusters"]>[number];

/**
 * How a Cluster reaches another: streaming_replica by the stack's certificate, the stack's CA verified (as the
 * StatefulSet engine's remote replicas verify it), bounded connects and keepalives.
 */
function externalCluster(
  topology: SelfHostedTopology,
  name: string,
  host: string,
  applicationName: string,
  withArchive: boolean,
): ExternalCluster {
  const replicationSecret = cnpgNames.replicationSecret(topology);
  return {
    name,
    connectionParameters: {
      host,
      port: String(topology.port),
      user: CNPG_OPERATOR.userCertificates.value.replicationUser,
      dbname: "postgres",
      sslmode: "verify-ca",
      // How the source's pg_stat_replication names the streaming Cluster (the verification Job looks for it).
      application_name: applicationName,
      ...SOURCE_CONNECTION,
    },
    sslCert: { name: replicationSecret, key: "tls.crt" },
    sslKey: { name: replicationSecret, key: "tls.key" },
    sslRootCert: { name: cnpgNames.caSecret(topology), key: "ca.crt" },
    // With backup enabled, also the main Cluster's archive: a gap in the stream is filled from it.
    ...(withArchive ? archiveSource(topology) : {}),
  };
}

/**
 * A member of the distributed topology: spec.replica naming the primary Cluster, and every member in externalClusters
 * (the webhook wants `primary` and `source` among them). `homeHost`: where the main Cluster is reached from this
 * Cluster's region.
 */
function distributedSpec(
  topology: SelfHostedTopology,
  self: string,
  region: Region,
  homeHost: string,
): Pick<ClusterSpec, "replica" | "externalClusters"> {
  return {
    replica: replicaStanza(topology, self),
    externalClusters: members(topology).map((member) =>
      externalCluster(topology, member.cluster, memberHost(topology, member, region.name, homeHost), self, member.home),
    ),
  };
}

/** Another region's OLTP Cluster: a member of the distributed topology, seeded from the main Cluster. */
function regionClusterSpec(
  topology: SelfHostedTopology,
  plan: Extract<ClusterPlan, { kind: "replica" }>,
  region: Region,
  source: Endpoint,
): Pick<ClusterSpec, "bootstrap" | "replica" | "externalClusters"> {
  const home = members(topology).find((m) => m.home)!;
  return {
    // Used once, at creation: from the main Cluster, whichever region is the primary by then (a designated primary
    // serves pg_basebackup too).
    bootstrap: {
      pg_basebackup: {
        source: home.cluster,
        database: topology.database,
        owner: topology.user,
        secret: { name: cnpgNames.appSecret(topology) },
      },
    },
    ...distributedSpec(topology, plan.name, region, source.host),
  };
}

/** The OLAP replica cluster: a standalone replica of its region's main Cluster, never promoted. */
function standaloneReplicaSpec(
  topology: SelfHostedTopology,
  plan: Extract<ClusterPlan, { kind: "replica" }>,
  source: Endpoint,
): Pick<ClusterSpec, "bootstrap" | "replica" | "externalClusters"> {
  return {
    bootstrap: {
      pg_basebackup: {
        source: SOURCE,
        database: topology.database,
        owner: topology.user,
        secret: { name: cnpgNames.appSecret(topology) },
      },
    },
    replica: { enabled: true, source: SOURCE },
    externalClusters: [externalCluster(topology, SOURCE, source.host, plan.name, true)],
  };
}

export function replicaClusterManifest(
  topology: SelfHostedTopology,
  plan: Extract<ClusterPlan, { kind: "replica" }>,
  region: Region,
  source: Endpoint,
): ClusterManifest {
  const member = plan.role === "oltp" && members(topology).some((m) => m.cluster === plan.name);
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: clusterMetadata(topology, plan),
    spec: {
      ...common(topology, plan, region),
      probes: readiness(topology, plan.role),
      ...(member ? regionClusterSpec(topology, plan, region, source) : standaloneReplicaSpec(topology, plan, source)),
    },
  };
}
