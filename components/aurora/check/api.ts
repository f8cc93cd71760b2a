/**
 * The AWS calls the Aurora check makes, as an interface: awsApi.ts answers them
 * through the AWS SDK, tests through a fake that keeps CloudWatch's rules.
 */
import type { MetricName } from "../../facts/aws/metrics";

export interface ClusterDescription {
  status: string;
  engineVersion: string;
  /** The master user's name (a restored cluster keeps its source's). */
  masterUsername?: string;
  members: Array<{ id: string; isWriter: boolean; parameterGroupStatus?: string }>;
}

export interface InstanceDescription {
  id: string;
  status: string;
  parameterGroups: Array<{ name: string; status: string }>;
}

export interface ProxyTargetDescription {
  /** Instance or cluster identifier. */
  id: string;
  type: string;
  role?: string;
  state?: string;
  reason?: string;
  description?: string;
}

/** What a restore starts from, as restore.from or restore.snapshot name it. */
export type RestoreSource =
  { kind: "cluster"; id: string } | { kind: "retainedBackups"; resourceId: string } | { kind: "snapshot"; id: string };

/** What RDS says about a restore's source before the restore (DescribeDBClusters, …AutomatedBackups, …Snapshots). */
export interface RestoreSourceDescription {
  status: string;
  engineVersion: string;
  masterUsername?: string;
  storageEncrypted: boolean;
  /** A point-in-time source: EarliestRestorableTime / LatestRestorableTime (ISO 8601), when RDS has them. */
  earliest?: string;
  latest?: string;
}

export interface Dimension {
  name: string;
  value: string;
}

export interface AuroraApi {
  describeCluster(region: string, clusterId: string): Promise<ClusterDescription | undefined>;
  describeInstances(region: string, clusterId: string): Promise<InstanceDescription[]>;
  describeProxyTargets(region: string, proxyName: string): Promise<ProxyTargetDescription[]>;
  /** The dimension sets CloudWatch has for a metric, among metrics carrying every dimension in `having`. */
  listMetricDimensions(region: string, metric: MetricName, having: Dimension[]): Promise<Dimension[][]>;
  /**
   * The largest datapoint of the last few minutes for exactly these dimensions, in the metric's unit; undefined when
   * none.
   */
  maxMetric(region: string, metric: MetricName, dimensions: Dimension[]): Promise<number | undefined>;
  deleteInstance(region: string, instanceId: string): Promise<void>;
  describeRestoreSource(region: string, source: RestoreSource): Promise<RestoreSourceDescription | undefined>;
}
