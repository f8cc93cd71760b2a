/**
 * A fake AWS for the Aurora check, with CloudWatch's rule from the facts: a
 * metric answers only for the exact dimension set it was published with, and
 * ListMetrics returns the sets that carry the dimensions asked for.
 */
import type {
  AuroraApi,
  ClusterDescription,
  Dimension,
  InstanceDescription,
  ProxyTargetDescription,
  RestoreSourceDescription,
} from "../../components/aurora/check/api";
import type { MetricName } from "../../components/facts/aws/metrics";

export interface FakeCluster {
  cluster?: ClusterDescription;
  instances: InstanceDescription[];
}

export interface PublishedMetric {
  region: string;
  metric: MetricName;
  dimensions: Dimension[];
  /** undefined: listed by ListMetrics, but no datapoint in the window. */
  value: number | undefined;
}

export interface FakeAws {
  /** Keyed "region/clusterId". */
  clusters: Record<string, FakeCluster>;
  metrics: PublishedMetric[];
  proxyTargets: ProxyTargetDescription[];
  deleted: string[];
  /** Restore sources, keyed "region/<identifier, resource id or snapshot>". */
  restoreSources?: Record<string, RestoreSourceDescription>;
  /** Sets the value of the metric published for this instance or cluster identifier. */
  setMetric(region: string, metric: MetricName, id: string, value: number | undefined): void;
}

const key = (dimensions: readonly Dimension[]) =>
  dimensions
    .map((d) => `${d.name}=${d.value}`)
    .sort()
    .join(",");

export function fakeAuroraApi(aws: FakeAws): AuroraApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async describeCluster(region, id) {
      calls.push(`describeCluster ${region} ${id}`);
      return aws.clusters[`${region}/${id}`]?.cluster;
    },
    async describeInstances(region, id) {
      return aws.clusters[`${region}/${id}`]?.instances ?? [];
    },
    async describeProxyTargets(region, name) {
      calls.push(`describeProxyTargets ${region} ${name}`);
      return aws.proxyTargets;
    },
    async listMetricDimensions(region, metric, having) {
      calls.push(`listMetrics ${region} ${metric} ${key(having)}`);
      return aws.metrics
        .filter(
          (m) =>
            m.region === region &&
            m.metric === metric &&
            having.every((h) => m.dimensions.some((d) => d.name === h.name && d.value === h.value)),
        )
        .map((m) => m.dimensions);
    },
    async maxMetric(region, metric, dimensions) {
      calls.push(`maxMetric ${region} ${metric} ${key(dimensions)}`);
      return aws.metrics.find(
        (m) => m.region === region && m.metric === metric && key(m.dimensions) === key(dimensions),
      )?.value;
    },
    async describeRestoreSource(region, source) {
      const id = source.kind === "retainedBackups" ? source.resourceId : source.id;
      calls.push(`describeRestoreSource ${region} ${source.kind} ${id}`);
      return aws.restoreSources?.[`${region}/${id}`];
    },
    async deleteInstance(region, id) {
      calls.push(`deleteInstance ${region} ${id}`);
      aws.deleted.push(id);
      for (const entry of Object.values(aws.clusters)) {
        if (entry.cluster) entry.cluster.members = entry.cluster.members.filter((m) => m.id !== id);
      }
    },
  };
}

const inSync = (id: string, group: string): InstanceDescription => ({
  id,
  status: "available",
  parameterGroups: [{ name: group, status: "in-sync" }],
});
const perInstance = (region: string, id: string, value: number): PublishedMetric => ({
  region,
  metric: "AuroraReplicaLag",
  dimensions: [{ name: "DBInstanceIdentifier", value: id }],
  value,
});

/** us-east-1/pg-cluster (writer, two OLTP readers, OLAP) and eu-west-1/pg-eu (one reader), all well. */
export function healthyAws(): FakeAws {
  const aws: FakeAws = {
    clusters: {
      "us-east-1/pg-cluster": {
        cluster: {
          status: "available",
          engineVersion: "16.8",
          members: [
            { id: "pg-primary-0", isWriter: true, parameterGroupStatus: "in-sync" },
            { id: "pg-replica-0", isWriter: false, parameterGroupStatus: "in-sync" },
            { id: "pg-replica-1", isWriter: false, parameterGroupStatus: "in-sync" },
            { id: "pg-olap-0", isWriter: false, parameterGroupStatus: "in-sync" },
          ],
        },
        instances: [
          inSync("pg-primary-0", "pg-params-writer"),
          inSync("pg-replica-0", "pg-params-reader"),
          inSync("pg-replica-1", "pg-params-reader"),
          inSync("pg-olap-0", "pg-params-olap"),
        ],
      },
      "eu-west-1/pg-eu": {
        cluster: { status: "available", engineVersion: "16.8", members: [{ id: "pg-eu-replica-0", isWriter: false }] },
        instances: [inSync("pg-eu-replica-0", "pg-eu-params-reader")],
      },
    },
    metrics: [
      perInstance("us-east-1", "pg-replica-0", 12),
      perInstance("us-east-1", "pg-replica-1", 20),
      perInstance("us-east-1", "pg-olap-0", 35),
      perInstance("eu-west-1", "pg-eu-replica-0", 18),
      {
        region: "eu-west-1",
        metric: "AuroraGlobalDBReplicationLag",
        dimensions: [
          { name: "DBClusterIdentifier", value: "pg-eu" },
          { name: "SourceRegion", value: "us-east-1" },
        ],
        value: 600,
      },
    ],
    proxyTargets: [
      { id: "pg-cluster", type: "TRACKED_CLUSTER" },
      { id: "pg-primary-0", type: "RDS_INSTANCE", role: "READ_WRITE", state: "AVAILABLE" },
      { id: "pg-replica-0", type: "RDS_INSTANCE", role: "READ_ONLY", state: "AVAILABLE" },
    ],
    deleted: [],
    setMetric(region, metric, id, value) {
      const found = aws.metrics.find(
        (m) => m.region === region && m.metric === metric && m.dimensions.some((d) => d.value === id),
      );
      if (!found) throw new Error(`fake AWS: no ${metric} published for ${id} in ${region}`);
      found.value = value;
    },
  };
  return aws;
}
