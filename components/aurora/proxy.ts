/**
 * RDS Proxy, the managed counterpart of PgBouncer: its default endpoint for
 * writes and a READ_ONLY endpoint for reads. It authenticates with a Secrets
 * Manager secret holding the application credentials, read through an IAM role
 * that may read that secret only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings } from "../topology/types";

export interface AuroraProxyArgs {
  aurora: AuroraSettings;
  user: string;
  password: pulumi.Input<string>;
  clusterIdentifier: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  /** The instances must exist before the proxy can register the cluster as its target. */
  waitFor: pulumi.Resource[];
}

export class AuroraProxy extends pulumi.ComponentResource {
  declare readonly proxy: aws.rds.Proxy;
  declare readonly readOnly: aws.rds.ProxyEndpoint;
  declare readonly secret: aws.secretsmanager.Secret;

  constructor(name: string, args: AuroraProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:Proxy", name, {}, opts);
    const { aurora } = args;
    const child = { parent: this };
    this.secret = new aws.secretsmanager.Secret(
      `${name}-auth`,
      { description: "pg-read-replicas: application credentials RDS Proxy logs in with", ...(aurora.kmsKeyId ? { kmsKeyId: aurora.kmsKeyId } : {}) },
      child,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-auth`,
      { secretId: this.secret.id, secretString: pulumi.secret(pulumi.output(args.password).apply((password) => JSON.stringify({ username: args.user, password }))) },
      child,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "pg-read-replicas: lets RDS Proxy read its credentials",
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "rds.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-read-secret`,
      {
        role: role.id,
        policy: this.secret.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: arn },
              ...(aurora.kmsKeyId ? [{ Effect: "Allow", Action: ["kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "kms:ViaService": "secretsmanager.*.amazonaws.com" } } }] : []),
            ],
          }),
        ),
      },
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
        auths: [{ authScheme: "SECRETS", secretArn: this.secret.arn, iamAuth: "DISABLED", clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256" }],
        ...network,
      },
      child,
    );
    const targetGroup = new aws.rds.ProxyDefaultTargetGroup(
      `${name}-targets`,
      { dbProxyName: this.proxy.name, connectionPoolConfig: { maxConnectionsPercent: aurora.proxy.maxConnectionsPercent, connectionBorrowTimeout: 120 } },
      child,
    );
    new aws.rds.ProxyTarget(
      `${name}-cluster`,
      { dbProxyName: this.proxy.name, targetGroupName: targetGroup.name, dbClusterIdentifier: args.clusterIdentifier },
      { parent: this, dependsOn: args.waitFor },
    );
    this.readOnly = new aws.rds.ProxyEndpoint(
      `${name}-ro`,
      { dbProxyName: this.proxy.name, dbProxyEndpointName: this.proxy.name.apply((n) => `${n}-ro`.slice(0, 63)), targetRole: "READ_ONLY", ...network },
      child,
    );
    this.registerOutputs({ endpoint: this.proxy.endpoint, readOnlyEndpoint: this.readOnly.endpoint });
  }
}
