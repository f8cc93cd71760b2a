/**
 * The primary region's cluster, with a name renewed on every replacement, created after the log group it exports to
 * and guarded as protection.ts decides; and, when the stack has secondary regions, the Global Database's global
 * cluster made from it. The cluster never names its global cluster (it ignores globalClusterIdentifier), so adding
 * crossRegion to a running stack creates the global cluster around the running cluster instead of asking the
 * provider to move it into one, which it refuses (facts/aws/replacement.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CLUSTER_LEVEL_MONITORING, DATABASE_INSIGHTS } from "../facts/aws/clusterOptions";
import { DATA_API } from "../facts/aws/dataApi";
import { GLOBAL_FROM_EXISTING_CLUSTER } from "../facts/aws/replacement";
import type { AuroraSettings, AuroraTopology } from "../topology/types";
import type { MasterPassword } from "./credentials";
import { clusterIdentifier, globalClusterIdentifier } from "./identifiers";
import { clusterArgs } from "./instances";
import { createLogGroup } from "./logGroup";
import type { AuroraNetwork } from "./network";
import type { AuroraParameterGroups } from "./parameterGroups";
import { clusterProtection, protectionNote } from "./protection";
import type { InRegion } from "./regionProvider";
import { restoreKeeper } from "./restore";
import type { VersionPolicy } from "./versions";

const { sourceField, memberIgnores } = GLOBAL_FROM_EXISTING_CLUSTER.value;

/**
 * The global cluster made from the running primary cluster (its ARN, read at creation only: the program ignores later
 * changes, so a stack whose global cluster was created the older way keeps it). forceDestroy makes its deletion, when
 * crossRegion is removed, take the primary out of it rather than fail on a non-empty global cluster; it holds no data
 * of its own, so it has no deletion protection that would stop that removal.
 */
export function createGlobalCluster(
  name: string,
  args: { topology: AuroraTopology; prefix: string; versions: VersionPolicy; cluster: aws.rds.Cluster },
  opts: InRegion,
): aws.rds.GlobalCluster | undefined {
  const { aurora } = args.topology;
  if (aurora.secondaries.length === 0) return undefined;
  return new aws.rds.GlobalCluster(
    `${name}-global`,
    {
      globalClusterIdentifier: globalClusterIdentifier(args.prefix),
      [sourceField]: args.cluster.arn,
      forceDestroy: GLOBAL_FROM_EXISTING_CLUSTER.value.forceDestroy,
      // Upgrades of a Global Database go through here (versions.ts); engine and encryption come from the cluster.
      engineVersion: aurora.engineVersion,
      deletionProtection: false,
    },
    // Its fixed name must be freed before a replacement.
    { ...opts, deleteBeforeReplace: true, ignoreChanges: [sourceField, ...args.versions.global] },
  );
}

/**
 * A cluster's identifier with a random suffix, renewed with every input that would replace the cluster (its
 * keepers), so a replacement never reuses a name.
 */
export function createClusterIdentifier(
  name: string,
  keepers: Record<string, pulumi.Input<string>>,
  identify: (hex: string) => string,
  opts: { parent: pulumi.Resource; protect?: boolean },
): pulumi.Output<string> {
  const suffix = new random.RandomId(`${name}-cluster-id`, { byteLength: 4, keepers }, opts);
  return suffix.hex.apply(identify);
}

/**
 * The config that replaces the cluster: a new cluster's database, user, key and subnet group; a restored one's
 * restore instead of database and user, which it takes from its source (restore.ts), so correcting `user` after a
 * restore does not replace it. Running stacks without a restore keep exactly the keepers they were created with.
 */
function identifierKeepers(topology: AuroraTopology, network: AuroraNetwork): Record<string, pulumi.Input<string>> {
  const common = { kmsKeyId: topology.aurora.kmsKeyId ?? "", subnetGroup: network.subnetGroup.name };
  const restore = restoreKeeper(topology.restore);
  if (restore !== undefined) return { ...common, restore };
  return { ...common, database: topology.database, user: topology.user };
}

