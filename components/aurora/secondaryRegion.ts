/**
 * A secondary region of the Aurora Global Database: its own network, a cluster
 * that joins the global cluster (no credentials, no database name: both come
 * from the primary), its log group and its readers. Children run through that
 * region's provider. The cluster depends on the global cluster through its
 * globalClusterIdentifier, so when the region is removed from crossRegion, Pulumi
 * deletes its readers, then it (leaving the global cluster first), then the
 * global cluster: the primary leaves last and keeps running.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AURORA_ENGINE } from "../facts/aws/engine";
import { GLOBAL_DATABASE } from "../facts/aws/limits";
import { ROLES } from "../topology/roles";
import type { AuroraSecondary, AuroraTopology } from "../topology/types";
import { clusterOptionArgs, createClusterIdentifier } from "./cluster";
import { clusterIdentifier } from "./identifiers";
import { commonInstanceArgs } from "./instances";
import { createLogGroup } from "./logGroup";
import { backupArgs } from "./restore";
import { type AuroraNetwork, createSecondaryNetwork } from "./network";
import { type AuroraParameterGroups, createParameterGroups } from "./parameterGroups";
import type { AuroraParameterPlan } from "./parameters";
import { createRegionProvider } from "./regionProvider";
import type { VersionPolicy } from "./versions";

export interface AuroraSecondaryRegionArgs {
  topology: AuroraTopology;
  secondary: AuroraSecondary;
  /** The primary cluster's parameter plan: a secondary's readers run the OLTP readers' settings. */
  plan: AuroraParameterPlan;
  versions: VersionPolicy;
  identifierPrefix: string;
  globalClusterIdentifier: pulumi.Input<string>;
  /** The primary's writer: a secondary can join only once the primary cluster has one. */
  primaryWriter: pulumi.Resource;
  /** engineVersionGate.ts: a region added later is created only once AWS says the version can be created there. */
  engineVersionGate: pulumi.Resource;
  /** Enhanced monitoring's role (IAM is global: the primary's serves every region). */
  monitoringRoleArn?: pulumi.Input<string> | undefined;
}

export class AuroraSecondaryRegion extends pulumi.ComponentResource {
  declare readonly cluster: aws.rds.Cluster;
  declare readonly readers: aws.rds.ClusterInstance[];
  declare readonly region: string;

  constructor(name: string, args: AuroraSecondaryRegionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:SecondaryRegion", name, {}, opts);
    const { topology, secondary } = args;
    this.region = secondary.region;
    const child = { parent: this };
    const network = createSecondaryNetwork(name, topology, secondary, child);
    const { plan, versions } = args;
    const parameters = createParameterGroups(
      name,
      { aurora: topology.aurora, plan, versions, roles: ["reader"] },
      child,
    );
    const clusterId = createClusterIdentifier(
      name,
      { kmsKeyId: secondary.kmsKeyId, subnetGroup: network.subnetGroup.name },
      (hex) => clusterIdentifier(args.identifierPrefix, hex, secondary.region),
      { parent: this },
    );
    const logGroup = createLogGroup(name, clusterId, topology.aurora.logRetentionDays, child);
    const waitFor = [args.primaryWriter, args.engineVersionGate, logGroup];
    this.cluster = createSecondaryCluster(name, { ...args, clusterId, network, parameters, waitFor }, this);
    this.readers = createSecondaryReaders(name, { ...args, cluster: this.cluster, network, parameters }, this);
    this.registerOutputs({ readerEndpoint: this.cluster.readerEndpoint });
  }
}

interface SecondaryClusterArgs extends AuroraSecondaryRegionArgs {
  clusterId: pulumi.Input<string>;
  network: AuroraNetwork;
  parameters: AuroraParameterGroups;
  /** The primary's writer and the log group the cluster exports to. */
  waitFor: pulumi.Resource[];
}

