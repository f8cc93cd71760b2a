/**
 * RDS Proxy, the managed counterpart of PgBouncer: its default endpoint for
 * writes and, in mode readWrite, a READ_ONLY endpoint for reads (writeOnly leaves
 * reads on the cluster's reader endpoint; none creates no proxy). Clients log in
 * with the users of its Secrets Manager secrets (each holding `username` and
 * `password`): the application role's and the master user's (credentials.ts),
 * read through an IAM role that may read those secrets only, and decrypt them
 * only through Secrets Manager in the proxy's region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings, AuroraTopology } from "../topology/types";
import { secretsManagerViaService } from "../facts/aws/provider";
import type { AuroraNetwork } from "./network";
import type { Instance } from "./primaryInstances";
import type { InRegion } from "./regionProvider";

export interface AuroraProxyArgs {
  aurora: AuroraSettings;
  /** The proxy's region: the only one its role may decrypt through. */
  region: string;
  /** The secrets it logs in with, one auth each: the application role's, then the master user's. */
  secretArns: pulumi.Input<string>[];
  clusterIdentifier: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  /** The instances must exist before the proxy can register the cluster as its target. */
  waitFor: pulumi.Resource[];
}

/**
 * The role's policy. StringEquals matches exactly (no wildcards), so kms:ViaService
 * names this region's Secrets Manager, and Resource is the key ARN, as AWS's
 * RDS Proxy setup guide writes it.
 */
export function proxyRolePolicy(secretArns: readonly string[], kmsKeyArn: string | undefined, region: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [...secretArns] },
      ...(kmsKeyArn
        ? [
            {
              Effect: "Allow",
              Action: ["kms:Decrypt"],
              Resource: kmsKeyArn,
              Condition: { StringEquals: { "kms:ViaService": secretsManagerViaService(region) } },
            },
          ]
        : []),
    ],
  });
}

export class AuroraProxy extends pulumi.ComponentResource {
  declare readonly proxy: aws.rds.Proxy;
  /** Mode readWrite only: writeOnly sends reads to the cluster's reader endpoint instead. */
  declare readonly readOnly: aws.rds.ProxyEndpoint | undefined;
  declare readonly secretArns: pulumi.Output<string[]>;

  constructor(name: string, args: AuroraProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:Proxy", name, {}, opts);
    this.secretArns = pulumi.all(args.secretArns);
    const { role, policy } = createProxyRole(name, this.secretArns, args, this);
    const network = { vpcSubnetIds: [...args.aurora.subnetIds], vpcSecurityGroupIds: [args.securityGroupId] };
    this.proxy = createRdsProxy(
      name,
      { role, policy, secretArns: this.secretArns, network, aurora: args.aurora },
      this,
    );
    createProxyTarget(name, this.proxy, args, this);
    this.readOnly =
      args.aurora.proxy.mode === "readWrite" ? createReadOnlyEndpoint(name, this.proxy, network, this) : undefined;
    this.registerOutputs({ endpoint: this.proxy.endpoint, readOnlyEndpoint: this.readOnly?.endpoint });
  }
}

export interface ProxyArgs {
  topology: AuroraTopology;
  /** The master user's secret (credentials.ts masterSecretArn). */
  masterSecretArn: pulumi.Input<string>;
  /** The application role's secret (appRoleStep.ts). */
  appSecretArn: pulumi.Input<string>;
  cluster: aws.rds.Cluster;
  network: AuroraNetwork;
  instances: readonly Instance[];
}

/** The stack's proxy, unless aurora.proxy.mode is none: clients log in as the application role, or as the master. */
export function createProxy(name: string, args: ProxyArgs, opts: InRegion): AuroraProxy | undefined {
  const { topology, cluster } = args;
  if (topology.aurora.proxy.mode === "none") return undefined;
  return new AuroraProxy(
    `${name}-proxy`,
    {
      aurora: topology.aurora,
      region: topology.region,
      secretArns: [args.appSecretArn, args.masterSecretArn],
      clusterIdentifier: cluster.clusterIdentifier,
      securityGroupId: args.network.securityGroup.id,
      waitFor: args.instances.map((i) => i.resource),
    },
    opts,
  );
}

type ProxyNetwork = Pick<aws.rds.ProxyArgs, "vpcSubnetIds" | "vpcSecurityGroupIds">;

/** The role RDS Proxy assumes: it may read its secrets, and decrypt them through Secrets Manager in its region only. */
function createProxyRole(
  name: string,
  secretArns: pulumi.Output<string[]>,
  args: Pick<AuroraProxyArgs, "aurora" | "region">,
  parent: pulumi.Resource,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      description: "pg-read-replicas: lets RDS Proxy read its credentials",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "rds.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-read-secret`,
    { role: role.id, policy: secretArns.apply((arns) => proxyRolePolicy(arns, args.aurora.kmsKeyId, args.region)) },
    { parent },
  );
  return { role, policy };
}

function createRdsProxy(
  name: string,
  args: {
    role: aws.iam.Role;
    policy: aws.iam.RolePolicy;
    secretArns: pulumi.Output<string[]>;
    network: ProxyNetwork;
    aurora: AuroraSettings;
  },
  parent: pulumi.Resource,
): aws.rds.Proxy {
  return new aws.rds.Proxy(
    `${name}`,
    {
      engineFamily: "POSTGRESQL",
      roleArn: args.role.arn,
      requireTls: args.aurora.proxy.requireTls,
      idleClientTimeout: args.aurora.proxy.idleClientTimeoutS,
      auths: args.secretArns.apply((arns) =>
        arns.map((secretArn) => ({
          authScheme: "SECRETS",
          secretArn,
          iamAuth: "DISABLED",
          clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
        })),
      ),
      ...args.network,
    },
    // The role alone is not enough: without its policy the proxy's first secret fetch fails (AUTH_FAILURE).
    { parent, dependsOn: [args.policy] },
  );
}

/** The cluster as the proxy's target, in its default target group (once the instances exist). */
function createProxyTarget(
  name: string,
  proxy: aws.rds.Proxy,
  args: Pick<AuroraProxyArgs, "aurora" | "clusterIdentifier" | "waitFor">,
  parent: pulumi.Resource,
): aws.rds.ProxyTarget {
  const targetGroup = new aws.rds.ProxyDefaultTargetGroup(
    `${name}-targets`,
    {
      dbProxyName: proxy.name,
      connectionPoolConfig: {
        maxConnectionsPercent: args.aurora.proxy.maxConnectionsPercent,
        connectionBorrowTimeout: 120,
      },
    },
    { parent },
  );
  return new aws.rds.ProxyTarget(
    `${name}-cluster`,
    { dbProxyName: proxy.name, targetGroupName: targetGroup.name, dbClusterIdentifier: args.clusterIdentifier },
    { parent, dependsOn: args.waitFor },
  );
}

function createReadOnlyEndpoint(
  name: string,
  proxy: aws.rds.Proxy,
  network: ProxyNetwork,
  parent: pulumi.Resource,
): aws.rds.ProxyEndpoint {
  return new aws.rds.ProxyEndpoint(
    `${name}-ro`,
    {
      dbProxyName: proxy.name,
      dbProxyEndpointName: proxy.name.apply((n) => `${n}-ro`.slice(0, 63)),
      targetRole: "READ_ONLY",
      ...network,
    },
    // Its name is fixed by the proxy's: a replacement must free it first.
    { parent, deleteBeforeReplace: true },
  );
}
