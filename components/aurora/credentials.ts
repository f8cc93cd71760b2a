/**
 * The master credentials: a password the product generates and keeps as a
 * Pulumi secret, or (aurora.manageMasterUserPassword) one RDS keeps in Secrets
 * Manager and rotates. Then RDS Proxy logs in with RDS's secret, and the stack's
 * password output is the secret's value when `pulumi up` last ran: read the
 * secret for the current one after a rotation.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AuroraSettings } from "../topology/types";

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

/** The password the stack outputs: the generated one, or the managed secret's as it is now. */
export function masterPasswordOutput(
  name: string,
  aurora: AuroraSettings,
  master: MasterPassword,
  cluster: aws.rds.Cluster,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  switch (master.kind) {
    case "generated":
      return master.password;
    case "managed":
      return managedPassword(name, aurora, cluster, opts);
  }
}

function passwordIn(secretString: string | undefined): string {
  try {
    const value = JSON.parse(secretString ?? "") as { password?: unknown };
    return typeof value.password === "string" ? value.password : "";
  } catch {
    return "";
  }
}

/** The managed secret's password as it is now, and its rotation schedule when the stack sets one. */
function managedPassword(
  name: string,
  aurora: AuroraSettings,
  cluster: aws.rds.Cluster,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  const secretArn = managedSecretArn(cluster);
  if (aurora.masterPasswordRotationDays !== undefined) {
    new aws.secretsmanager.SecretRotation(
      `${name}-master-rotation`,
      { secretId: secretArn, rotationRules: { automaticallyAfterDays: aurora.masterPasswordRotationDays } },
      opts,
    );
  }
  const version = aws.secretsmanager.getSecretVersionOutput(
    { secretId: secretArn },
    { parent: opts.parent, provider: opts.provider },
  );
  return pulumi.secret(version.secretString.apply(passwordIn));
}
