/** Aurora instance and cluster arguments from the Topology. Pure: tests call these directly. */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { ROLES } from "../topology/roles";
import type { AuroraSettings, AuroraTopology, DatabaseNode } from "../topology/types";

export const ENGINE = "aurora-postgresql";

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

export function instanceArgs(topology: AuroraTopology, node: DatabaseNode, ctx: InstanceContext): aws.rds.ClusterInstanceArgs {
  const { aurora } = topology;
  return {
    clusterIdentifier: ctx.clusterId,
    engine: ENGINE,
    engineVersion: aurora.engineVersion,
    instanceClass: instanceClassOf(aurora, node),
    dbParameterGroupName: ctx.parameterGroupName,
    dbSubnetGroupName: ctx.subnetGroupName,
    // Failover promotes the lowest tier: OLTP readers (1) before the OLAP reader (15).
    promotionTier: ROLES[node.role].promotionTier,
    publiclyAccessible: false,
    autoMinorVersionUpgrade: aurora.autoMinorVersionUpgrade,
    performanceInsightsEnabled: aurora.performanceInsights,
    ...(ctx.monitoringRoleArn !== undefined ? { monitoringInterval: aurora.monitoringInterval, monitoringRoleArn: ctx.monitoringRoleArn } : {}),
  };
}

export interface ClusterContext {
  identifierPrefix: string;
  password: pulumi.Input<string>;
  subnetGroupName: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  parameterGroupName: pulumi.Input<string>;
  globalClusterId?: pulumi.Input<string>;
}

export function clusterArgs(topology: AuroraTopology, ctx: ClusterContext): aws.rds.ClusterArgs {
  const { aurora } = topology;
  return {
    engine: ENGINE,
    engineVersion: aurora.engineVersion,
    databaseName: topology.database,
    masterUsername: topology.user,
    masterPassword: ctx.password,
    port: topology.port,
    dbSubnetGroupName: ctx.subnetGroupName,
    vpcSecurityGroupIds: [ctx.securityGroupId],
    dbClusterParameterGroupName: ctx.parameterGroupName,
    storageEncrypted: true,
    ...(aurora.kmsKeyId ? { kmsKeyId: aurora.kmsKeyId } : {}),
    deletionProtection: aurora.deletionProtection,
    skipFinalSnapshot: aurora.skipFinalSnapshot,
    ...(aurora.skipFinalSnapshot ? {} : { finalSnapshotIdentifier: `${ctx.identifierPrefix}-final` }),
    backupRetentionPeriod: aurora.backupRetentionDays,
    copyTagsToSnapshot: true,
    enabledCloudwatchLogsExports: ["postgresql"],
    ...(ctx.globalClusterId !== undefined ? { globalClusterIdentifier: ctx.globalClusterId } : {}),
    // availabilityZones is left unset: Aurora picks three, and a declared list that drifts forces replacement.
  };
}

/** With automatic minor upgrades, AWS moves engineVersion under us: a diff there must not replace anything. */
export function versionDriftIgnored(aurora: AuroraSettings): string[] {
  return aurora.autoMinorVersionUpgrade ? ["engineVersion"] : [];
}
