/** The IAM role RDS enhanced monitoring publishes through, when the stack sets aurora.monitoringInterval. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings } from "../topology/types";

/** IAM is global, but the role still goes through the stack's provider: its credentials, and the labels as tags. */
export function createMonitoringRole(
  name: string,
  aurora: AuroraSettings,
  opts: pulumi.CustomResourceOptions,
): aws.iam.Role | undefined {
  if (aurora.monitoringInterval <= 0) return undefined;
  const role = new aws.iam.Role(
    `${name}-monitoring`,
    {
      description: "pg-read-replicas: RDS enhanced monitoring",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    },
    opts,
  );
  new aws.iam.RolePolicyAttachment(
    `${name}-monitoring`,
    { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" },
    opts,
  );
  return role;
}