/**
 * Options every member cluster takes from aurora.* (the primary and each secondary): the storage type, only when the
 * stack names it (RDS does not return Standard's), and the engine lifecycle, both changed in place; and Performance
 * Insights and enhanced monitoring at cluster level (facts: CLUSTER_LEVEL_MONITORING), so a secondary region's
 * readers and the readers autoscaling adds get them too, not only the instances the program creates.
 */
/** Advanced Database Insights needs Performance Insights, so it turns them on. */
export function performanceInsightsOn(aurora: AuroraSettings): boolean {
  return aurora.performanceInsights || aurora.databaseInsights === "advanced";
}

/** The cluster's Database Insights mode; advanced with the retention AWS requires of it. */
function databaseInsightsArgs(aurora: AuroraSettings): Partial<aws.rds.ClusterArgs> {
  if (aurora.databaseInsights === undefined) return {};
  return {
    databaseInsightsMode: aurora.databaseInsights,
    ...(aurora.databaseInsights === "advanced"
      ? { performanceInsightsRetentionPeriod: DATABASE_INSIGHTS.advancedRetentionDays.value }
      : {}),
  };
}

export function clusterOptionArgs(
  aurora: AuroraSettings,
  monitoringRoleArn?: pulumi.Input<string>,
): Partial<aws.rds.ClusterArgs> {
  return {
    ...(aurora.storageType !== undefined ? { storageType: aurora.storageType } : {}),
    engineLifecycleSupport: aurora.engineLifecycleSupport,
    ...(CLUSTER_LEVEL_MONITORING.performanceInsights.value && performanceInsightsOn(aurora)
      ? { performanceInsightsEnabled: true }
      : {}),
    ...databaseInsightsArgs(aurora),
    ...(CLUSTER_LEVEL_MONITORING.enhancedMonitoring.value && monitoringRoleArn !== undefined
      ? { monitoringInterval: aurora.monitoringInterval, monitoringRoleArn }
      : {}),
  };
}

export interface ClusterArgs {
  topology: AuroraTopology;
  prefix: string;
  master: MasterPassword;
  network: AuroraNetwork;
  parameters: AuroraParameterGroups;
  versions: VersionPolicy;
  /** Checks the cluster is created only once they passed: the engine version's, a restore's (restoreCheck.ts). */
  gates: pulumi.Resource[];
  /** Enhanced monitoring's role, when aurora.monitoringInterval is set. */
  monitoringRoleArn?: pulumi.Input<string> | undefined;
}

export function createCluster(name: string, args: ClusterArgs, opts: InRegion): aws.rds.Cluster {
  const { topology, network, parameters, versions } = args;
  const { protect } = clusterProtection(topology.aurora);
  const clusterId = createClusterIdentifier(
    name,
    identifierKeepers(topology, network),
    (hex) => clusterIdentifier(args.prefix, hex),
    { parent: opts.parent, protect },
  );
  const logGroup = createLogGroup(name, clusterId, topology.aurora.logRetentionDays, opts);
  const cluster = new aws.rds.Cluster(
    `${name}-cluster`,
    {
      ...clusterArgs(topology, {
        clusterId,
        ...(args.master.kind === "generated" ? { password: args.master.password } : {}),
        subnetGroupName: network.subnetGroup.name,
        securityGroupId: network.securityGroup.id,
        parameterGroupName: parameters.cluster.name,
        writerParameterGroupName: parameters.forRole("writer").name,
        versions,
      }),
      ...clusterOptionArgs(topology.aurora, args.monitoringRoleArn),
      // The RDS Data API: the application role's step runs through it (the cluster is private). A running stack's
      // cluster gets it in place (facts/aws/dataApi.ts); secondary clusters have no writer to run it on.
      enableHttpEndpoint: DATA_API.providerEnablesInPlace.value,
    },
    {
      ...opts,
      protect,
      dependsOn: [logGroup, ...args.gates],
      ignoreChanges: [...versions.cluster, memberIgnores],
    },
  );
  // Beside Pulumi's own refusal, which names the resource only: the key that caused it and the one that lifts it.
  if (protect) pulumi.log.info(protectionNote(topology.aurora), cluster);
  return cluster;
}
