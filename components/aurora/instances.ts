/** Aurora instance and cluster arguments from the Topology. Pure: tests call these directly. */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AURORA_ENGINE } from "../facts/aws/engine";
import { ROLES } from "../topology/roles";
import type { AuroraSettings, AuroraTopology, DatabaseNode } from "../topology/types";
import { finalSnapshotIdentifier } from "./identifiers";
import { clusterProtection } from "./protection";
import { INHERITED_ARGUMENTS, backupArgs, restoreArgs } from "./restore";
import type { VersionPolicy } from "./versions";

/** The nodes of the primary region's cluster: the writer first (the first instance created becomes writer). */
export function primaryClusterNodes(topology: AuroraTopology): DatabaseNode[] {
  return [topology.primary, ...topology.standbys.filter((s) => !s.remote)];
}

export interface InstanceContext {
  clusterId: pulumi.Input<string>;
  parameterGroupName: pulumi.Input<string>;
  subnetGroupName: pulumi.Input<string>;
  monitoringRoleArn?: pulumi.Input<string>;
}

export function instanceClassOf(aurora: AuroraSettings, node: DatabaseNode): string {
  const role = ROLES[node.role].aurora;
  if (role === "olap") {
    // Validation refuses OLAP without its class; reaching here without one is a bug.
    if (!aurora.instanceClass.olap) throw new Error("instanceClassOf: an OLAP reader needs aurora.instanceClass.olap");
    return aurora.instanceClass.olap;
  }
  return aurora.instanceClass[role];
}

/** What every instance shares, in the primary region and in secondaries. */
export function commonInstanceArgs(aurora: AuroraSettings): Partial<aws.rds.ClusterInstanceArgs> {
  return {
    engine: AURORA_ENGINE.name.value,
    // No engineVersion: an instance runs its cluster's version, and upgrades happen on the cluster.
    publiclyAccessible: false,
    autoMinorVersionUpgrade: aurora.autoMinorVersionUpgrade,
    applyImmediately: aurora.applyImmediately,
    ...(aurora.caCertIdentifier !== undefined ? { caCertIdentifier: aurora.caCertIdentifier } : {}),
    ...(aurora.preferredMaintenanceWindow !== undefined
      ? { preferredMaintenanceWindow: aurora.preferredMaintenanceWindow }
      : {}),
  };
}

export function instanceArgs(
  topology: AuroraTopology,
  node: DatabaseNode,
  ctx: InstanceContext,
): aws.rds.ClusterInstanceArgs {
  const { aurora } = topology;
  return {
    ...commonInstanceArgs(aurora),
    engine: AURORA_ENGINE.name.value,
    clusterIdentifier: ctx.clusterId,
    instanceClass: instanceClassOf(aurora, node),
    dbParameterGroupName: ctx.parameterGroupName,
    dbSubnetGroupName: ctx.subnetGroupName,
    // Failover promotes the lowest tier: OLTP readers (1) before the OLAP reader (15).
    promotionTier: ROLES[node.role].promotionTier,
    // Advanced Database Insights needs them (cluster.ts performanceInsightsOn; not imported: cluster.ts imports this).
    performanceInsightsEnabled: aurora.performanceInsights || aurora.databaseInsights === "advanced",
    ...(ctx.monitoringRoleArn !== undefined
      ? { monitoringInterval: aurora.monitoringInterval, monitoringRoleArn: ctx.monitoringRoleArn }
      : {}),
  };
}

export interface ClusterContext {
  /** The cluster's identifier (random suffix included: identifiers.ts). */
  clusterId: pulumi.Input<string>;
  /** A generated password, or none when RDS manages it in Secrets Manager. */
  password?: pulumi.Input<string>;
  subnetGroupName: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  parameterGroupName: pulumi.Input<string>;
  /** The writer's instance parameter group, sent with a major upgrade. */
  writerParameterGroupName: pulumi.Input<string>;
  versions: VersionPolicy;
}

/** Settings the cluster takes from aurora.*, beyond storage and credentials. */
function operations(aurora: AuroraSettings): Partial<aws.rds.ClusterArgs> {
  return {
    applyImmediately: aurora.applyImmediately,
    iamDatabaseAuthenticationEnabled: aurora.iamDatabaseAuthentication,
    ...(aurora.preferredMaintenanceWindow !== undefined
      ? { preferredMaintenanceWindow: aurora.preferredMaintenanceWindow }
      : {}),
    ...(aurora.preferredBackupWindow !== undefined ? { preferredBackupWindow: aurora.preferredBackupWindow } : {}),
  };
}

function credentials(topology: AuroraTopology, ctx: ClusterContext): Partial<aws.rds.ClusterArgs> {
  const { aurora } = topology;
  if (aurora.manageMasterUserPassword) {
    return {
      masterUsername: topology.user,
      manageMasterUserPassword: true,
      ...(aurora.kmsKeyId ? { masterUserSecretKmsKeyId: aurora.kmsKeyId } : {}),
    };
  }
  return { masterUsername: topology.user, ...(ctx.password !== undefined ? { masterPassword: ctx.password } : {}) };
}

/** What a new, empty cluster states and a restored one takes from its source (restore.ts). */
function contents(topology: AuroraTopology, ctx: ClusterContext): Partial<aws.rds.ClusterArgs> {
  const stated: Partial<aws.rds.ClusterArgs> = {
    databaseName: topology.database,
    ...credentials(topology, ctx),
    storageEncrypted: true,
  };
  if (topology.restore === undefined) return stated;
  const restored = { ...stated };
  for (const key of INHERITED_ARGUMENTS) delete restored[key];
  return { ...restored, ...restoreArgs(topology.restore) };
}

export function clusterArgs(topology: AuroraTopology, ctx: ClusterContext): aws.rds.ClusterArgs {
  const { aurora } = topology;
  return {
    clusterIdentifier: ctx.clusterId,
    engine: AURORA_ENGINE.name.value,
    engineVersion: aurora.engineVersion,
    ...contents(topology, ctx),
    port: topology.port,
    dbSubnetGroupName: ctx.subnetGroupName,
    vpcSecurityGroupIds: [ctx.securityGroupId],
    dbClusterParameterGroupName: ctx.parameterGroupName,
    ...(aurora.kmsKeyId ? { kmsKeyId: aurora.kmsKeyId } : {}),
    deletionProtection: clusterProtection(aurora).deletionProtection,
    skipFinalSnapshot: aurora.skipFinalSnapshot,
    ...(aurora.skipFinalSnapshot
      ? {}
      : { finalSnapshotIdentifier: pulumiApply(ctx.clusterId, finalSnapshotIdentifier) }),
    ...backupArgs(topology),
    copyTagsToSnapshot: true,
    enabledCloudwatchLogsExports: ["postgresql"],
    ...operations(aurora),
    ...(ctx.versions.allowMajorVersionUpgrade
      ? { allowMajorVersionUpgrade: true, dbInstanceParameterGroupName: ctx.writerParameterGroupName }
      : {}),
    // availabilityZones is left unset: Aurora picks three, and a declared list that drifts forces replacement.
  };
}

/** Plain strings stay plain (unit tests read them directly); Outputs are mapped. */
function pulumiApply(value: pulumi.Input<string>, map: (text: string) => string): pulumi.Input<string> {
  return typeof value === "string" ? map(value) : pulumi.output(value).apply(map);
}
