/**
 * A secondary region of the Aurora Global Database: its own network, a cluster
 * that joins the global cluster (no credentials, no database name: both come
 * from the primary) and its readers. Children run through that region's provider.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ROLES } from "../topology/roles";
import type { AuroraSecondary, AuroraTopology } from "../topology/types";
import { ENGINE, versionDriftIgnored } from "./instances";
import { AuroraNetwork } from "./network";
import { AuroraParameterGroups } from "./parameterGroups";
import type { AuroraParameterPlan } from "./parameters";

export interface AuroraSecondaryRegionArgs {
  topology: AuroraTopology;
  secondary: AuroraSecondary;
  /** The primary cluster's parameter plan: a secondary's readers run the OLTP readers' settings. */
  plan: AuroraParameterPlan;
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
    const parameters = new AuroraParameterGroups(`${name}-params`, { family: aurora.family, plan: args.plan, roles: ["reader"] }, child);
    this.cluster = new aws.rds.Cluster(
      `${name}-cluster`,
      {
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
      },
      {
        parent: this,
        dependsOn: [args.primaryWriter],
        // The provider reports the source cluster here once joined; re-applying it would try to detach.
        ignoreChanges: ["replicationSourceIdentifier", ...versionDriftIgnored(aurora)],
      },
    );
    this.readers = Array.from(
      { length: secondary.replicas },
      (_, ordinal) =>
        new aws.rds.ClusterInstance(
          `${name}-reader-${ordinal}`,
          {
            clusterIdentifier: this.cluster.id,
            engine: ENGINE,
            engineVersion: aurora.engineVersion,
            instanceClass: secondary.readerClass,
            dbParameterGroupName: parameters.forRole("reader").name,
            dbSubnetGroupName: network.subnetGroup.name,
            promotionTier: ROLES.oltp.promotionTier,
            publiclyAccessible: false,
            autoMinorVersionUpgrade: aurora.autoMinorVersionUpgrade,
          },
          { parent: this, ignoreChanges: versionDriftIgnored(aurora) },
        ),
    );
    this.registerOutputs({ readerEndpoint: this.cluster.readerEndpoint });
  }
}
