/**
 * Aurora rules across regions and alarms, each against its AWS fact: alarm topics of the alarm's own region
 * (CloudWatch refuses others), memory-optimized classes for a Global Database, open crossRegion CIDRs named, and
 * the OLTP-average scaling metric within CloudWatch's 10 metrics per alarm.
 */
import { describe, expect, it } from "vitest";
import { ALARMS, GLOBAL_DATABASE, snsTopicRegion } from "../../components/facts/aws";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { auroraSecondary, refusalMessage, withAurora } from "../support/configs";

const EU_TOPIC = "arn:aws:sns:eu-west-1:111122223333:pg-alarms";
const US_TOPIC = "arn:aws:sns:us-east-1:111122223333:pg-alarms";
const R6G = { writer: "db.r6g.large", olap: "db.r6g.xlarge" };

describe("the facts these rules read", () => {
  it("say alarm actions stay in the alarm's region, 10 metrics per alarm, memory-optimized global classes", () => {
    expect(ALARMS.actionsInAlarmRegion.value).toBe(true);
    expect(ALARMS.maxMetricStatsPerAlarm.value).toBe(10);
    expect(snsTopicRegion(EU_TOPIC)).toBe("eu-west-1");
    for (const ok of ["db.r6g.large", "db.r5.xlarge", "db.x2g.large", "db.r8g.large"])
      expect(GLOBAL_DATABASE.memoryOptimizedClass.value.test(ok), ok).toBe(true);
    for (const no of ["db.t4g.medium", "db.t3.medium", "db.m6g.large"])
      expect(GLOBAL_DATABASE.memoryOptimizedClass.value.test(no), no).toBe(false);
  });
});

describe("alarm topics per region", () => {
  it("refuses a primary topic of another region", () => {
    const message = refusalMessage(withAurora({}, { monitoring: { snsTopicArn: EU_TOPIC } }));
    expect(message).toContain(`monitoring.snsTopicArn = "${EU_TOPIC}"`);
    expect(message).toContain("is a topic in eu-west-1, but the alarms it would serve are in us-east-1");
    expect(message).toContain("Fix:");
  });

  it("refuses a secondary's topic of another region", () => {
    const crossRegion = [{ ...auroraSecondary, snsTopicArn: US_TOPIC }];
    const message = refusalMessage(withAurora({ instanceClass: R6G }, { crossRegion }));
    expect(message).toContain("crossRegion[0].snsTopicArn");
    expect(message).toContain("is a topic in us-east-1, but the alarms it would serve are in eu-west-1");
  });

  it("accepts a topic per region, and warns when a secondary has none while the primary names one", () => {
    const ok = topologyFromConfig(
      withAurora(
        { instanceClass: R6G },
        { monitoring: { snsTopicArn: US_TOPIC }, crossRegion: [{ ...auroraSecondary, snsTopicArn: EU_TOPIC }] },
      ),
    );
    expect(ok.topology.backend === "aurora" && ok.topology.aurora.secondaries[0]!.snsTopicArn).toBe(EU_TOPIC);
    expect(ok.warnings.join("\n")).not.toContain("notifies nobody");
    const { warnings } = topologyFromConfig(
      withAurora({ instanceClass: R6G }, { monitoring: { snsTopicArn: US_TOPIC }, crossRegion: [auroraSecondary] }),
    );
    expect(warnings.join("\n")).toMatch(/crossRegion\[0\] \(eu-west-1\): its global-lag alarm notifies nobody/);
  });
});

describe("a Global Database's instance classes", () => {
  it("refuses a burstable class once crossRegion makes the stack global", () => {
    const message = refusalMessage(
      withAurora(
        { instanceClass: { writer: "db.t4g.medium", olap: "db.r6g.large" } },
        { crossRegion: [auroraSecondary] },
      ),
    );
    expect(message).toContain('aurora.instanceClass.writer = "db.t4g.medium"');
    expect(message).toContain("requires memory-optimized classes");
  });

  it("refuses a general-purpose class for a secondary region", () => {
    const crossRegion = [{ ...auroraSecondary, instanceClass: "db.m6g.large" }];
    const message = refusalMessage(withAurora({ instanceClass: R6G }, { crossRegion }));
    expect(message).toContain('crossRegion[0].instanceClass = "db.m6g.large"');
  });

  it("leaves a single-region stack's burstable class to the Data API's rule (auroraDataApiRules.test.ts)", () => {
    const message = refusalMessage(withAurora({ instanceClass: { writer: "db.t4g.medium", olap: "db.r6g.large" } }));
    expect(message).not.toContain("memory-optimized");
    expect(message).toContain("the RDS Data API does not run on");
  });
});

describe("open CIDRs and the scaling metric", () => {
  it("warns about 0.0.0.0/0 in a region's allowedCidrs (allowOpenCidrs), naming the region", () => {
    const crossRegion = [{ ...auroraSecondary, allowedCidrs: ["0.0.0.0/0"] }];
    const { warnings } = topologyFromConfig(withAurora({ instanceClass: R6G }, { crossRegion, allowOpenCidrs: true }));
    expect(warnings.join("\n")).toMatch(/crossRegion\[0\]\.allowedCidrs \(eu-west-1\) contains 0\.0\.0\.0\/0/);
  });

  it("refuses more OLTP readers than one alarm's metrics when autoscaling averages them (OLAP on)", () => {
    const message = refusalMessage(
      withAurora({ instanceClass: R6G, autoscaling: { minReaders: 12, maxReaders: 14 } }, { replicas: "11" }),
    );
    expect(message).toContain("replicas.count = 11");
    expect(message).toContain("a CloudWatch alarm reads at most 10 metrics");
    const { topology } = topologyFromConfig(
      withAurora({ instanceClass: R6G, autoscaling: { minReaders: 11, maxReaders: 14 } }, { replicas: "10" }),
    );
    expect(topology.backend).toBe("aurora");
  });
});
