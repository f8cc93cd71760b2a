/**
 * The primary region's cluster: the Global Database's global cluster first when
 * the stack has secondary regions, then the cluster with a name renewed on every
 * replacement, created after the log group it exports to.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AuroraTopology } from "../topology/types";
import type { MasterPassword } from "./credentials";
import { clusterIdentifier } from "./identifiers";
import { ENGINE, clusterArgs } from "./instances";
import { createLogGroup } from "./logGroup";
import type { AuroraNetwork } from "./network";
import type { AuroraParameterGroups } from "./parameterGroups";
import type { InRegion } from "./regionProvider";
import type { VersionPolicy } from "./versions";

export function createGlobalCluster(
  name: string,
  args: { topology: AuroraTopology; prefix: string; versions: VersionPolicy },
  opts: InRegion,
): aws.rds.GlobalCluster | undefined {
  const { aurora } = args.topology;
  if (aurora.secondaries.length === 0) return undefined;
  return new aws.rds.GlobalCluster(
    `${name}-global`,
    {
      globalClusterIdentifier: `${args.prefix}-global`,
      engine: ENGINE,
      engineVersion: aurora.engineVersion,
      storageEncrypted: true,
      deletionProtection: aurora.deletionProtection,
    },
    // The upgrades of a Global Database go through here (versions.ts); its fixed name must be freed before a
    // replacement.
    { ...opts, deleteBeforeReplace: true, ignoreChanges: args.versions.global },
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
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const suffix = new random.RandomId(`${name}-cluster-id`, { byteLength: 4, keepers }, { parent });
  return suffix.hex.apply(identify);
}

export interface ClusterArgs {
  topology: AuroraTopology;
  prefix: string;
  master: MasterPassword;
  network: AuroraNetwork;
  parameters: AuroraParameterGroups;
  versions: VersionPolicy;
  global?: aws.rds.GlobalCluster;
}

export function createCluster(name: string, args: ClusterArgs, opts: InRegion): aws.rds.Cluster {
  const { topology, network, parameters, versions, global } = args;
  const clusterId = createClusterIdentifier(
    name,
    {
      kmsKeyId: topology.aurora.kmsKeyId ?? "",
      database: topology.database,
      user: topology.user,
      subnetGroup: network.subnetGroup.name,
    },
    (hex) => clusterIdentifier(args.prefix, hex),
    opts.parent,
  );
  const logGroup = createLogGroup(name, clusterId, topology.aurora.logRetentionDays, opts);
  return new aws.rds.Cluster(
    `${name}-cluster`,
    clusterArgs(topology, {
      clusterId,
      ...(args.master.kind === "generated" ? { password: args.master.password } : {}),
      subnetGroupName: network.subnetGroup.name,
      securityGroupId: network.securityGroup.id,
      parameterGroupName: parameters.cluster.name,
      writerParameterGroupName: parameters.forRole("writer").name,
      versions,
      ...(global ? { globalClusterId: global.id } : {}),
    }),
    { ...opts, dependsOn: [logGroup], ignoreChanges: versions.cluster },
  );
}