function createSecondaryCluster(name: string, args: SecondaryClusterArgs, parent: pulumi.Resource): aws.rds.Cluster {
  const { secondary, network } = args;
  const { aurora } = args.topology;
  return new aws.rds.Cluster(
    `${name}-cluster`,
    {
      clusterIdentifier: args.clusterId,
      engine: AURORA_ENGINE.name.value,
      engineVersion: aurora.engineVersion,
      globalClusterIdentifier: args.globalClusterIdentifier,
      dbSubnetGroupName: network.subnetGroup.name,
      vpcSecurityGroupIds: [network.securityGroup.id],
      dbClusterParameterGroupName: args.parameters.cluster.name,
      storageEncrypted: true,
      kmsKeyId: secondary.kmsKeyId,
      // A secondary holds no data of its own (the primary's final snapshot covers it), and removing its region from
      // crossRegion must be able to delete it: RDS refuses to delete a cluster with deletion protection on.
      deletionProtection: false,
      skipFinalSnapshot: true,
      // The primary's retention (RDS takes 1–35 on any Aurora cluster, secondaries included; its default is 1 day):
      // a secondary promoted by a failover or detached keeps that many days of point-in-time recovery.
      backupRetentionPeriod: backupArgs(args.topology).backupRetentionPeriod,
      enabledCloudwatchLogsExports: ["postgresql"],
      applyImmediately: aurora.applyImmediately,
      ...clusterOptionArgs(aurora, args.monitoringRoleArn),
      ...(aurora.preferredMaintenanceWindow !== undefined
        ? { preferredMaintenanceWindow: aurora.preferredMaintenanceWindow }
        : {}),
    },
    {
      parent,
      dependsOn: args.waitFor,
      // Replaced (crossRegion[].kmsKeyId, subnets' group name): the old cluster must leave the region first, since a
      // Global Database takes one cluster per region; its readers go with it, and the region is re-cloned.
      deleteBeforeReplace: GLOBAL_DATABASE.oneClusterPerRegion.value,
      // The provider reports the source cluster here once joined; re-applying it would try to detach.
      // engineVersion moves with the global cluster (versions.ts).
      ignoreChanges: ["replicationSourceIdentifier", ...args.versions.cluster],
    },
  );
}

function createSecondaryReaders(
  name: string,
  args: AuroraSecondaryRegionArgs & {
    cluster: aws.rds.Cluster;
    network: AuroraNetwork;
    parameters: AuroraParameterGroups;
  },
  parent: pulumi.Resource,
): aws.rds.ClusterInstance[] {
  const { secondary } = args;
  return Array.from(
    { length: secondary.replicas },
    (_, ordinal) =>
      new aws.rds.ClusterInstance(
        `${name}-reader-${ordinal}`,
        {
          ...commonInstanceArgs(args.topology.aurora),
          engine: AURORA_ENGINE.name.value,
          clusterIdentifier: args.cluster.id,
          instanceClass: secondary.readerClass,
          dbParameterGroupName: args.parameters.forRole("reader").name,
          dbSubnetGroupName: args.network.subnetGroup.name,
          promotionTier: ROLES.oltp.promotionTier,
        },
        { parent },
      ),
  );
}

/** A secondary region as the primary's component sees it: the region's component and the provider it runs through. */
export interface SecondaryInRegion {
  provider: aws.Provider;
  secondary: AuroraSecondaryRegion;
}

export interface SecondaryRegionsArgs {
  topology: AuroraTopology;
  plan: AuroraParameterPlan;
  versions: VersionPolicy;
  prefix: string;
  global: aws.rds.GlobalCluster | undefined;
  primaryWriter: pulumi.Resource;
  engineVersionGate: pulumi.Resource;
  monitoringRoleArn?: pulumi.Input<string> | undefined;
}

/** One provider and one AuroraSecondaryRegion per secondary the stack declares, children of `parent`. */
export function createSecondaryRegions(
  name: string,
  args: SecondaryRegionsArgs,
  parent: pulumi.Resource,
): SecondaryInRegion[] {
  const { topology, global } = args;
  return topology.aurora.secondaries.map((secondary) => {
    const provider = createRegionProvider(name, topology, secondary.region, parent);
    if (!global) throw new Error("AuroraCluster: secondaries join the global cluster created with them");
    const component = new AuroraSecondaryRegion(
      `${name}-${secondary.region}`,
      {
        topology,
        secondary,
        plan: args.plan,
        versions: args.versions,
        identifierPrefix: args.prefix,
        globalClusterIdentifier: global.id,
        primaryWriter: args.primaryWriter,
        engineVersionGate: args.engineVersionGate,
        monitoringRoleArn: args.monitoringRoleArn,
      },
      { parent, providers: [provider] },
    );
    return { provider, secondary: component };
  });
}
