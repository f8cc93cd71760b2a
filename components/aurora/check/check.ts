/**
 * The Aurora deploy gate: every instance available and in its cluster with the
 * right role, on the declared major, its parameter groups in sync; reader lag
 * (CloudWatch AuroraReplicaLag) under the bound; each secondary region
 * replicating (AuroraGlobalDBProgressLag or AuroraGlobalDBReplicationLag, under
 * the dimensions ListMetrics finds); RDS Proxy's targets AVAILABLE. Polls until
 * it passes, the timeout expires, or only problems remain that waiting cannot
 * fix; messages name the instance, region or target and the command to fix.
 *
 * The AWS calls sit behind AuroraApi, so the logic runs against a fake in tests.
 */
import { checkCluster } from "./checkCluster";
import { checkSecondaryLag } from "./checkGlobal";
import { checkProxy } from "./checkProxy";
import type { MetricName } from "../../facts/aws/metrics";

export interface AuroraExpectedReader {
  id: string;
  role: "oltp" | "olap";
}

export interface AuroraExpectedCluster {
  region: string;
  clusterId: string;
  primary: boolean;
  /**
   * The writer as declared; after a failover another instance may be writer, which is fine unless it is the OLAP
   * reader.
   */
  declaredWriter?: string;
  readers: AuroraExpectedReader[];
}

export interface AuroraExpectation {
  timeoutMs: number;
  maxLagMs: number;
  /** The major the stack declares (postgresVersion). */
  postgresVersion: number;
  /**
   * held: the stack ignores engine changes until aurora.allowMajorVersionUpgrade; applied: engineVersion changes are
   * applied.
   */
  majorUpgrade: "held" | "applied" | "global";
  proxy?: { region: string; name: string };
  clusters: AuroraExpectedCluster[];
}

export interface ClusterDescription {
  status: string;
  engineVersion: string;
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
}

export interface AuroraCheckReport {
  ok: boolean;
  attempts: number;
  problems: string[];
  /** The problems waiting cannot fix (each is also in problems): the check stops early when only these remain. */
  needsAction: string[];
  instances: Array<{ region: string; id: string; role: "writer" | "oltp" | "olap"; status: string; lagMs?: number }>;
  regions: Array<{ region: string; lagMs?: number; metric?: string }>;
  proxyTargets: Array<{ id: string; role: string; state: string; reason?: string }>;
}

/** Records a problem; `needsAction` marks one that polling will not see resolved. */
export function problem(report: AuroraCheckReport, text: string, needsAction = false): void {
  report.problems.push(text);
  if (needsAction) report.needsAction.push(text);
}

function newReport(): AuroraCheckReport {
  return { ok: false, attempts: 1, problems: [], needsAction: [], instances: [], regions: [], proxyTargets: [] };
}

export async function checkAuroraOnce(exp: AuroraExpectation, api: AuroraApi): Promise<AuroraCheckReport> {
  const report = newReport();
  const primaryRegion = exp.clusters.find((c) => c.primary)?.region;
  for (const cluster of exp.clusters) {
    try {
      await checkCluster(cluster, exp, api, report);
      if (!cluster.primary && primaryRegion !== undefined)
        await checkSecondaryLag(cluster, primaryRegion, exp, api, report);
    } catch (error) {
      problem(
        report,
        `cluster ${cluster.clusterId} in ${cluster.region}: the AWS API failed: ${(error as Error).message}`,
      );
    }
  }
  if (exp.proxy) {
    try {
      await checkProxy(exp.proxy, api, report);
    } catch (error) {
      problem(
        report,
        `RDS Proxy ${exp.proxy.name} in ${exp.proxy.region}: the AWS API failed: ${(error as Error).message}`,
      );
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
    const nothingToWaitFor = report.problems.length > 0 && report.problems.length === report.needsAction.length;
    if (report.ok || nothingToWaitFor || now() - started >= exp.timeoutMs) return report;
    await sleep(options.retryDelayMs ?? 15_000);
  }
}
