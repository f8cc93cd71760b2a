/**
 * The application role, end to end: a generated password kept as a Pulumi secret and in a Secrets Manager secret of
 * its own (keys username and password, which RDS Proxy logs in with), and the `aurora-app-role` step, a command that
 * runs this project's CLI after the primary cluster and its writer exist: it creates the role through the RDS Data API
 * as the master user (appRoleRun.ts), and runs again whenever the password, the role, the database or the cluster
 * changes. A running stack upgraded to this version gets the role on its next `pulumi up`.
 */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AuroraTopology } from "../topology/types";
import { APP_PASSWORD_ENV, type AppRoleTarget, appRoleCommand } from "./check/handover";
import type { InRegion } from "./regionProvider";

export interface AppRole {
  user: string;
  /** A Pulumi secret. */
  password: pulumi.Output<string>;
  /** The role's own secret (username, password), for RDS Proxy. */
  secretArn: pulumi.Output<string>;
  step: command.local.Command;
}

export interface AppRoleArgs {
  cli: string;
  topology: AuroraTopology;
  cluster: aws.rds.Cluster;
  /** The primary cluster's writer: the Data API runs statements on the writer only. */
  writer: aws.rds.ClusterInstance;
  /** The master user's secret, which the Data API logs in with. */
  masterSecretArn: pulumi.Input<string>;
}

/** What the step reads, from the Topology and what AWS assigned. */
export function appRoleTarget(
  topology: AuroraTopology,
  created: { clusterId: string; clusterArn: string; masterSecretArn: string },
): AppRoleTarget {
  return {
    region: topology.region,
    clusterId: created.clusterId,
    clusterArn: created.clusterArn,
    secretArn: created.masterSecretArn,
    database: topology.database,
    user: topology.aurora.appUser,
  };
}

function createAppSecret(
  name: string,
  topology: AuroraTopology,
  password: pulumi.Output<string>,
  opts: InRegion,
): pulumi.Output<string> {
  const kmsKeyId = topology.aurora.kmsKeyId;
  const secret = new aws.secretsmanager.Secret(
    `${name}-app-secret`,
    {
      description: "pg-read-replicas: the application role's credentials (RDS Proxy logs in with them)",
      ...(kmsKeyId ? { kmsKeyId } : {}),
    },
    opts,
  );
  const version = new aws.secretsmanager.SecretVersion(
    `${name}-app-secret`,
    {
      secretId: secret.id,
      secretString: pulumi.secret(
        password.apply((p) => JSON.stringify({ username: topology.aurora.appUser, password: p })),
      ),
    },
    opts,
  );
  // The ARN carries the version as a dependency: the proxy never reads an empty secret.
  return pulumi.all([secret.arn, version.id]).apply(([arn]) => arn);
}

export function createAppRole(name: string, args: AppRoleArgs, opts: InRegion): AppRole {
  const { topology, cluster } = args;
  const password = pulumi.secret(
    new random.RandomPassword(`${name}-app-password`, { length: 32, special: false }, { parent: opts.parent }).result,
  );
  const secretArn = createAppSecret(name, topology, password, opts);
  const check = appRoleCommand(args.cli);
  const target = pulumi
    .all([cluster.clusterIdentifier, cluster.arn, args.masterSecretArn])
    .apply(([clusterId, clusterArn, masterSecretArn]) =>
      check.environment(appRoleTarget(topology, { clusterId, clusterArn, masterSecretArn })),
    );
  const step = new command.local.Command(
    `${name}-app-role`,
    {
      create: check.create,
      // Any change here runs the step again: a new password (rotation), role, database or cluster.
      environment: pulumi.all([target, password]).apply(([env, p]) => ({ ...env, [APP_PASSWORD_ENV]: p })),
    },
    { parent: opts.parent, dependsOn: [cluster, args.writer] },
  );
  return { user: topology.aurora.appUser, password, secretArn, step };
}
