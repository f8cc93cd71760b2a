/**
 * Aurora's CloudWatch alarms under mocks, checked against the metric facts:
 * every alarm on a metric AWS publishes, under a dimension set it publishes it
 * with; replica lag per reader at verification.maxLag; global lag per secondary
 * in that secondary's region; the SNS topic wired when asked for.
 */
import { beforeAll, describe, expect, it } from "vitest";
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
});

describe("aurora-prod's global lag", () => {
  it("is alarmed in each secondary's own region, through a query that names no dimension set", async () => {
    const run = await runProgram("aurora-prod");
    const global = ofType(run, ALARM).filter((a) => /-global-lag(-warning)?$/.test(a.name));
    const secondaries = ofType(run, TYPES.cluster).filter(
      (c) => c.inputs.globalClusterIdentifier && c.inputs.masterUsername === undefined,
    );
    expect(global.length).toBe(2 * secondaries.length);
    expect(global.map((a) => a.inputs.threshold).sort()).toEqual(secondaries.flatMap(() => [1000, 5000]).sort());
    expect(global.length).toBeGreaterThan(0);
    for (const alarm of global) {
      expect(alarm.inputs.metricQueries[0].expression).toMatch(
        /^SELECT MAX\(AuroraGlobalDBReplicationLag\) FROM "AWS\/RDS" WHERE DBClusterIdentifier = '.+'$/,
      );
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
});
