/** The Aurora deploy gate against a fake AWS API: the passing case and each way it fails. */
import { describe, expect, it } from "vitest";
import { checkAurora, checkAuroraOnce } from "../../components/aurora/check/checkAurora";
import type { AuroraExpectation } from "../../components/aurora/check/handover";
import { type FakeAws, fakeAuroraApi, healthyAws } from "../support/fakeAurora";
import { IAM_PROPAGATION_WINDOW_MS } from "../../components/facts/aws";

const expectation: AuroraExpectation = {
  timeoutMs: 0,
  maxLagMs: 5000,
  postgresVersion: 16,
  majorUpgrade: "global",
  proxy: { region: "us-east-1", name: "pg-proxy" },
  clusters: [
    {
      region: "us-east-1",
      clusterId: "pg-cluster",
      primary: true,
      declaredWriter: "pg-primary-0",
      readers: [
        { id: "pg-replica-0", role: "oltp" },
        { id: "pg-replica-1", role: "oltp" },
        { id: "pg-olap-0", role: "olap" },
      ],
    },
    { region: "eu-west-1", clusterId: "pg-eu", primary: false, readers: [{ id: "pg-eu-replica-0", role: "oltp" }] },
  ],
};

const primary = (aws: FakeAws) => aws.clusters["us-east-1/pg-cluster"]!;
const instance = (aws: FakeAws, id: string) => primary(aws).instances.find((i) => i.id === id)!;

