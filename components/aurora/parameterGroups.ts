/** Parameter groups from the Topology: one for the cluster, one per instance role. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings } from "../topology/types";

export type InstanceRole = "writer" | "reader" | "olap";

export class AuroraParameterGroups extends pulumi.ComponentResource {
  declare readonly cluster: aws.rds.ClusterParameterGroup;
  declare readonly instance: Partial<Record<InstanceRole, aws.rds.ParameterGroup>>;

  constructor(name: string, args: { aurora: AuroraSettings; roles: readonly InstanceRole[] }, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:ParameterGroups", name, {}, opts);
    const { aurora } = args;
    this.cluster = new aws.rds.ClusterParameterGroup(
      `${name}-cluster`,
      { family: aurora.family, description: "pg-read-replicas: cluster settings", parameters: aurora.parameters.cluster.map((p) => ({ ...p })) },
      { parent: this },
    );
    this.instance = {};
    for (const role of args.roles) {
      this.instance[role] = new aws.rds.ParameterGroup(
        `${name}-${role}`,
        { family: aurora.family, description: `pg-read-replicas: ${role} instance settings`, parameters: aurora.parameters[role].map((p) => ({ ...p })) },
        { parent: this },
      );
    }
    this.registerOutputs({ cluster: this.cluster.name });
  }
}
