/**
 * The log group Aurora PostgreSQL exports its log to. RDS creates it on first
 * export with "Never expire"; created first, under the name RDS will use, it
 * keeps the stack's retention instead.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { postgresLogGroupName } from "../facts/aws/limits";

export function createLogGroup(
  name: string,
  clusterId: pulumi.Input<string>,
  retentionInDays: number,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    `${name}-postgresql-log`,
    { name: pulumi.output(clusterId).apply(postgresLogGroupName), retentionInDays },
    opts,
  );
}
