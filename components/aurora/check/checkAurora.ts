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
import type { AuroraApi } from "./api";
import type { AuroraExpectation } from "./handover";
import { type AuroraCheckReport, newReport, problem } from "./report";

/** One round; `elapsedMs` since the check began bounds how long an AUTH_FAILURE counts as IAM still propagating. */
export async function checkAuroraOnce(
  exp: AuroraExpectation,
  api: AuroraApi,
  elapsedMs = 0,
): Promise<AuroraCheckReport> {
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
      await checkProxy(exp.proxy, api, report, elapsedMs);
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
    const report = await checkAuroraOnce(exp, api, now() - started);
    report.attempts = attempt;
    const nothingToWaitFor = report.problems.length > 0 && report.problems.length === report.needsAction.length;
    if (report.ok || nothingToWaitFor || now() - started >= exp.timeoutMs) return report;
    await sleep(options.retryDelayMs ?? 15_000);
  }
}
