/**
 * Day-2 behaviour of the Aurora backend, as plain functions: who moves the engine version, and the removal of
 * autoscaled readers before a destroy.
 */
import { describe, expect, it } from "vitest";
import { removeAutoscaledReaders } from "../../components/aurora/check/autoscaledReaders";
import { clusterArgs } from "../../components/aurora/instances";
import { versionPolicy } from "../../components/aurora/versions";
import { parseBackupWindow, parseMaintenanceWindow, windowsOverlap } from "../../components/config/windows";
import { fakeAuroraApi, healthyAws } from "../support/fakeAurora";
import { auroraSecondary } from "../support/configs";
import { auroraTopology as aurora } from "../support/topologies";

describe("engine versions", () => {
  it("upgrades a Global Database through its global cluster: members ignore engineVersion, the global cluster does not", () => {
    const policy = versionPolicy(aurora({ crossRegion: [auroraSecondary] }).aurora);
    expect(policy).toMatchObject({
      global: [],
      cluster: ["engineVersion"],
      parameterGroups: [],
      allowMajorVersionUpgrade: false,
    });
    expect(policy.explanation).toMatch(/no automatic minor upgrades here/);
  });

  it("with automatic minors on one region, ignores the engine's drift and holds the parameter-group family with it", () => {
    expect(versionPolicy(aurora().aurora)).toMatchObject({
      cluster: ["engineVersion"],
      parameterGroups: ["family"],
      allowMajorVersionUpgrade: false,
    });
  });

  it("applies a major upgrade in place when allowed, with the new family's writer group", () => {
    const topology = aurora({}, { allowMajorVersionUpgrade: true });
    const policy = versionPolicy(topology.aurora);
    expect(policy).toMatchObject({ cluster: [], parameterGroups: [], allowMajorVersionUpgrade: true });
    const args = clusterArgs(topology, {
      clusterId: "c",
      password: "p",
      subnetGroupName: "s",
      securityGroupId: "sg",
      parameterGroupName: "cpg",
      writerParameterGroupName: "writer-pg",
      versions: policy,
    });
    expect(args).toMatchObject({
      allowMajorVersionUpgrade: true,
      dbInstanceParameterGroupName: "writer-pg",
      engineVersion: "16.8",
    });
  });

  it("applies engineVersion as set without automatic minors", () => {
    expect(versionPolicy(aurora({}, { autoMinorVersionUpgrade: false }).aurora)).toMatchObject({
      cluster: [],
      parameterGroups: [],
      allowMajorVersionUpgrade: false,
    });
  });
});

describe("autoscaled readers before a destroy", () => {
  it("deletes only the readers Application Auto Scaling added, and waits until they are gone", async () => {
    const aws = healthyAws();
    const cluster = aws.clusters["us-east-1/pg-cluster"]!.cluster!;
    cluster.members.push({ id: "application-autoscaling-61aabbcc-4e2f-4c65-b620-ab7421abc123", isWriter: false });
    const api = fakeAuroraApi(aws);
    const removed = await removeAutoscaledReaders({ region: "us-east-1", clusterId: "pg-cluster" }, api, {
      sleep: async () => {},
    });
    expect(removed).toEqual(["application-autoscaling-61aabbcc-4e2f-4c65-b620-ab7421abc123"]);
    expect(aws.deleted).toEqual(removed);
    expect(cluster.members.map((m) => m.id)).toEqual(["pg-primary-0", "pg-replica-0", "pg-replica-1", "pg-olap-0"]);
  });

  it("does nothing when the cluster is gone or has none", async () => {
    const aws = healthyAws();
    expect(await removeAutoscaledReaders({ region: "us-east-1", clusterId: "pg-cluster" }, fakeAuroraApi(aws))).toEqual(
      [],
    );
    expect(await removeAutoscaledReaders({ region: "us-east-1", clusterId: "gone" }, fakeAuroraApi(aws))).toEqual([]);
    expect(aws.deleted).toEqual([]);
  });

  it("names the manual command when a reader will not go", async () => {
    const aws = healthyAws();
    aws.clusters["us-east-1/pg-cluster"]!.cluster!.members.push({
      id: "application-autoscaling-stuck",
      isWriter: false,
    });
    const api = fakeAuroraApi(aws);
    api.deleteInstance = async () => {};
    let clock = 0;
    await expect(
      removeAutoscaledReaders({ region: "us-east-1", clusterId: "pg-cluster" }, api, {
        timeoutMs: 60_000,
        now: () => clock,
        sleep: async (ms) => void (clock += ms),
      }),
    ).rejects.toThrow(
      /application-autoscaling-stuck.*aws rds delete-db-instance --db-instance-identifier <id> --region us-east-1/,
    );
  });
});

describe("maintenance and backup windows", () => {
  it("sees an overlap on any day, across midnight and the week's end", () => {
    const sunday = parseMaintenanceWindow("sun:23:30-mon:00:30")!;
    expect(windowsOverlap(parseBackupWindow("00:00-00:45")!, sunday)).toBe(true);
    expect(windowsOverlap(parseBackupWindow("23:00-23:30")!, sunday)).toBe(false);
    expect(windowsOverlap(parseBackupWindow("23:45-00:15")!, parseMaintenanceWindow("wed:00:00-wed:01:00")!)).toBe(
      true,
    );
  });
});
