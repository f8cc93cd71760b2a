/**
 * RDS Proxy, the managed counterpart of PgBouncer: its default endpoint for
 * writes and a READ_ONLY endpoint for reads. It logs in with a Secrets Manager
 * secret holding `username` and `password`: one the product writes (generated
 * password), or the one RDS manages (aurora.manageMasterUserPassword), read
 * through an IAM role that may read that secret only, and decrypt it only
 * through Secrets Manager in the proxy's region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings } from "../topology/types";
import { secretsManagerViaService } from "../facts/aws/provider";

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
  declare readonly readOnly: aws.rds.ProxyEndpoint;
  declare readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: AuroraProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:Proxy", name, {}, opts);
    const { aurora } = args;
    const child = { parent: this };
    this.secretArn =
      args.credentials.kind === "managed"
        ? pulumi.output(args.credentials.secretArn)
        : this.ownSecret(name, args.credentials, aurora.kmsKeyId);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "pg-read-replicas: lets RDS Proxy read its credentials",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "rds.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-read-secret`,
      { role: role.id, policy: this.secretArn.apply((arn) => proxyRolePolicy(arn, aurora.kmsKeyId, args.region)) },
      child,
    );
    const network = { vpcSubnetIds: [...aurora.subnetIds], vpcSecurityGroupIds: [args.securityGroupId] };
    this.proxy = new aws.rds.Proxy(
      `${name}`,
      {
        engineFamily: "POSTGRESQL",
        roleArn: role.arn,
        requireTls: aurora.proxy.requireTls,
        idleClientTimeout: aurora.proxy.idleClientTimeoutS,
        auths: [
          {
            authScheme: "SECRETS",
            secretArn: this.secretArn,
            iamAuth: "DISABLED",
            clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
          },
        ],
        ...network,
      },
      child,
    );
    const targetGroup = new aws.rds.ProxyDefaultTargetGroup(
      `${name}-targets`,
      {
        dbProxyName: this.proxy.name,
        connectionPoolConfig: {
          maxConnectionsPercent: aurora.proxy.maxConnectionsPercent,
          connectionBorrowTimeout: 120,
        },
      },
      child,
    );
    new aws.rds.ProxyTarget(
      `${name}-cluster`,
      { dbProxyName: this.proxy.name, targetGroupName: targetGroup.name, dbClusterIdentifier: args.clusterIdentifier },
      { parent: this, dependsOn: args.waitFor },
    );
    this.readOnly = new aws.rds.ProxyEndpoint(
      `${name}-ro`,
      {
        dbProxyName: this.proxy.name,
        dbProxyEndpointName: this.proxy.name.apply((n) => `${n}-ro`.slice(0, 63)),
        targetRole: "READ_ONLY",
        ...network,
      },
      // Its name is fixed by the proxy's: a replacement must free it first.
      { parent: this, deleteBeforeReplace: true },
    );
    this.registerOutputs({ endpoint: this.proxy.endpoint, readOnlyEndpoint: this.readOnly.endpoint });
  }

  /** A secret of the product's own, encrypted with the stack's key when it has one. */
  private ownSecret(
    name: string,
    credentials: Extract<ProxyCredentials, { kind: "generated" }>,
    kmsKeyId: string | undefined,
  ): pulumi.Output<string> {
    const child = { parent: this };
    const secret = new aws.secretsmanager.Secret(
      `${name}-auth`,
      {
        description: "pg-read-replicas: application credentials RDS Proxy logs in with",
        ...(kmsKeyId ? { kmsKeyId } : {}),
      },
      child,
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
      child,
    );
    return secret.arn;
  }
}
