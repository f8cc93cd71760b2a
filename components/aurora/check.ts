/**
 * The Aurora deploy gate: every instance available and in its cluster with the
 * right role, reader lag (CloudWatch AuroraReplicaLag) under the bound, and each
 * secondary region replicating (AuroraGlobalDBReplicationLag). Polls until it
 * passes or the timeout expires; messages name the instance or region.
 *
 * The AWS calls sit behind AuroraApi, so the logic runs against a fake in tests.
 */

export interface AuroraExpectedReader {
  id: string;
  role: "oltp" | "olap";
}

export interface AuroraExpectedCluster {
  region: string;
  clusterId: string;
  primary: boolean;
  /** The writer as declared; after a failover another instance may be writer, which is fine unless it is the OLAP reader. */
  declaredWriter?: string;
  readers: AuroraExpectedReader[];
}

export interface AuroraExpectation {
  timeoutMs: number;
  maxLagMs: number;
  clusters: AuroraExpectedCluster[];
}

export interface ClusterDescription {
  status: string;
  members: Array<{ id: string; isWriter: boolean }>;
}

export interface InstanceDescription {
  id: string;
  status: string;
}

export type AuroraMetric = "AuroraReplicaLag" | "AuroraGlobalDBReplicationLag";

export interface AuroraApi {
  describeCluster(region: string, clusterId: string): Promise<ClusterDescription | undefined>;
  describeInstances(region: string, clusterId: string): Promise<InstanceDescription[]>;
  /** The largest datapoint of the last few minutes, in milliseconds; undefined when there is none yet. */
  maxMetric(region: string, metric: AuroraMetric, dimension: { name: "DBInstanceIdentifier" | "DBClusterIdentifier"; value: string }): Promise<number | undefined>;
}

export interface AuroraCheckReport {
  ok: boolean;
  attempts: number;
  problems: string[];
  instances: Array<{ region: string; id: string; role: "writer" | "oltp" | "olap"; status: string; lagMs?: number }>;
  regions: Array<{ region: string; lagMs?: number }>;
}

async function checkCluster(expected: AuroraExpectedCluster, exp: AuroraExpectation, api: AuroraApi, report: AuroraCheckReport): Promise<void> {
  const { region, clusterId } = expected;
  const cluster = await api.describeCluster(region, clusterId);
  if (!cluster) {
    report.problems.push(`cluster ${clusterId} in ${region} does not exist.`);
    return;
  }
  if (cluster.status !== "available") report.problems.push(`cluster ${clusterId} in ${region} is ${cluster.status}, not available.`);
  const statuses = new Map((await api.describeInstances(region, clusterId)).map((i) => [i.id, i.status]));
  const members = new Map(cluster.members.map((m) => [m.id, m]));
  const writers = cluster.members.filter((m) => m.isWriter).map((m) => m.id);

  if (expected.primary) {
    if (writers.length !== 1) report.problems.push(`cluster ${clusterId} in ${region} has ${writers.length} writers (${writers.join(", ") || "none"}); expected exactly one.`);
    const olapWriter = expected.readers.find((r) => r.role === "olap" && writers.includes(r.id));
    if (olapWriter) {
      const fallback = expected.readers.find((r) => r.role === "oltp")?.id ?? expected.declaredWriter;
      report.problems.push(
        `the OLAP reader ${olapWriter.id} in ${region} is the writer after a failover; analytics and writes now share an instance. ` +
          `Fail over back: aws rds failover-db-cluster --db-cluster-identifier ${clusterId} --target-db-instance-identifier ${fallback} --region ${region}`,
      );
    }
    const writer = writers[0];
    if (writer) report.instances.push({ region, id: writer, role: "writer", status: statuses.get(writer) ?? "unknown" });
  } else if (writers.length > 0) {
    report.problems.push(`secondary cluster ${clusterId} in ${region} has a writer (${writers.join(", ")}): it was detached or promoted from the Global Database.`);
  }

  const expectedIds = [...(expected.declaredWriter ? [expected.declaredWriter] : []), ...expected.readers.map((r) => r.id)];
  for (const id of expectedIds) {
    if (!members.has(id)) {
      report.problems.push(`instance ${id} is not a member of cluster ${clusterId} in ${region}.`);
      continue;
    }
    const status = statuses.get(id) ?? "unknown";
    if (status !== "available") report.problems.push(`instance ${id} in ${region} is ${status}, not available.`);
  }

  for (const reader of expected.readers) {
    if (writers.includes(reader.id) || !members.has(reader.id)) continue;
    const lagMs = await api.maxMetric(region, "AuroraReplicaLag", { name: "DBInstanceIdentifier", value: reader.id });
    report.instances.push({ region, id: reader.id, role: reader.role, status: statuses.get(reader.id) ?? "unknown", ...(lagMs !== undefined ? { lagMs } : {}) });
    if (lagMs === undefined) report.problems.push(`reader ${reader.id} in ${region}: no AuroraReplicaLag datapoint in CloudWatch yet.`);
    else if (lagMs > exp.maxLagMs) report.problems.push(`reader ${reader.id} in ${region} lags ${lagMs} ms (bound ${exp.maxLagMs} ms).`);
  }

  if (!expected.primary) {
    const lagMs = await api.maxMetric(region, "AuroraGlobalDBReplicationLag", { name: "DBClusterIdentifier", value: clusterId });
    report.regions.push({ region, ...(lagMs !== undefined ? { lagMs } : {}) });
    if (lagMs === undefined) report.problems.push(`region ${region}: no AuroraGlobalDBReplicationLag datapoint for ${clusterId} yet; is it replicating from the Global Database?`);
    else if (lagMs > exp.maxLagMs) report.problems.push(`region ${region} lags ${lagMs} ms behind the primary (bound ${exp.maxLagMs} ms).`);
  }
}

export async function checkAuroraOnce(exp: AuroraExpectation, api: AuroraApi): Promise<AuroraCheckReport> {
  const report: AuroraCheckReport = { ok: false, attempts: 1, problems: [], instances: [], regions: [] };
  for (const cluster of exp.clusters) {
    try {
      await checkCluster(cluster, exp, api, report);
    } catch (error) {
      report.problems.push(`cluster ${cluster.clusterId} in ${cluster.region}: the AWS API failed: ${(error as Error).message}`);
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

export async function checkAurora(
  exp: AuroraExpectation,
  api: AuroraApi,
  options: { retryDelayMs?: number; now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<AuroraCheckReport> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  for (let attempt = 1; ; attempt++) {
    const report = await checkAuroraOnce(exp, api);
    report.attempts = attempt;
    if (report.ok || now() - started >= exp.timeoutMs) return report;
    await sleep(options.retryDelayMs ?? 15_000);
  }
}
