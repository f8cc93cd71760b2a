/** Reader autoscaling arguments. Pure. */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings } from "../topology/types";

type Scaling = NonNullable<AuroraSettings["autoscaling"]>;

export function scalingTargetArgs(scaling: Scaling, clusterIdentifier: pulumi.Input<string>): aws.appautoscaling.TargetArgs {
  return {
    serviceNamespace: "rds",
    scalableDimension: "rds:cluster:ReadReplicaCount",
    resourceId: pulumi.interpolate`cluster:${clusterIdentifier}`,
    minCapacity: scaling.minReaders,
    maxCapacity: scaling.maxReaders,
  };
}

export function scalingPolicyArgs(scaling: Scaling, target: aws.appautoscaling.Target): aws.appautoscaling.PolicyArgs {
  return {
    policyType: "TargetTrackingScaling",
    serviceNamespace: target.serviceNamespace,
    scalableDimension: target.scalableDimension,
    resourceId: target.resourceId,
    targetTrackingScalingPolicyConfiguration: {
      predefinedMetricSpecification: {
        predefinedMetricType: scaling.metric === "cpu" ? "RDSReaderAverageCPUUtilization" : "RDSReaderAverageDatabaseConnections",
      },
      targetValue: scaling.target,
      scaleInCooldown: 300,
      scaleOutCooldown: 300,
    },
  };
}
