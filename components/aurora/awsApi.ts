/** The Aurora check's AWS calls, through the AWS SDK v3 (default credential chain). */
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { DBClusterNotFoundFault, DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import type { AuroraApi, AuroraMetric, ClusterDescription, InstanceDescription } from "./check";

/** CloudWatch publishes RDS metrics each minute; five minutes spans a fresh instance's first datapoints. */
const METRIC_WINDOW_MS = 5 * 60_000;

export function awsAuroraApi(): AuroraApi {
  const rds = new Map<string, RDSClient>();
  const cloudwatch = new Map<string, CloudWatchClient>();
  const rdsIn = (region: string) => rds.get(region) ?? rds.set(region, new RDSClient({ region })).get(region)!;
  const cloudwatchIn = (region: string) => cloudwatch.get(region) ?? cloudwatch.set(region, new CloudWatchClient({ region })).get(region)!;

  return {
    async describeCluster(region, clusterId): Promise<ClusterDescription | undefined> {
      try {
        const { DBClusters } = await rdsIn(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
        const cluster = DBClusters?.[0];
        if (!cluster) return undefined;
        return {
          status: cluster.Status ?? "unknown",
          members: (cluster.DBClusterMembers ?? []).map((m) => ({ id: m.DBInstanceIdentifier ?? "", isWriter: m.IsClusterWriter ?? false })),
        };
      } catch (error) {
        if (error instanceof DBClusterNotFoundFault) return undefined;
        throw error;
      }
    },
    async describeInstances(region, clusterId): Promise<InstanceDescription[]> {
      const { DBInstances } = await rdsIn(region).send(new DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: [clusterId] }] }));
      return (DBInstances ?? []).map((i) => ({ id: i.DBInstanceIdentifier ?? "", status: i.DBInstanceStatus ?? "unknown" }));
    },
    async maxMetric(region, metric: AuroraMetric, dimension) {
      const end = new Date();
      const { Datapoints } = await cloudwatchIn(region).send(
        new GetMetricStatisticsCommand({
          Namespace: "AWS/RDS",
          MetricName: metric,
          Dimensions: [{ Name: dimension.name, Value: dimension.value }],
          StartTime: new Date(end.getTime() - METRIC_WINDOW_MS),
          EndTime: end,
          Period: 60,
          Statistics: ["Maximum"],
        }),
      );
      const values = (Datapoints ?? []).map((d) => d.Maximum).filter((v): v is number => typeof v === "number");
      return values.length === 0 ? undefined : Math.max(...values);
    },
  };
}
