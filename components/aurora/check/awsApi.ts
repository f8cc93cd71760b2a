/** The Aurora check's AWS calls, through the AWS SDK v3 (default credential chain). */
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBClusterAutomatedBackupsCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBProxyTargetsCommand,
  DescribeGlobalClustersCommand,
  GlobalClusterNotFoundFault,
  InvalidDBInstanceStateFault,
  RDSClient,
} from "@aws-sdk/client-rds";
import { type MetricName, RDS_NAMESPACE } from "../../facts/aws/metrics";
import type { EngineVersionApi, ListedEngineVersion } from "../engineVersionCheck";
import type {
  AuroraApi,
  ClusterDescription,
  Dimension,
  InstanceDescription,
  ProxyTargetDescription,
  RestoreSource,
  RestoreSourceDescription,
} from "./api";

/** CloudWatch publishes RDS metrics each minute; five minutes spans a fresh instance's first datapoints. */
const METRIC_WINDOW_MS = 5 * 60_000;

function perRegion<T>(make: (region: string) => T): (region: string) => T {
  const clients = new Map<string, T>();
  return (region) => {
    const existing = clients.get(region);
    if (existing) return existing;
    const client = make(region);
    clients.set(region, client);
    return client;
  };
}

export function awsAuroraApi(): AuroraApi {
  const rdsIn = perRegion((region) => new RDSClient({ region }));
  const cloudwatchIn = perRegion((region) => new CloudWatchClient({ region }));
  return {
    describeCluster: (region, clusterId) => describeCluster(rdsIn(region), clusterId),
    describeInstances: (region, clusterId) => describeInstances(rdsIn(region), clusterId),
    describeProxyTargets: (region, proxyName) => describeProxyTargets(rdsIn(region), proxyName),
    listMetricDimensions: (region, metric, having) => listMetricDimensions(cloudwatchIn(region), metric, having),
    maxMetric: (region, metric, dimensions) => maxMetric(cloudwatchIn(region), metric, dimensions),
    deleteInstance: (region, instanceId) => deleteInstance(rdsIn(region), instanceId),
    describeRestoreSource: (region, source) => describeRestoreSource(rdsIn(region), source),
  };
}

/** DescribeDBEngineVersions, every page; without IncludeAll it lists only what a new cluster can be created with. */
export function awsEngineVersionApi(): EngineVersionApi {
  const rdsIn = perRegion((region) => new RDSClient({ region }));
  return {
    async listEngineVersions(region, engine, family) {
      const listed: ListedEngineVersion[] = [];
      let marker: string | undefined;
      do {
        const page = await rdsIn(region).send(
          new DescribeDBEngineVersionsCommand({ Engine: engine, DBParameterGroupFamily: family, Marker: marker }),
        );
        for (const version of page.DBEngineVersions ?? [])
          if (version.EngineVersion)
            listed.push({ engineVersion: version.EngineVersion, status: version.Status ?? "available" });
        marker = page.Marker;
      } while (marker);
      return listed;
    },
    async globalClusterVersion(region, identifier) {
      try {
        const { GlobalClusters } = await rdsIn(region).send(
          new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: identifier }),
        );
        return GlobalClusters?.[0]?.EngineVersion;
      } catch (error) {
        if (error instanceof GlobalClusterNotFoundFault) return undefined;
        throw error;
      }
    },
  };
}

// RDS

async function describeCluster(rds: RDSClient, clusterId: string): Promise<ClusterDescription | undefined> {
  try {
    const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
    const cluster = DBClusters?.[0];
    if (!cluster) return undefined;
    return {
      status: cluster.Status ?? "unknown",
      engineVersion: cluster.EngineVersion ?? "unknown",
      ...(cluster.MasterUsername ? { masterUsername: cluster.MasterUsername } : {}),
      members: (cluster.DBClusterMembers ?? []).map((m) => ({
        id: m.DBInstanceIdentifier ?? "",
        isWriter: m.IsClusterWriter ?? false,
        ...(m.DBClusterParameterGroupStatus ? { parameterGroupStatus: m.DBClusterParameterGroupStatus } : {}),
      })),
    };
  } catch (error) {
    if (error instanceof DBClusterNotFoundFault) return undefined;
    throw error;
  }
}

interface SourceFields {
  Status?: string | undefined;
  EngineVersion?: string | undefined;
  MasterUsername?: string | undefined;
  StorageEncrypted?: boolean | undefined;
}

function sourceOf(found: SourceFields | undefined, window?: { earliest?: Date; latest?: Date }) {
  if (!found) return undefined;
  const description: RestoreSourceDescription = {
    status: found.Status ?? "unknown",
    engineVersion: found.EngineVersion ?? "unknown",
    storageEncrypted: found.StorageEncrypted ?? false,
    ...(found.MasterUsername ? { masterUsername: found.MasterUsername } : {}),
    ...(window?.earliest ? { earliest: window.earliest.toISOString() } : {}),
    ...(window?.latest ? { latest: window.latest.toISOString() } : {}),
  };
  return description;
}

