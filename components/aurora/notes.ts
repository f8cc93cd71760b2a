/** What Aurora does differently from the Topology, in words for the stack outputs and the deploy log. */
import { ROLES } from "../topology/roles";
import type { AuroraTopology } from "../topology/types";
import { scalingMetric } from "./autoscaling";
import { GLOBAL_MAJOR_UPGRADE, PROXY_BILLING } from "../facts/aws/clusterOptions";
import { AUTOSCALING } from "../facts/aws/limits";
import { type AuroraNote, auroraParameterPlan } from "./parameters";
import { protectionNote } from "./protection";
import { backupNotes } from "./restore";
import { versionPolicy } from "./versions";

const ROLE_NAMES = { primary: "writer", oltp: "OLTP readers", olap: "OLAP reader", cluster: "cluster" } as const;

export function describeNote(note: AuroraNote, roles: readonly AuroraNote["role"][] = [note.role]): string {
  const where = roles.map((r) => ROLE_NAMES[r]).join(", ");
  const what = note.outcome === "skipped" ? "not applied" : `applied as ${note.auroraValue}`;
  return `${where}: ${note.setting} = ${note.value} ${what}: ${note.reason}${note.fromStackConfig ? " (set in stack config)" : ""}.`;
}

/** One line per distinct note, listing every role it applies to. */
function mergedNotes(notes: readonly AuroraNote[]): string[] {
  const groups = new Map<string, { note: AuroraNote; roles: AuroraNote["role"][] }>();
  for (const note of notes) {
    const key = JSON.stringify([
      note.setting,
      note.value,
      note.outcome,
      note.reason,
      note.auroraValue,
      note.fromStackConfig,
    ]);
    const group = groups.get(key);
    if (group) group.roles.push(note.role);
    else groups.set(key, { note, roles: [note.role] });
  }
  return [...groups.values()].map(({ note, roles }) => describeNote(note, roles));
}

/** Where pools.read goes when the proxy does not serve it. */
function readEndpointName(olap: boolean): string {
  return olap ? "the OLTP custom endpoint" : "the cluster's reader endpoint";
}

/** What the proxy costs: every instance's vCPUs, readers the proxy never routes to included (item 7). */
export function proxyCostNote(topology: AuroraTopology, olap: boolean): string | undefined {
  const { aurora } = topology;
  if (aurora.proxy.mode === "none" || !PROXY_BILLING.perVcpuOfEveryInstance.value) return undefined;
  const counted = [
    `the writer (${aurora.instanceClass.writer})`,
    `${topology.standbys.filter((s) => !s.remote && s.role !== "olap").length} OLTP reader(s) (${aurora.instanceClass.reader})`,
    ...(olap ? [`the OLAP reader (${aurora.instanceClass.olap ?? "its class"})`] : []),
    ...(aurora.autoscaling
      ? [`up to ${aurora.autoscaling.maxReaders} readers in all while autoscaling adds them`]
      : []),
  ];
  const noReads = olap || aurora.proxy.mode === "writeOnly";
  const unused = noReads
    ? ` although no read goes through the proxy here (pools.read is ${readEndpointName(olap)})`
    : "";
  return `RDS Proxy is billed per vCPU-hour of every instance in the cluster (minimum ${PROXY_BILLING.minimumVcpus.value} vCPUs), whichever endpoint reads take: ${counted.join(", ")}${unused}. aurora.proxy.mode: none drops it (pools.write is then the cluster endpoint, pools.read ${readEndpointName(olap)}); writeOnly keeps it for writes and costs the same.`;
}

function poolNotes(topology: AuroraTopology, olap: boolean, proxyReadOnlyEndpoint: string | undefined): string[] {
  const reads = readEndpointName(olap);
  switch (topology.aurora.proxy.mode) {
    case "none":
      return [
        `RDS Proxy is off (aurora.proxy.mode: none): pools.write is the cluster endpoint and pools.read ${reads}, without connection pooling.`,
      ];
    case "writeOnly":
      return [
        `pools.write is RDS Proxy; pools.read is ${reads}, served with an RDS CA certificate (see tls.endpoints): aurora.proxy.mode writeOnly creates no READ_ONLY proxy endpoint.`,
      ];
    case "readWrite":
      return olap
        ? [
            `pools.read is the OLTP custom endpoint, not RDS Proxy: a proxy's READ_ONLY endpoint cannot exclude a reader, so ${proxyReadOnlyEndpoint ?? "it"} would send OLTP reads to the OLAP reader too. pools.write is RDS Proxy. aurora.proxy.mode: writeOnly drops that unused endpoint.`,
          ]
        : [];
  }
}

