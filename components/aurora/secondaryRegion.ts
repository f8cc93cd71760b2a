/**
 * A secondary region of the Aurora Global Database: its own network, a cluster
 * that joins the global cluster (no credentials, no database name: both come
 * from the primary), its log group and its readers. Children run through that
 * region's provider.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ROLES } from "../topology/roles";
import type { AuroraSecondary, AuroraTopology } from "../topology/types";
import { clusterIdentifier } from "./identifiers";
import { ENGINE, commonInstanceArgs } from "./instances";
import { postgresLogGroup } from "./logGroup";
import { AuroraNetwork } from "./network";
import { AuroraParameterGroups } from "./parameterGroups";
import type { AuroraParameterPlan } from "./parameters";
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
}

export class AuroraSecondaryRegion extends pulumi.ComponentResource {
  declare readonly cluster: aws.rds.Cluster;
  declare readonly readers: aws.rds.ClusterInstance[];
  declare readonly region: string;

  constructor(name: string, args: AuroraSecondaryRegionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:SecondaryRegion", name, {}, opts);
    const { topology, secondary } = args;
    const { aurora } = topology;
    this.region = secondary.region;
    const child = { parent: this };
    const network = new AuroraNetwork(
      `${name}-net`,
      {
        vpcId: secondary.vpcId,
        subnetIds: secondary.subnetIds,
        allowedCidrs: secondary.allowedCidrs,
        allowedSecurityGroupIds: [],
        port: topology.port,
        description: `pg-read-replicas: ${topology.name} readers in ${secondary.region}`,
      },
      child,
    );
    const parameters = new AuroraParameterGroups(
      `${name}-params`,
      { family: aurora.family, plan: args.plan, roles: ["reader"], ignoreChanges: args.versions.parameterGroups },
      child,
    );
    // Renewed with every input that would replace the cluster, so a replacement never reuses a name.
    const suffix = new random.RandomId(
      `${name}-cluster-id`,
      { byteLength: 4, keepers: { kmsKeyId: secondary.kmsKeyId, subnetGroup: network.subnetGroup.name } },
      child,
    );
    const clusterId = suffix.hex.apply((hex) => clusterIdentifier(args.identifierPrefix, hex, secondary.region));
    const logGroup = postgresLogGroup(name, clusterId, aurora.logRetentionDays, child);
    this.cluster = new aws.rds.Cluster(
      `${name}-cluster`,
      {
        clusterIdentifier: clusterId,
        engine: ENGINE,
        engineVersion: aurora.engineVersion,
        globalClusterIdentifier: args.globalClusterIdentifier,
        dbSubnetGroupName: network.subnetGroup.name,
        vpcSecurityGroupIds: [network.securityGroup.id],
        dbClusterParameterGroupName: parameters.cluster.name,
        storageEncrypted: true,
        kmsKeyId: secondary.kmsKeyId,
        deletionProtection: aurora.deletionProtection,
        // A secondary holds no data of its own: the primary's final snapshot covers it.
        skipFinalSnapshot: true,
        enabledCloudwatchLogsExports: ["postgresql"],
        applyImmediately: aurora.applyImmediately,
        ...(aurora.preferredMaintenanceWindow !== undefined
          ? { preferredMaintenanceWindow: aurora.preferredMaintenanceWindow }
          : {}),
      },
      {
        parent: this,
        dependsOn: [args.primaryWriter, logGroup],
        // The provider reports the source cluster here once joined; re-applying it would try to detach.
        // engineVersion moves with the global cluster (versions.ts).
        ignoreChanges: ["replicationSourceIdentifier", ...args.versions.cluster],
      },
    );
    this.readers = Array.from(
      { length: secondary.replicas },
      (_, ordinal) =>
        new aws.rds.ClusterInstance(
          `${name}-reader-${ordinal}`,
          {
            ...commonInstanceArgs(aurora),
            engine: ENGINE,
            clusterIdentifier: this.cluster.id,
            instanceClass: secondary.readerClass,
            dbParameterGroupName: parameters.forRole("reader").name,
            dbSubnetGroupName: network.subnetGroup.name,
            promotionTier: ROLES.oltp.promotionTier,
          },
          child,
        ),
    );
    this.registerOutputs({ readerEndpoint: this.cluster.readerEndpoint });
  }
}
