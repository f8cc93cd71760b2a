/** The Aurora deploy gate against a fake AWS API: the passing case and each way it fails. */
import { describe, expect, it } from "vitest";
import { type AuroraApi, type AuroraExpectation, type ClusterDescription, type InstanceDescription, checkAurora, checkAuroraOnce } from "../../components/aurora/check";

interface FakeCluster {
  cluster?: ClusterDescription;
  instances: InstanceDescription[];
  lag: Record<string, number | undefined>;
}

/** A fake AWS: clusters keyed "region/clusterId"; records calls so tests can see what was asked. */
function fakeApi(clusters: Record<string, FakeCluster>): AuroraApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async describeCluster(region, id) {
      calls.push(`describeCluster ${region} ${id}`);
      return clusters[`${region}/${id}`]?.cluster;
    },
    async describeInstances(region, id) {
      return clusters[`${region}/${id}`]?.instances ?? [];
    },
    async maxMetric(region, metric, dimension) {
      calls.push(`${metric} ${region} ${dimension.value}`);
      const entry = Object.entries(clusters).find(([key]) => key.startsWith(`${region}/`))?.[1];
      return entry?.lag[dimension.value];
    },
  };
}

const expectation: AuroraExpectation = {
  timeoutMs: 0,
  maxLagMs: 5000,
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

function healthy(): Record<string, FakeCluster> {
  return {
    "us-east-1/pg-cluster": {
      cluster: {
        status: "available",
        members: [
          { id: "pg-primary-0", isWriter: true },
          { id: "pg-replica-0", isWriter: false },
          { id: "pg-replica-1", isWriter: false },
          { id: "pg-olap-0", isWriter: false },
        ],
      },
      instances: ["pg-primary-0", "pg-replica-0", "pg-replica-1", "pg-olap-0"].map((id) => ({ id, status: "available" })),
      lag: { "pg-replica-0": 12, "pg-replica-1": 20, "pg-olap-0": 35 },
    },
    "eu-west-1/pg-eu": {
      cluster: { status: "available", members: [{ id: "pg-eu-replica-0", isWriter: false }] },
      instances: [{ id: "pg-eu-replica-0", status: "available" }],
      lag: { "pg-eu-replica-0": 18, "pg-eu": 600 },
    },
  };
}

describe("the Aurora check", () => {
  it("passes when every instance is available in its role and lag is under the bound", async () => {
    const api = fakeApi(healthy());
    const report = await checkAuroraOnce(expectation, api);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.instances.find((i) => i.role === "writer")?.id).toBe("pg-primary-0");
    expect(report.instances.find((i) => i.id === "pg-olap-0")).toMatchObject({ role: "olap", lagMs: 35 });
    expect(report.regions).toEqual([{ region: "eu-west-1", lagMs: 600 }]);
    expect(api.calls).toContain("AuroraGlobalDBReplicationLag eu-west-1 pg-eu");
  });

  it("accepts another OLTP reader as writer after a failover", async () => {
    const state = healthy();
    state["us-east-1/pg-cluster"]!.cluster!.members = state["us-east-1/pg-cluster"]!.cluster!.members.map((m) => ({ ...m, isWriter: m.id === "pg-replica-0" }));
    state["us-east-1/pg-cluster"]!.lag["pg-primary-0"] = 10;
    const report = await checkAuroraOnce(expectation, fakeApi(state));
    expect(report.problems).toEqual([]);
    expect(report.instances.find((i) => i.role === "writer")?.id).toBe("pg-replica-0");
  });

  const failures: Array<[string, (s: Record<string, FakeCluster>) => void, RegExp]> = [
    ["a missing cluster", (s) => delete s["us-east-1/pg-cluster"], /cluster pg-cluster in us-east-1 does not exist/],
    ["a cluster not available", (s) => (s["us-east-1/pg-cluster"]!.cluster!.status = "modifying"), /cluster pg-cluster in us-east-1 is modifying, not available/],
    [
      "an instance not available",
      (s) => (s["us-east-1/pg-cluster"]!.instances.find((i) => i.id === "pg-replica-1")!.status = "creating"),
      /instance pg-replica-1 in us-east-1 is creating, not available/,
    ],
    [
      "an instance missing from the cluster",
      (s) => (s["us-east-1/pg-cluster"]!.cluster!.members = s["us-east-1/pg-cluster"]!.cluster!.members.filter((m) => m.id !== "pg-replica-0")),
      /instance pg-replica-0 is not a member of cluster pg-cluster in us-east-1/,
    ],
    [
      "the OLAP reader promoted to writer",
      (s) => (s["us-east-1/pg-cluster"]!.cluster!.members = s["us-east-1/pg-cluster"]!.cluster!.members.map((m) => ({ ...m, isWriter: m.id === "pg-olap-0" }))),
      /the OLAP reader pg-olap-0 in us-east-1 is the writer after a failover.*--target-db-instance-identifier pg-replica-0/,
    ],
    [
      "no writer at all",
      (s) => (s["us-east-1/pg-cluster"]!.cluster!.members = s["us-east-1/pg-cluster"]!.cluster!.members.map((m) => ({ ...m, isWriter: false }))),
      /cluster pg-cluster in us-east-1 has 0 writers \(none\)/,
    ],
    ["a reader lagging past the bound", (s) => (s["us-east-1/pg-cluster"]!.lag["pg-replica-1"] = 9000), /reader pg-replica-1 in us-east-1 lags 9000 ms \(bound 5000 ms\)/],
    ["a reader with no lag datapoint", (s) => (s["us-east-1/pg-cluster"]!.lag["pg-olap-0"] = undefined), /reader pg-olap-0 in us-east-1: no AuroraReplicaLag datapoint/],
    ["a secondary region lagging", (s) => (s["eu-west-1/pg-eu"]!.lag["pg-eu"] = 12000), /region eu-west-1 lags 12000 ms behind the primary \(bound 5000 ms\)/],
    ["a secondary region not replicating", (s) => (s["eu-west-1/pg-eu"]!.lag["pg-eu"] = undefined), /region eu-west-1: no AuroraGlobalDBReplicationLag datapoint for pg-eu/],
    [
      "a secondary detached into a writer",
      (s) => (s["eu-west-1/pg-eu"]!.cluster!.members = [{ id: "pg-eu-replica-0", isWriter: true }]),
      /secondary cluster pg-eu in eu-west-1 has a writer \(pg-eu-replica-0\)/,
    ],
  ];

  it.each(failures)("fails on %s, naming it", async (_, breakIt, message) => {
    const state = healthy();
    breakIt(state);
    const report = await checkAuroraOnce(expectation, fakeApi(state));
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toMatch(message);
  });

  it("reports an AWS API failure by cluster and region instead of crashing", async () => {
    const api = fakeApi(healthy());
    api.describeCluster = async () => {
      throw new Error("AccessDenied: rds:DescribeDBClusters");
    };
    const report = await checkAuroraOnce(expectation, api);
    expect(report.problems[0]).toBe("cluster pg-cluster in us-east-1: the AWS API failed: AccessDenied: rds:DescribeDBClusters");
  });

  it("polls until the cluster settles, within the timeout", async () => {
    const state = healthy();
    state["us-east-1/pg-cluster"]!.instances[1]!.status = "creating";
    let clock = 0;
    const api = fakeApi(state);
    const report = await checkAurora({ ...expectation, timeoutMs: 60_000 }, api, {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
        if (clock >= 30_000) state["us-east-1/pg-cluster"]!.instances[1]!.status = "available";
      },
    });
    expect(report.ok).toBe(true);
    expect(report.attempts).toBe(3);
  });

  it("gives up at the timeout with the last problems", async () => {
    const state = healthy();
    state["us-east-1/pg-cluster"]!.lag["pg-replica-0"] = 60_000;
    let clock = 0;
    const report = await checkAurora({ ...expectation, timeoutMs: 45_000 }, fakeApi(state), {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    expect(report.ok).toBe(false);
    expect(report.attempts).toBe(4);
    expect(report.problems).toEqual(["reader pg-replica-0 in us-east-1 lags 60000 ms (bound 5000 ms)."]);
  });
});
