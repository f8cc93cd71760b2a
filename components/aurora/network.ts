/**
 * Aurora networking in one region: a subnet group and a security group that
 * admits PostgreSQL from the configured CIDRs and security groups only (and
 * from itself, so RDS Proxy reaches the cluster). No other ingress.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSecondary, AuroraTopology } from "../topology/types";

export interface AuroraNetworkArgs {
  vpcId: string;
  subnetIds: readonly string[];
  allowedCidrs: readonly string[];
  allowedSecurityGroupIds: readonly string[];
  port: number;
  description: string;
}

export class AuroraNetwork extends pulumi.ComponentResource {
  declare readonly subnetGroup: aws.rds.SubnetGroup;
  declare readonly securityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, args: AuroraNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:Network", name, {}, opts);
    const port = { protocol: "tcp", fromPort: args.port, toPort: args.port };
    const v4 = args.allowedCidrs.filter((c) => !c.includes(":"));
    const v6 = args.allowedCidrs.filter((c) => c.includes(":"));
    this.subnetGroup = new aws.rds.SubnetGroup(
      name,
      { subnetIds: [...args.subnetIds], description: args.description },
      { parent: this },
    );
    this.securityGroup = new aws.ec2.SecurityGroup(
      name,
      {
        vpcId: args.vpcId,
        description: args.description,
        ingress: [
          ...(v4.length > 0 ? [{ ...port, cidrBlocks: v4, description: "PostgreSQL from allowedCidrs" }] : []),
          ...(v6.length > 0 ? [{ ...port, ipv6CidrBlocks: v6, description: "PostgreSQL from allowedCidrs" }] : []),
          ...(args.allowedSecurityGroupIds.length > 0
            ? [
                {
                  ...port,
                  securityGroups: [...args.allowedSecurityGroupIds],
                  description: "PostgreSQL from allowedSecurityGroupIds",
                },
              ]
            : []),
          { ...port, self: true, description: "RDS Proxy to the cluster" },
        ],
        egress: [{ ...port, self: true, description: "RDS Proxy to the cluster" }],
      },
      { parent: this },
    );
    this.registerOutputs({ securityGroupId: this.securityGroup.id });
  }
}

/** The primary region's network: the stack's client CIDRs and security groups. */
export function createNetwork(
  name: string,
  topology: AuroraTopology,
  opts: pulumi.ComponentResourceOptions,
): AuroraNetwork {
  return new AuroraNetwork(
    `${name}-net`,
    {
      vpcId: topology.aurora.vpcId,
      subnetIds: topology.aurora.subnetIds,
      allowedCidrs: topology.access.clientCidrs,
      allowedSecurityGroupIds: topology.aurora.allowedSecurityGroupIds,
      port: topology.port,
      description: `pg-read-replicas: ${topology.name}`,
    },
    opts,
  );
}

/** A secondary region's network: the clients of that region's readers. */
export function createSecondaryNetwork(
  name: string,
  topology: AuroraTopology,
  secondary: AuroraSecondary,
  opts: pulumi.ComponentResourceOptions,
): AuroraNetwork {
  return new AuroraNetwork(
    `${name}-net`,
    {
      vpcId: secondary.vpcId,
      subnetIds: secondary.subnetIds,
      allowedCidrs: secondary.allowedCidrs,
      allowedSecurityGroupIds: [],
      port: topology.port,
      description: `pg-read-replicas: ${topology.name} readers in ${secondary.region}`,
    },
    opts,
  );
}
