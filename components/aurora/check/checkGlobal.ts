/**
 * A secondary region's lag behind the primary. CloudWatch answers only for a
 * dimension set exactly as published, and no stored AWS source settles the set
 * the AuroraGlobalDB* metrics carry (facts/metrics.ts), so the check asks
 * ListMetrics which sets exist for this cluster and reads each. It prefers
 * AuroraGlobalDBProgressLag (AWS's current advice for primary-to-secondary lag)
 * and falls back to AuroraGlobalDBReplicationLag; if neither carries the
 * cluster's identifier, it reads the set keyed by SourceRegion alone, which
 * aggregates every global database replicating from that region into this one.
 */
import type { AuroraApi, Dimension } from "./api";
import type { AuroraExpectation, AuroraExpectedCluster } from "./handover";
import { type AuroraCheckReport, problem } from "./report";
import type { MetricName } from "../../facts/aws/metrics";

const GLOBAL_LAG_METRICS: readonly MetricName[] = ["AuroraGlobalDBProgressLag", "AuroraGlobalDBReplicationLag"];

interface Reading {
  metric: MetricName;
  lagMs?: number;
  aggregated: boolean;
}

async function maxOver(
  api: AuroraApi,
  region: string,
  metric: MetricName,
  sets: Dimension[][],
): Promise<number | undefined> {
  const values = await Promise.all(sets.map((dimensions) => api.maxMetric(region, metric, dimensions)));
  const found = values.filter((v): v is number => v !== undefined);
  return found.length === 0 ? undefined : Math.max(...found);
}

async function read(
  api: AuroraApi,
  cluster: AuroraExpectedCluster,
  primaryRegion: string,
): Promise<Reading | undefined> {
  for (const metric of GLOBAL_LAG_METRICS) {
    const sets = await api.listMetricDimensions(cluster.region, metric, [
      { name: "DBClusterIdentifier", value: cluster.clusterId },
    ]);
    if (sets.length > 0) {
      const lagMs = await maxOver(api, cluster.region, metric, sets);
      return { metric, aggregated: false, ...(lagMs !== undefined ? { lagMs } : {}) };
    }
  }
  for (const metric of GLOBAL_LAG_METRICS) {
    const sets = (
      await api.listMetricDimensions(cluster.region, metric, [{ name: "SourceRegion", value: primaryRegion }])
    ).filter((set) => set.every((d) => d.name === "SourceRegion"));
    if (sets.length > 0) {
      const lagMs = await maxOver(api, cluster.region, metric, sets);
      return { metric, aggregated: true, ...(lagMs !== undefined ? { lagMs } : {}) };
    }
  }
  return undefined;
}

export async function checkSecondaryLag(
  cluster: AuroraExpectedCluster,
  primaryRegion: string,
  exp: AuroraExpectation,
  api: AuroraApi,
  report: AuroraCheckReport,
): Promise<void> {
  const { region, clusterId } = cluster;
  const reading = await read(api, cluster, primaryRegion);
  report.regions.push({
    region,
    ...(reading?.lagMs !== undefined ? { lagMs: reading.lagMs } : {}),
    ...(reading ? { metric: reading.metric } : {}),
  });
  if (!reading) {
    problem(
      report,
      `region ${region}: CloudWatch lists no ${GLOBAL_LAG_METRICS.join(" or ")} for ${clusterId} yet; is it replicating from the Global Database?`,
    );
    return;
  }
  const scope = reading.aggregated
    ? ` (by SourceRegion ${primaryRegion}: every global database from there into ${region})`
    : "";
  if (reading.lagMs === undefined)
    problem(report, `region ${region}: no ${reading.metric} datapoint for ${clusterId} in the last minutes${scope}.`);
  else if (reading.lagMs > exp.maxLagMs)
    problem(
      report,
      `region ${region} lags ${reading.lagMs} ms behind the primary (${reading.metric}${scope}; bound ${exp.maxLagMs} ms).`,
    );
}
