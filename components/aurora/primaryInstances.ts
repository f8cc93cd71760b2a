/**
 * The primary region's instances: the writer first (the first instance created
 * becomes the writer, so the readers wait for it), then the OLTP readers and the
 * OLAP reader, each in its role's parameter group.
 */
import * as aws from "@pulumi/aws";
import { ROLES } from "../topology/roles";
import type { AuroraTopology, DatabaseNode } from "../topology/types";
import { instanceArgs } from "./instances";
import type { AuroraNetwork } from "./network";
import type { AuroraParameterGroups } from "./parameterGroups";
import type { InstanceRole } from "./parameters";
import type { InRegion } from "./regionProvider";

export interface Instance {
  node: DatabaseNode;
  resource: aws.rds.ClusterInstance;
}

/** The instance roles present among the nodes: each gets its own parameter group. */
export function instanceRoles(nodes: readonly DatabaseNode[]): InstanceRole[] {
  return [...new Set(nodes.map((node) => ROLES[node.role].aurora))];
}

export interface InstancesArgs {
  topology: AuroraTopology;
  /** The writer first: primaryClusterNodes. */
  nodes: readonly DatabaseNode[];
  cluster: aws.rds.Cluster;
  parameters: AuroraParameterGroups;
  network: AuroraNetwork;
  monitoringRole: aws.iam.Role | undefined;
}

export function createInstances(name: string, args: InstancesArgs, opts: InRegion): Instance[] {
  const instances: Instance[] = [];
  for (const node of args.nodes) {
    const resourceArgs = instanceArgs(args.topology, node, {
      clusterId: args.cluster.id,
      parameterGroupName: args.parameters.forRole(ROLES[node.role].aurora).name,
      subnetGroupName: args.network.subnetGroup.name,
      ...(args.monitoringRole ? { monitoringRoleArn: args.monitoringRole.arn } : {}),
    });
    // The first instance created becomes the writer: readers wait for it.
    const dependsOn = instances[0] ? [instances[0].resource] : [];
    instances.push({
      node,
      resource: new aws.rds.ClusterInstance(`${name}-${node.name}`, resourceArgs, { ...opts, dependsOn }),
    });
  }
  return instances;
}

/** The instance created first, which becomes the writer. */
export function writerOf(instances: readonly Instance[]): Instance {
  const writer = instances[0];
  if (!writer) throw new Error("AuroraCluster: the primary cluster always has its writer");
  return writer;
}
