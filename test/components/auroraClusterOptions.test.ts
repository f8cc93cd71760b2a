/**
 * Storage type and engine lifecycle on every member cluster, under mocks, against the facts: Extended Support off by
 * default (AWS's own default enrolls the cluster in paid Extended Support), I/O-Optimized when asked, Standard not
 * sent (RDS does not return it), and neither a replacing argument.
 */
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encodeConfigValue } from "../../components/config/rawConfig";
import { CLUSTER_LEVEL_MONITORING, ENGINE_LIFECYCLE, STORAGE } from "../../components/facts/aws";
import { expectClusterOptions } from "../support/auroraFacts";
import { TYPES, ofType } from "../support/graph";
import { runProgram } from "../support/pulumiMocks";

const prodAurora = (
  parse(readFileSync("stacks/Pulumi.aurora-prod.yaml", "utf8")) as { config: Record<string, Record<string, unknown>> }
).config["pg-read-replicas:aurora"]!;

describe("cluster options on aurora-prod (primary and secondary clusters)", () => {
  it("turn Extended Support off by default and send no storage type", async () => {
    const run = await runProgram("aurora-prod");
    expect(ENGINE_LIFECYCLE.awsDefault.value).toBe("open-source-rds-extended-support");
    const clusters = ofType(run, TYPES.cluster);
    expect(clusters.length).toBe(2);
    for (const cluster of clusters) {
      expect(cluster.inputs.engineLifecycleSupport).toBe("open-source-rds-extended-support-disabled");
      expect(STORAGE.standardNotReturned.value).toBe(true);
      expect(cluster.inputs.storageType).toBeUndefined();
    }
    expectClusterOptions(run);
  });

  it("take I/O-Optimized storage and Extended Support when the stack asks", async () => {
    const run = await runProgram("aurora-prod", {
      "pg-read-replicas:aurora": encodeConfigValue({
        ...prodAurora,
        storageType: "aurora-iopt1",
        engineLifecycleSupport: "open-source-rds-extended-support",
      }),
    });
    for (const cluster of ofType(run, TYPES.cluster)) {
      expect(cluster.inputs.storageType).toBe("aurora-iopt1");
      expect(cluster.inputs.engineLifecycleSupport).toBe("open-source-rds-extended-support");
    }
  });
});

describe("Performance Insights and enhanced monitoring at cluster level on aurora-prod", () => {
  it("reach the secondary region's cluster too, so its readers and autoscaled ones get them", async () => {
    expect(CLUSTER_LEVEL_MONITORING.performanceInsights.value).toBe(true);
    const run = await runProgram("aurora-prod");
    const [role] = ofType(run, "aws:iam/role:Role").filter((r) => r.name.endsWith("-monitoring"));
    expect(role).toBeDefined();
    const clusters = ofType(run, TYPES.cluster);
    expect(clusters).toHaveLength(2);
    for (const cluster of clusters) {
      expect(cluster.inputs.performanceInsightsEnabled, cluster.name).toBe(true);
      expect(cluster.inputs.monitoringInterval, cluster.name).toBe(60);
      expect(cluster.dependencies, cluster.name).toContain(role!.urn);
    }
  });
});
