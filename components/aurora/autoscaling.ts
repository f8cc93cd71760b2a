/**
 * Reader autoscaling arguments. Pure.
 *
 * Aurora's predefined metrics average every replica, the OLAP reader included,
 * so an analytic burst would add OLTP readers and an idle OLAP reader would hold
 * them back. With an OLAP reader, the policy tracks the average over the
 * declared OLTP readers instead (metric math over each one's CPUUtilization or
 * DatabaseConnections, published per DBInstanceIdentifier). Readers it adds
 * join the OLTP endpoint and take their share of its load, so that average
 * falls as they come, which target tracking needs.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings } from "../topology/types";
import { type MetricName, RDS_NAMESPACE } from "../facts/aws/metrics";

type Scaling = NonNullable<AuroraSettings["autoscaling"]>;

export function scalingTargetArgs(
  scaling: Scaling,
  clusterIdentifier: pulumi.Input<string>,
): aws.appautoscaling.TargetArgs {
  return {
    serviceNamespace: "rds",
    scalableDimension: "rds:cluster:ReadReplicaCount",
    resourceId: pulumi.interpolate`cluster:${clusterIdentifier}`,
    minCapacity: scaling.minReaders,
    maxCapacity: scaling.maxReaders,
  };
}

export function scalingMetric(scaling: Scaling): MetricName {
  return scaling.metric === "cpu" ? "CPUUtilization" : "DatabaseConnections";
}

type Tracking = aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration;

/** The average of one metric over the given readers, as a metric-math query. */
export function oltpAverage(
  metric: MetricName,
  readerIds: readonly string[],
): NonNullable<Tracking["customizedMetricSpecification"]> {
  const queries = readerIds.map((id, index) => ({
    id: `r${index}`,
    metricStat: {
      metric: {
        namespace: RDS_NAMESPACE.value,
        metricName: metric,
        dimensions: [{ name: "DBInstanceIdentifier", value: id }],
      },
      stat: "Average",
    },
    returnData: false,
  }));
  return {
    metrics: [
      ...queries,
      {
        id: "oltp",
        expression: `AVG([${queries.map((q) => q.id).join(", ")}])`,
        label: `${metric}, average over the OLTP readers`,
        returnData: true,
      },
    ],
  };
}

/**
 * @param oltpReaderIds the declared OLTP readers; with none given (no OLAP reader), every reader
 * is OLTP and Aurora's predefined metric is exact.
 */
export function scalingPolicyArgs(
  scaling: Scaling,
  target: aws.appautoscaling.Target,
  oltpReaderIds?: pulumi.Input<string[]>,
): aws.appautoscaling.PolicyArgs {
  const metric: Pick<Tracking, "customizedMetricSpecification" | "predefinedMetricSpecification"> =
    oltpReaderIds === undefined
      ? {
          predefinedMetricSpecification: {
            predefinedMetricType:
              scaling.metric === "cpu" ? "RDSReaderAverageCPUUtilization" : "RDSReaderAverageDatabaseConnections",
          },
        }
      : {
          customizedMetricSpecification: pulumi
            .output(oltpReaderIds)
            .apply((ids) => oltpAverage(scalingMetric(scaling), ids)) as Tracking["customizedMetricSpecification"],
        };
  return {
    policyType: "TargetTrackingScaling",
    serviceNamespace: target.serviceNamespace,
    scalableDimension: target.scalableDimension,
    resourceId: target.resourceId,
    targetTrackingScalingPolicyConfiguration: {
      ...metric,
      targetValue: scaling.target,
      scaleInCooldown: 300,
      scaleOutCooldown: 300,
    },
  };
}
