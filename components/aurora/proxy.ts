/**
 * RDS Proxy, the managed counterpart of PgBouncer: its default endpoint for
 * writes and, in mode readWrite, a READ_ONLY endpoint for reads (writeOnly
 * leaves reads on the cluster's reader endpoint; none creates no proxy). It logs in with a Secrets Manager
 * secret holding `username` and `password`: one the product writes (generated
 * password), or the one RDS manages (aurora.manageMasterUserPassword), read
 * through an IAM role that may read that secret only, and decrypt it only
 * through Secrets Manager in the proxy's region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings, AuroraTopology } from "../topology/types";
import { secretsManagerViaService } from "../facts/aws/provider";
import { type MasterPassword, managedSecretArn } from "./credentials";
import type { AuroraNetwork } from "./network";
import type { Instance } from "./primaryInstances";
import type { InRegion } from "./regionProvider";

/** Where the proxy's credentials come from. */
export type ProxyCredentials =
  | { kind: "generated"; user: string; password: pulumi.Input<string> }
  /** RDS's own secret (keys username and password), rotated by RDS. */
  | { kind: "managed"; secretArn: pulumi.Input<string> };

export interface AuroraProxyArgs {
  aurora: AuroraSettings;
  /** The proxy's region: the only one its role may decrypt through. */
  region: string;
  credentials: ProxyCredentials;
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
export function proxyRolePolicy(secretArn: string, kmsKeyArn: string | undefined, region: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: secretArn },
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
  declare readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: AuroraProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:Proxy", name, {}, opts);
    this.secretArn = proxySecretArn(name, args.credentials, args.aurora.kmsKeyId, this);
    const { role, policy } = createProxyRole(name, this.secretArn, args, this);
    const network = { vpcSubnetIds: [...args.aurora.subnetIds], vpcSecurityGroupIds: [args.securityGroupId] };
    this.proxy = createRdsProxy(name, { role, policy, secretArn: this.secretArn, network, aurora: args.aurora }, this);
    createProxyTarget(name, this.proxy, args, this);
    this.readOnly =
      args.aurora.proxy.mode === "readWrite" ? createReadOnlyEndpoint(name, this.proxy, network, this) : undefined;
    this.registerOutputs({ endpoint: this.proxy.endpoint, readOnlyEndpoint: this.readOnly?.endpoint });
  }
}

export interface ProxyArgs {
  topology: AuroraTopology;
  master: MasterPassword;
  cluster: aws.rds.Cluster;
  network: AuroraNetwork;
  instances: readonly Instance[];
}

/** The stack's proxy, unless aurora.proxy.mode is none: it logs in as the master user, with that password's secret. */
export function createProxy(name: string, args: ProxyArgs, opts: InRegion): AuroraProxy | undefined {
  const { topology, cluster } = args;
  if (topology.aurora.proxy.mode === "none") return undefined;
  return new AuroraProxy(
    `${name}-proxy`,
    {
      aurora: topology.aurora,
      region: topology.region,
      credentials: proxyCredentials(topology.user, args.master, cluster),
      clusterIdentifier: cluster.clusterIdentifier,
      securityGroupId: args.network.securityGroup.id,
      waitFor: args.instances.map((i) => i.resource),
    },
    opts,
  );
}

function proxyCredentials(user: string, master: MasterPassword, cluster: aws.rds.Cluster): ProxyCredentials {
  switch (master.kind) {
    case "generated":
      return { kind: "generated", user, password: master.password };
    case "managed":
      return { kind: "managed", secretArn: managedSecretArn(cluster) };
  }
}

type ProxyNetwork = Pick<aws.rds.ProxyArgs, "vpcSubnetIds" | "vpcSecurityGroupIds">;

/** The secret the proxy logs in with: RDS's own, or one the product writes. */
function proxySecretArn(
  name: string,
  credentials: ProxyCredentials,
  kmsKeyId: string | undefined,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  switch (credentials.kind) {
    case "managed":
      return pulumi.output(credentials.secretArn);
    case "generated":
      return createProxySecret(name, credentials, kmsKeyId, parent);
  }
}

/** A secret of the product's own, encrypted with the stack's key when it has one. */
function createProxySecret(
  name: string,
  credentials: Extract<ProxyCredentials, { kind: "generated" }>,
  kmsKeyId: string | undefined,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const secret = new aws.secretsmanager.Secret(
    `${name}-auth`,
    {
      description: "pg-read-replicas: application credentials RDS Proxy logs in with",
      ...(kmsKeyId ? { kmsKeyId } : {}),
    },
    { parent },
  );
  new aws.secretsmanager.SecretVersion(
    `${name}-auth`,
    {
      secretId: secret.id,
      secretString: pulumi.secret(
        pulumi
          .output(credentials.password)
          .apply((password) => JSON.stringify({ username: credentials.user, password })),
      ),
    },
    { parent },
  );
  return secret.arn;
}

/** The role RDS Proxy assumes: it may read its secret, and decrypt it through Secrets Manager in its region only. */
function createProxyRole(
  name: string,
  secretArn: pulumi.Output<string>,
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
    { role: role.id, policy: secretArn.apply((arn) => proxyRolePolicy(arn, args.aurora.kmsKeyId, args.region)) },
    { parent },
  );
  return { role, policy };
}

function createRdsProxy(
  name: string,
  args: {
    role: aws.iam.Role;
    policy: aws.iam.RolePolicy;
    secretArn: pulumi.Output<string>;
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
      auths: [
        {
          authScheme: "SECRETS",
          secretArn: args.secretArn,
          iamAuth: "DISABLED",
          clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
        },
      ],
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