describe("the Aurora check", () => {
  it("passes when every instance is available in its role, in sync, lag is under the bound and the proxy's targets are available", async () => {
    const api = fakeAuroraApi(healthyAws());
    const report = await checkAuroraOnce(expectation, api);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.instances.find((i) => i.role === "writer")?.id).toBe("pg-primary-0");
    expect(report.instances.find((i) => i.id === "pg-olap-0")).toMatchObject({ role: "olap", lagMs: 35 });
    expect(report.regions).toEqual([{ region: "eu-west-1", lagMs: 600, metric: "AuroraGlobalDBReplicationLag" }]);
    expect(report.proxyTargets.map((t) => t.state)).toEqual(["AVAILABLE", "AVAILABLE"]);
  });

  it("reads the secondary's lag under the dimension set CloudWatch publishes, found with ListMetrics", async () => {
    // The fake answers GetMetricStatistics only for an exact published set ({DBClusterIdentifier, SourceRegion} here),
    // as CloudWatch does: the former query by DBClusterIdentifier alone would see no datapoint.
    const api = fakeAuroraApi(healthyAws());
    expect(
      await api.maxMetric("eu-west-1", "AuroraGlobalDBReplicationLag", [
        { name: "DBClusterIdentifier", value: "pg-eu" },
      ]),
    ).toBeUndefined();
    await checkAuroraOnce(expectation, api);
    expect(api.calls).toContain(
      "maxMetric eu-west-1 AuroraGlobalDBReplicationLag DBClusterIdentifier=pg-eu,SourceRegion=us-east-1",
    );
  });

  it("prefers AuroraGlobalDBProgressLag where it is published", async () => {
    const aws = healthyAws();
    aws.metrics.push({
      region: "eu-west-1",
      metric: "AuroraGlobalDBProgressLag",
      dimensions: [
        { name: "DBClusterIdentifier", value: "pg-eu" },
        { name: "SourceRegion", value: "us-east-1" },
      ],
      value: 900,
    });
    const report = await checkAuroraOnce(expectation, fakeAuroraApi(aws));
    expect(report.regions).toEqual([{ region: "eu-west-1", lagMs: 900, metric: "AuroraGlobalDBProgressLag" }]);
  });

  it("falls back to the set keyed by SourceRegion alone, and says the figure is aggregated", async () => {
    const aws = healthyAws();
    aws.metrics = aws.metrics.filter((m) => m.metric !== "AuroraGlobalDBReplicationLag");
    aws.metrics.push({
      region: "eu-west-1",
      metric: "AuroraGlobalDBReplicationLag",
      dimensions: [{ name: "SourceRegion", value: "us-east-1" }],
      value: 7000,
    });
    const report = await checkAuroraOnce(expectation, fakeAuroraApi(aws));
    expect(report.problems).toEqual([
      "region eu-west-1 lags 7000 ms behind the primary (AuroraGlobalDBReplicationLag (by SourceRegion us-east-1: every global database from there into eu-west-1); bound 5000 ms).",
    ]);
  });

  it("accepts another OLTP reader as writer after a failover", async () => {
    const aws = healthyAws();
    primary(aws).cluster!.members = primary(aws).cluster!.members.map((m) => ({
      ...m,
      isWriter: m.id === "pg-replica-0",
    }));
    const report = await checkAuroraOnce(expectation, fakeAuroraApi(aws));
    expect(report.problems).toEqual([]);
    expect(report.instances.find((i) => i.role === "writer")?.id).toBe("pg-replica-0");
  });

  const failures: Array<[string, (aws: FakeAws) => void, RegExp]> = [
    [
      "a missing cluster",
      (aws) => delete aws.clusters["us-east-1/pg-cluster"],
      /cluster pg-cluster in us-east-1 does not exist/,
    ],
    [
      "a cluster not available",
      (aws) => (primary(aws).cluster!.status = "modifying"),
      /cluster pg-cluster in us-east-1 is modifying, not available/,
    ],
    [
      "an instance not available",
      (aws) => (instance(aws, "pg-replica-1").status = "creating"),
      /instance pg-replica-1 in us-east-1 is creating, not available/,
    ],
    [
      "an instance missing from the cluster",
      (aws) => (primary(aws).cluster!.members = primary(aws).cluster!.members.filter((m) => m.id !== "pg-replica-0")),
      /instance pg-replica-0 is not a member of cluster pg-cluster in us-east-1/,
    ],
    [
      "the OLAP reader promoted to writer",
      (aws) =>
        (primary(aws).cluster!.members = primary(aws).cluster!.members.map((m) => ({
          ...m,
          isWriter: m.id === "pg-olap-0",
        }))),
      /the OLAP reader pg-olap-0 in us-east-1 is the writer after a failover.*--target-db-instance-identifier pg-replica-0/,
    ],
    [
      "no writer at all",
      (aws) => (primary(aws).cluster!.members = primary(aws).cluster!.members.map((m) => ({ ...m, isWriter: false }))),
      /cluster pg-cluster in us-east-1 has 0 writers \(none\)/,
    ],
    [
      "a reader lagging past the bound",
      (aws) => aws.setMetric("us-east-1", "AuroraReplicaLag", "pg-replica-1", 9000),
      /reader pg-replica-1 in us-east-1 lags 9000 ms \(bound 5000 ms\)/,
    ],
    [
      "a reader with no lag datapoint",
      (aws) => aws.setMetric("us-east-1", "AuroraReplicaLag", "pg-olap-0", undefined),
      /reader pg-olap-0 in us-east-1: no AuroraReplicaLag datapoint/,
    ],
    [
      "a secondary region lagging",
      (aws) => aws.setMetric("eu-west-1", "AuroraGlobalDBReplicationLag", "pg-eu", 12000),
      /region eu-west-1 lags 12000 ms behind the primary \(AuroraGlobalDBReplicationLag; bound 5000 ms\)/,
    ],
    [
      "a secondary region not replicating",
      (aws) => (aws.metrics = aws.metrics.filter((m) => !m.metric.startsWith("AuroraGlobalDB"))),
      /region eu-west-1: CloudWatch lists no AuroraGlobalDBProgressLag or AuroraGlobalDBReplicationLag for pg-eu yet/,
    ],
    [
      "a secondary detached into a writer",
      (aws) => (aws.clusters["eu-west-1/pg-eu"]!.cluster!.members = [{ id: "pg-eu-replica-0", isWriter: true }]),
      /secondary cluster pg-eu in eu-west-1 has a writer \(pg-eu-replica-0\)/,
    ],
    [
      "a parameter group waiting for a reboot",
      (aws) =>
        (instance(aws, "pg-primary-0").parameterGroups = [{ name: "pg-params-writer", status: "pending-reboot" }]),
      /instance pg-primary-0 in us-east-1: parameter group pg-params-writer is pending-reboot, not in-sync.*Fix: aws rds reboot-db-instance --db-instance-identifier pg-primary-0 --region us-east-1/,
    ],
    [
      "a cluster parameter group waiting for a reboot",
      (aws) => (primary(aws).cluster!.members[0]!.parameterGroupStatus = "pending-reboot"),
      /cluster pg-cluster in us-east-1: its cluster parameter group is pending-reboot on pg-primary-0, not in-sync\. Fix: aws rds reboot-db-instance/,
    ],
    [
      "a proxy that cannot log in",
      (aws) =>
        (aws.proxyTargets[1] = {
          ...aws.proxyTargets[1]!,
          state: "UNAVAILABLE",
          reason: "AUTH_FAILURE",
          description: "Proxy does not have any registered credentials",
        }),
      /RDS Proxy pg-proxy in us-east-1: target pg-primary-0 \(READ_WRITE\) is UNAVAILABLE \(AUTH_FAILURE: Proxy does not have any registered credentials\), not AVAILABLE\. Fix: .*secretsmanager\.us-east-1\.amazonaws\.com/,
    ],
    [
      "a proxy that cannot reach the writer",
      (aws) => (aws.proxyTargets[1] = { ...aws.proxyTargets[1]!, state: "UNAVAILABLE", reason: "CONNECTION_FAILED" }),
      /target pg-primary-0 \(READ_WRITE\) is UNAVAILABLE \(CONNECTION_FAILED\), not AVAILABLE\. Fix: the proxy cannot reach the instance: its security group/,
    ],
    [
      "a proxy with no instance targets",
      (aws) => (aws.proxyTargets = aws.proxyTargets.filter((t) => t.type !== "RDS_INSTANCE")),
      /RDS Proxy pg-proxy in us-east-1 has no instance targets registered yet/,
    ],
    [
      "a major the upgrade did not reach",
      (aws) => (primary(aws).cluster!.engineVersion = "15.10"),
      /cluster pg-cluster in us-east-1 runs PostgreSQL 15\.10, but postgresVersion is 16\. Fix: the global cluster's upgrade has not reached it/,
    ],
  ];

  it.each(failures)("fails on %s, naming it", async (_, breakIt, message) => {
    const aws = healthyAws();
    breakIt(aws);
    const report = await checkAuroraOnce(expectation, fakeAuroraApi(aws));
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toMatch(message);
  });

  it("names allowMajorVersionUpgrade when the stack holds the major back", async () => {
    const aws = healthyAws();
    primary(aws).cluster!.engineVersion = "16.9";
    const report = await checkAuroraOnce(
      { ...expectation, postgresVersion: 17, majorUpgrade: "held" },
      fakeAuroraApi(aws),
    );
    expect(report.problems.join("\n")).toMatch(
      /runs PostgreSQL 16\.9, but postgresVersion is 17\. Fix: set aurora\.allowMajorVersionUpgrade: true/,
    );
  });

  it("reports an AWS API failure by cluster and region instead of crashing", async () => {
    const api = fakeAuroraApi(healthyAws());
    api.describeCluster = async () => {
      throw new Error("AccessDenied: rds:DescribeDBClusters");
    };
    const report = await checkAuroraOnce(expectation, api);
    expect(report.problems[0]).toBe(
      "cluster pg-cluster in us-east-1: the AWS API failed: AccessDenied: rds:DescribeDBClusters",
    );
  });

  it("polls until the cluster settles, within the timeout", async () => {
    const aws = healthyAws();
    instance(aws, "pg-replica-1").status = "creating";
    instance(aws, "pg-replica-0").parameterGroups = [{ name: "pg-params-reader", status: "applying" }];
    let clock = 0;
    const report = await checkAurora({ ...expectation, timeoutMs: 60_000 }, fakeAuroraApi(aws), {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
        if (clock >= 30_000) {
          instance(aws, "pg-replica-1").status = "available";
          instance(aws, "pg-replica-0").parameterGroups = [{ name: "pg-params-reader", status: "in-sync" }];
        }
      },
    });
    expect(report.ok).toBe(true);
    expect(report.attempts).toBe(3);
  });

  it("gives up at the timeout with the last problems", async () => {
    const aws = healthyAws();
    aws.setMetric("us-east-1", "AuroraReplicaLag", "pg-replica-0", 60_000);
    let clock = 0;
    const report = await checkAurora({ ...expectation, timeoutMs: 45_000 }, fakeAuroraApi(aws), {
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    expect(report.ok).toBe(false);
    expect(report.attempts).toBe(4);
    expect(report.problems).toEqual(["reader pg-replica-0 in us-east-1 lags 60000 ms (bound 5000 ms)."]);
  });

  it("stops at once when only problems remain that waiting cannot fix, such as a pending reboot", async () => {
    const aws = healthyAws();
    instance(aws, "pg-olap-0").parameterGroups = [{ name: "pg-params-olap", status: "pending-reboot" }];
    let clock = 0;
    const report = await checkAurora({ ...expectation, timeoutMs: 15 * 60_000 }, fakeAuroraApi(aws), {
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    expect(report.attempts).toBe(1);
    expect(report.needsAction).toHaveLength(1);
  });

  const authFailure = (aws: FakeAws) =>
    (aws.proxyTargets[1] = { ...aws.proxyTargets[1]!, state: "UNAVAILABLE", reason: "AUTH_FAILURE" });

  it("keeps polling on AUTH_FAILURE through IAM's propagation window, naming what it waits for, and passes once the policy is visible", async () => {
    const aws = healthyAws();
    const healthy = aws.proxyTargets[1]!;
    authFailure(aws);
    let clock = 0;
    const report = await checkAurora({ ...expectation, timeoutMs: 15 * 60_000 }, fakeAuroraApi(aws), {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
        if (clock >= IAM_PROPAGATION_WINDOW_MS.value / 2) aws.proxyTargets[1] = healthy;
      },
    });
    expect(report.ok).toBe(true);
    expect(report.attempts).toBeGreaterThan(1);
    const once = await checkAuroraOnce(expectation, fakeAuroraApi((authFailure(aws), aws)), 15_000);
    expect(once.needsAction).toEqual([]);
    expect(once.problems.join("\n")).toMatch(
      /Waiting up to 120 s \(15 s so far\) for IAM to make the proxy role's policy visible/,
    );
  });

  it("calls AUTH_FAILURE a failure once IAM's propagation window has passed, and stops there", async () => {
    const aws = healthyAws();
    authFailure(aws);
    let clock = 0;
    const report = await checkAurora({ ...expectation, timeoutMs: 15 * 60_000 }, fakeAuroraApi(aws), {
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    expect(report.ok).toBe(false);
    expect(clock).toBeGreaterThanOrEqual(IAM_PROPAGATION_WINDOW_MS.value);
    expect(clock).toBeLessThan(IAM_PROPAGATION_WINDOW_MS.value + 30_000);
    expect(report.needsAction).toHaveLength(1);
    expect(report.needsAction[0]).not.toMatch(/Waiting/);
  });
});
