/**
 * The integration topology: two OLTP replicas and the OLAP replica, with WAL limits small enough to reach in a test.
 */
import { localBase, patched } from "./configs";

export function integrationConfig(): Record<string, unknown> {
  return patched(localBase(), {
    name: "it",
    resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" }, olap: { memory: "256Mi" } },
    replication: { walKeepSize: "16MB", maxSlotWalKeepSize: "64MB", maxLagBytes: "16MB" },
    verification: { timeout: "60s", maxLag: "5s" },
    // Alerts fire within their `for` plus two scrapes: short intervals keep the monitoring tests short.
    monitoring: { scrapeInterval: "5s", olapReplayPausedFor: "20s" },
  });
}
