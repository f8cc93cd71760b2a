/**
 * Aurora's CloudWatch alarms under mocks, checked against the metric facts:
 * every alarm on a metric AWS publishes, under a dimension set it publishes it
 * with; replica lag per reader at verification.maxLag; global lag per secondary
 * in that secondary's region; the SNS topic wired when asked for.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ALARMS, METRIC_FACTS } from "../../components/facts/aws";
import { ALARM, expectAlarmDimensions } from "../support/auroraFacts";
import { TYPES, ofType, providerUrn } from "../support/graph";
import { type ProgramRun, runProgram } from "../support/pulumiMocks";

describe.each(["aurora-dev", "aurora-prod"])("%s alarms", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("alarm only on published metrics, under a published dimension set", () => {
    expect(ofType(run, ALARM).length).toBeGreaterThan(3);
    expectAlarmDimensions(run);
  });

  it("watches every reader's replica lag in the seeds' two tiers (warning 1 s, critical at verification.maxLag), and no writer's", () => {
    const lag = ofType(run, ALARM).filter((a) => a.inputs.metricName === "AuroraReplicaLag");
    const instances = ofType(run, TYPES.instance).filter(
      (i) => !i.name.includes("eu-west") && !i.name.includes("us-west"),
    );
    const readers = instances.filter((i) => !i.name.endsWith("-primary-0"));
    const [warning, critical] = [true, false].map((w) => lag.filter((a) => a.name.endsWith("-warning") === w));
    expect(critical).toHaveLength(readers.length);
    expect(warning).toHaveLength(readers.length);
    for (const alarm of critical!) expect(alarm.inputs.threshold).toBe(5000);
    for (const alarm of warning!) expect(alarm.inputs.threshold).toBe(1000);
  });

  it("treats missing replica lag as no alarm: a promoted reader stops publishing it (no page forever after failover)", () => {
    const lag = ofType(run, ALARM).filter((a) => a.inputs.metricName === "AuroraReplicaLag");
    expect(lag.length).toBeGreaterThan(0);
    for (const alarm of lag) {
      expect(alarm.inputs.treatMissingData).toBe("notBreaching");
      expect(ALARMS.missingData.value.notBreaching).toMatch(/returns to OK/);
    }
    const cpu = ofType(run, ALARM).filter((a) => a.inputs.metricName === "CPUUtilization");
    for (const alarm of cpu) expect(alarm.inputs.treatMissingData).toBe("breaching");
  });
});

describe("aurora-prod's global lag", () => {
  it("is alarmed in each secondary's own region, filtered on SourceRegion, which every set the check reads by region carries", async () => {
    const run = await runProgram("aurora-prod");
    const global = ofType(run, ALARM).filter((a) => /-global-lag(-warning)?$/.test(a.name));
    const secondaries = ofType(run, TYPES.cluster).filter(
      (c) => c.inputs.globalClusterIdentifier && c.inputs.masterUsername === undefined,
    );
    expect(global.length).toBe(2 * secondaries.length);
    expect(global.map((a) => a.inputs.threshold).sort()).toEqual(secondaries.flatMap(() => [1000, 5000]).sort());
    expect(global.length).toBeGreaterThan(0);
    for (const alarm of global) {
      expect(alarm.inputs.metricQueries[0].expression).toBe(
        `SELECT MAX(AuroraGlobalDBReplicationLag) FROM "AWS/RDS" WHERE SourceRegion = 'us-east-1'`,
      );
      // The candidate sets the deploy check falls back to by region all carry SourceRegion.
      const byRegion = METRIC_FACTS.AuroraGlobalDBReplicationLag.discoverDimensions.candidates.filter((set) =>
        (set as readonly string[]).includes("SourceRegion"),
      );
      expect(byRegion.length).toBeGreaterThan(0);
      const homeProvider = providerUrn(
        ofType(run, TYPES.cluster).find(
          (c) => c.inputs.masterUsername !== undefined || c.inputs.manageMasterUserPassword,
        )!,
      );
      expect(providerUrn(alarm)).not.toBe(homeProvider);
    }
  });

  it("notifies an SNS topic when the stack creates one", async () => {
    const run = await runProgram("aurora-dev", {
      "pg-read-replicas:monitoring": JSON.stringify({ createSnsTopic: true }),
    });
    const [topic] = ofType(run, "aws:sns/topic:Topic");
    expect(topic).toBeDefined();
    for (const alarm of ofType(run, ALARM)) expect(alarm.inputs.alarmActions).toHaveLength(1);
    const quiet = await runProgram("aurora-dev", { "pg-read-replicas:monitoring": JSON.stringify({ enabled: false }) });
    expect(ofType(quiet, ALARM)).toHaveLength(0);
  });

  it("notifies, from every region, a topic of that region only (CloudWatch refuses actions elsewhere)", async () => {
    expect(ALARMS.actionsInAlarmRegion.value).toBe(true);
    const run = await runProgram("aurora-prod", {
      "pg-read-replicas:monitoring": JSON.stringify({ createSnsTopic: true }),
    });
    const topics = ofType(run, "aws:sns/topic:Topic");
    expect(topics).toHaveLength(2);
    const topicByProvider = new Map(topics.map((t) => [providerUrn(t), t]));
    expect(topicByProvider.size).toBe(2);
    for (const alarm of ofType(run, ALARM)) {
      const topic = topicByProvider.get(providerUrn(alarm));
      expect(topic, `${alarm.name} has a topic in its own region`).toBeDefined();
      expect(alarm.inputs.alarmActions).toHaveLength(1);
      // The action is that topic's ARN: the alarm depends on it, and on no other region's topic.
      expect(alarm.dependencies).toContain(topic!.urn);
      for (const other of topics.filter((t) => t !== topic)) expect(alarm.dependencies).not.toContain(other.urn);
    }
  });
});
