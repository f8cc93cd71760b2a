/**
 * Database Insights by its current name: aurora.databaseInsights sets the cluster's mode (instances inherit it);
 * advanced carries what AWS requires of it (Performance Insights on, 465 days), on the cluster and on the instances.
 */
import { describe, expect, it } from "vitest";
import { clusterOptionArgs } from "../../components/aurora/cluster";
import { instanceArgs } from "../../components/aurora/instances";
import { DATABASE_INSIGHTS } from "../../components/facts/aws";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import type { AuroraTopology } from "../../components/topology/types";
import { refusalMessage, withAurora } from "../support/configs";

const auroraOf = (changes: Record<string, unknown>) =>
  (topologyFromConfig(withAurora(changes)).topology as AuroraTopology).aurora;

describe("aurora.databaseInsights", () => {
  it("is not sent unless set", () => {
    expect(clusterOptionArgs(auroraOf({})).databaseInsightsMode).toBeUndefined();
  });

  it("standard sets the mode only", () => {
    const args = clusterOptionArgs(auroraOf({ databaseInsights: "standard" }));
    expect(args).toMatchObject({ databaseInsightsMode: "standard" });
    expect(args.performanceInsightsRetentionPeriod).toBeUndefined();
  });

  it("advanced turns Performance Insights on with the retention AWS requires, on the cluster and instances", () => {
    const aurora = auroraOf({ databaseInsights: "advanced", performanceInsights: false });
    expect(clusterOptionArgs(aurora)).toMatchObject({
      databaseInsightsMode: "advanced",
      performanceInsightsEnabled: true,
      performanceInsightsRetentionPeriod: DATABASE_INSIGHTS.advancedRetentionDays.value,
    });
    expect(DATABASE_INSIGHTS.advancedRetentionDays.value).toBe(465);
    const topology = topologyFromConfig(withAurora({ databaseInsights: "advanced" })).topology as AuroraTopology;
    const ctx = { clusterId: "c", parameterGroupName: "p", subnetGroupName: "s" };
    expect(instanceArgs(topology, topology.primary, ctx).performanceInsightsEnabled).toBe(true);
  });

  it("refuses a mode AWS does not take", () => {
    expect(refusalMessage(withAurora({ databaseInsights: "premium" }))).toContain("aurora.databaseInsights");
  });
});
