/** Aurora parameter groups: one for the cluster, one per instance role present. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings } from "../topology/types";
import type { AuroraParameterPlan, InstanceRole } from "./parameters";
import type { VersionPolicy } from "./versions";

export interface AuroraParameterGroupsArgs {
  family: string;
  plan: AuroraParameterPlan;
  roles: readonly InstanceRole[];
  /** `family` while the engine's major is held (versions.ts): a new family would not fit the running engine. */
  ignoreChanges?: string[];
}

export class AuroraParameterGroups extends pulumi.ComponentResource {
  declare readonly cluster: aws.rds.ClusterParameterGroup;
  private readonly instance = new Map<InstanceRole, aws.rds.ParameterGroup>();

  constructor(name: string, args: AuroraParameterGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:ParameterGroups", name, {}, opts);
    const { family, plan } = args;
    const child = {
      parent: this,
      ...(args.ignoreChanges && args.ignoreChanges.length > 0 ? { ignoreChanges: args.ignoreChanges } : {}),
    };
    this.cluster = new aws.rds.ClusterParameterGroup(
      `${name}-cluster`,
      { family, description: "pg-read-replicas: cluster settings", parameters: plan.cluster.map((p) => ({ ...p })) },
      child,
    );
    for (const role of args.roles) {
      this.instance.set(
        role,
        new aws.rds.ParameterGroup(
          `${name}-${role}`,
          {
            family,
            description: `pg-read-replicas: ${role} instance settings`,
            parameters: plan.instance[role].map((p) => ({ ...p })),
          },
          child,
        ),
      );
    }
    this.registerOutputs({ cluster: this.cluster.name });
  }

  forRole(role: InstanceRole): aws.rds.ParameterGroup {
    const group = this.instance.get(role);
    if (!group) throw new Error(`AuroraParameterGroups: no instance parameter group for ${role}; pass it in roles`);
    return group;
  }
}

/** The groups for the given instance roles, from the stack's family and parameter plan. */
export function createParameterGroups(
  name: string,
  args: { aurora: AuroraSettings; plan: AuroraParameterPlan; versions: VersionPolicy; roles: readonly InstanceRole[] },
  opts: pulumi.ComponentResourceOptions,
): AuroraParameterGroups {
  return new AuroraParameterGroups(
    `${name}-params`,
    { family: args.aurora.family, plan: args.plan, roles: args.roles, ignoreChanges: args.versions.parameterGroups },
    opts,
  );
}
