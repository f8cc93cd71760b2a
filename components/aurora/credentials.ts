/**
 * The master credentials: a password the product generates and keeps as a Pulumi secret (and in a Secrets Manager
 * secret of its own), or (aurora.manageMasterUserPassword) one RDS keeps in Secrets Manager and rotates. The master is
 * for administration: the application logs in as its own role (appRoleStep.ts), and no output holds the master's
 * password, only where its secret is.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AuroraSettings, AuroraTopology } from "../topology/types";
import type { InRegion } from "./regionProvider";

/** Who keeps the master password. */
export type MasterPassword = { kind: "generated"; password: pulumi.Output<string> } | { kind: "managed" };

export function createMasterPassword(
  name: string,
  aurora: AuroraSettings,
  opts: pulumi.CustomResourceOptions,
): MasterPassword {
  if (aurora.manageMasterUserPassword) return { kind: "managed" };
  return { kind: "generated", password: generatedPassword(name, opts) };
}

function generatedPassword(name: string, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
  return pulumi.secret(
    new random.RandomPassword(`${name}-master-password`, { length: 32, special: false }, opts).result,
  );
}

/** The ARN of the secret RDS created for the cluster's master user. */
export function managedSecretArn(cluster: aws.rds.Cluster): pulumi.Output<string> {
  return cluster.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn ?? "");
}

/** The RDS Proxy component's type and its name suffix, as proxy.ts registers them (the older home of the secret). */
const PROXY_COMPONENT = { type: "pg-read-replicas:aurora:Proxy", suffix: "-proxy" } as const;

/**
 * The master user's secret (keys username and password), which the Data API (the application role's step) and RDS
 * Proxy log in with: RDS's own with aurora.manageMasterUserPassword, else one the product writes, encrypted with the
 * stack's key when it has one. That one used to be the proxy's (`<name>-proxy-auth` in the proxy component): the
 * aliases keep a running stack's secret instead of replacing it.
 */
export function masterSecretArn(
  name: string,
  args: { topology: AuroraTopology; master: MasterPassword; cluster: aws.rds.Cluster },
  opts: InRegion,
): pulumi.Output<string> {
  const { topology, master, cluster } = args;
  if (master.kind === "managed") {
    createMasterRotation(name, topology.aurora, cluster, opts);
    return managedSecretArn(cluster);
  }
  const formerName = `${name}${PROXY_COMPONENT.suffix}-auth`;
  const aliases = [
    {
      name: formerName,
      parent: pulumi.createUrn(`${name}${PROXY_COMPONENT.suffix}`, PROXY_COMPONENT.type, opts.parent),
    },
  ];
  const kmsKeyId = topology.aurora.kmsKeyId;
  const secret = new aws.secretsmanager.Secret(
    `${name}-master-secret`,
    {
      description: "pg-read-replicas: the master user's credentials (administration; RDS Proxy, the Data API)",
      ...(kmsKeyId ? { kmsKeyId } : {}),
    },
    { ...opts, aliases },
  );
  new aws.secretsmanager.SecretVersion(
    `${name}-master-secret`,
    {
      secretId: secret.id,
      secretString: pulumi.secret(
        master.password.apply((password) => JSON.stringify({ username: topology.user, password })),
      ),
    },
    { ...opts, aliases },
  );
  return secret.arn;
}

/** RDS rotates the managed secret every 7 days; aurora.masterPasswordRotationDays sets another schedule. */
function createMasterRotation(name: string, aurora: AuroraSettings, cluster: aws.rds.Cluster, opts: InRegion): void {
  if (aurora.masterPasswordRotationDays === undefined) return;
  new aws.secretsmanager.SecretRotation(
    `${name}-master-rotation`,
    {
      secretId: managedSecretArn(cluster),
      rotationRules: { automaticallyAfterDays: aurora.masterPasswordRotationDays },
    },
    opts,
  );
}