function scalingNotes(topology: AuroraTopology, olap: boolean): string[] {
  const scaling = topology.aurora.autoscaling;
  if (!scaling) return [];
  const metric = scalingMetric(scaling);
  return [
    `Autoscaled readers (${scaling.minReaders}–${scaling.maxReaders} readers in all) join the OLTP reader endpoint automatically; Application Auto Scaling only removes readers it added, never the OLAP reader, and pulumi destroy removes the ones left before deleting the cluster.`,
    olap
      ? `Autoscaling tracks ${metric} averaged over the declared OLTP readers, not Aurora's all-reader average, so analytic load on the OLAP reader does not add OLTP readers (after a failover the promoted reader's writer load counts in that average until it is replaced).`
      : `Autoscaling tracks Aurora's ${metric === "CPUUtilization" ? "RDSReaderAverageCPUUtilization" : "RDSReaderAverageDatabaseConnections"}: every reader is an OLTP reader.`,
    `Autoscaled readers get the writer's class (${topology.aurora.instanceClass.writer}) and promotion tier ${AUTOSCALING.addedReaderTier.value}.${
      olap
        ? " The OLAP reader is tier 15 too, and on a tie Aurora promotes the largest instance: with every OLTP reader down, the larger of them becomes writer."
        : ""
    }`,
  ];
}

/** Where the master's password is: the outputs log in as the application role and hold no master password. */
function masterNote(topology: AuroraTopology, masterSecretArn: string | undefined): string {
  const { aurora } = topology;
  const where = `in Secrets Manager${masterSecretArn ? ` (${masterSecretArn})` : ""}`;
  const kept = aurora.manageMasterUserPassword
    ? `RDS keeps its password ${where} and rotates it every ${aurora.masterPasswordRotationDays ?? 7} days`
    : `its password is ${where}`;
  return `The outputs' user and URLs are the application role "${aurora.appUser}" (no superuser, no CREATEROLE, pg_monitor, owner of database ${topology.database}); the master user "${topology.user}" is for administration: ${kept}. RDS Proxy takes both.`;
}

function operationsNotes(topology: AuroraTopology, masterSecretArn: string | undefined): string[] {
  const { aurora } = topology;
  const notes = [versionPolicy(aurora).explanation, protectionNote(aurora), ...backupNotes(topology)];
  if (aurora.secondaries.length > 0 && GLOBAL_MAJOR_UPGRADE.resetsToDefaultParameterGroups.value) {
    notes.push(
      "A major upgrade of this Global Database (a new postgresVersion and aurora.engineVersion) cannot go through one pulumi up: ModifyGlobalCluster names no parameter group, and a group of the new family fits only a cluster already running that major, while the primary cluster is updated before the global cluster made from it. Upgrade first: aws rds modify-global-cluster --global-cluster-identifier <id> --engine-version <version> --allow-major-version-upgrade; every member then runs the new major's default parameter groups, so rds.force_ssl, max_connections and the OLAP settings are off. Then set postgresVersion and aurora.engineVersion and run pulumi up --refresh, which attaches the stack's groups of the new family to each cluster and instance; they apply when each instance reboots, which the deploy check names (readers one at a time, the writer last). The settings are off from the upgrade until those reboots.",
    );
  }
  if (!aurora.applyImmediately) {
    notes.push(
      "aurora.applyImmediately is false: instance class, engine version and other cluster changes wait for the maintenance window; parameter groups change at once, and static ones (max_connections, max_worker_processes) still need a reboot, which the deploy check names.",
    );
  }
  notes.push(masterNote(topology, masterSecretArn));
  return notes;
}

export interface NoteContext {
  proxyReadOnlyEndpoint?: string | undefined;
  masterSecretArn?: string | undefined;
}

export function auroraNotes(topology: AuroraTopology, context: NoteContext = {}): string[] {
  const aurora = topology.aurora;
  const olap = topology.standbys.some((s) => s.role === "olap");
  const cost = proxyCostNote(topology, olap);
  const notes: string[] = [...poolNotes(topology, olap, context.proxyReadOnlyEndpoint), ...(cost ? [cost] : [])];
  if (olap) {
    notes.push(
      `Failover prefers OLTP readers (promotion tier ${ROLES.oltp.promotionTier}) over the OLAP reader (tier ${ROLES.olap.promotionTier}); Aurora still promotes the OLAP reader when no other reader is healthy, and the deploy check then fails with the command to fail back.`,
    );
  }
  notes.push(...scalingNotes(topology, olap));
  for (const secondary of aurora.secondaries) {
    notes.push(`${secondary.region}: no RDS Proxy there; its readPool is that secondary cluster's reader endpoint.`);
  }
  notes.push(...operationsNotes(topology, context.masterSecretArn));
  notes.push(...mergedNotes(auroraParameterPlan(topology).notes));
  return notes;
}