async function describeRestoreSource(
  rds: RDSClient,
  source: RestoreSource,
): Promise<RestoreSourceDescription | undefined> {
  try {
    switch (source.kind) {
      case "cluster": {
        const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: source.id }));
        const found = DBClusters?.[0];
        return sourceOf(found, {
          ...(found?.EarliestRestorableTime ? { earliest: found.EarliestRestorableTime } : {}),
          ...(found?.LatestRestorableTime ? { latest: found.LatestRestorableTime } : {}),
        });
      }
      case "retainedBackups": {
        const { DBClusterAutomatedBackups } = await rds.send(
          new DescribeDBClusterAutomatedBackupsCommand({ DbClusterResourceId: source.resourceId }),
        );
        const found = DBClusterAutomatedBackups?.[0];
        const window = found?.RestoreWindow;
        return sourceOf(found, {
          ...(window?.EarliestTime ? { earliest: window.EarliestTime } : {}),
          ...(window?.LatestTime ? { latest: window.LatestTime } : {}),
        });
      }
      case "snapshot": {
        const { DBClusterSnapshots } = await rds.send(
          new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: source.id }),
        );
        return sourceOf(DBClusterSnapshots?.[0]);
      }
    }
  } catch (error) {
    // DBClusterNotFoundFault, DBClusterSnapshotNotFoundFault, DBClusterAutomatedBackupNotFoundFault.
    if (error instanceof Error && error.name.endsWith("NotFoundFault")) return undefined;
    throw error;
  }
}

async function describeInstances(rds: RDSClient, clusterId: string): Promise<InstanceDescription[]> {
  const { DBInstances } = await rds.send(
    new DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: [clusterId] }] }),
  );
  return (DBInstances ?? []).map((i) => ({
    id: i.DBInstanceIdentifier ?? "",
    status: i.DBInstanceStatus ?? "unknown",
    parameterGroups: (i.DBParameterGroups ?? []).map((g) => ({
      name: g.DBParameterGroupName ?? "",
      status: g.ParameterApplyStatus ?? "unknown",
    })),
  }));
}

async function describeProxyTargets(rds: RDSClient, proxyName: string): Promise<ProxyTargetDescription[]> {
  const { Targets } = await rds.send(
    new DescribeDBProxyTargetsCommand({ DBProxyName: proxyName, TargetGroupName: "default" }),
  );
  return (Targets ?? []).map((t) => ({
    id: t.RdsResourceId ?? t.TrackedClusterId ?? t.Endpoint ?? "",
    type: t.Type ?? "unknown",
    ...(t.Role ? { role: t.Role } : {}),
    ...(t.TargetHealth?.State ? { state: t.TargetHealth.State } : {}),
    ...(t.TargetHealth?.Reason ? { reason: t.TargetHealth.Reason } : {}),
    ...(t.TargetHealth?.Description ? { description: t.TargetHealth.Description } : {}),
  }));
}

async function deleteInstance(rds: RDSClient, instanceId: string): Promise<void> {
  try {
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId }));
  } catch (error) {
    // Already gone, or already being deleted: what the caller wants.
    if (error instanceof DBInstanceNotFoundFault || error instanceof InvalidDBInstanceStateFault) return;
    throw error;
  }
}

// CloudWatch

async function listMetricDimensions(
  cloudwatch: CloudWatchClient,
  metric: MetricName,
  having: Dimension[],
): Promise<Dimension[][]> {
  const sets: Dimension[][] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new ListMetricsCommand({
        Namespace: RDS_NAMESPACE.value,
        MetricName: metric,
        Dimensions: having.map((d) => ({ Name: d.name, Value: d.value })),
        NextToken: token,
      }),
    );
    for (const m of page.Metrics ?? [])
      sets.push((m.Dimensions ?? []).map((d) => ({ name: d.Name ?? "", value: d.Value ?? "" })));
    token = page.NextToken;
  } while (token);
  return sets;
}

async function maxMetric(
  cloudwatch: CloudWatchClient,
  metric: MetricName,
  dimensions: Dimension[],
): Promise<number | undefined> {
  const end = new Date();
  const { Datapoints } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: RDS_NAMESPACE.value,
      MetricName: metric,
      Dimensions: dimensions.map((d) => ({ Name: d.name, Value: d.value })),
      StartTime: new Date(end.getTime() - METRIC_WINDOW_MS),
      EndTime: end,
      Period: 60,
      Statistics: ["Maximum"],
    }),
  );
  const values = (Datapoints ?? []).map((d) => d.Maximum).filter((v): v is number => typeof v === "number");
  return values.length === 0 ? undefined : Math.max(...values);
}
