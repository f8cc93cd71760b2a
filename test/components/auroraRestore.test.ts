/**
 * Aurora backups and restore into a new stack (issue 22), under mocks against the provider's and AWS's facts
 * (components/facts/aws/restore.ts): what the restored cluster is asked for and what the provider actually sends to
 * the restore (or right after it), what it takes from its source and the program therefore leaves out, automated
 * backups that outlive the cluster, and what `pulumi up` does when a restore block is added, kept, corrected or
 * removed on a running stack (test/support/changePlan.ts), and the deploy check's word on a restored master user.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { checkAuroraOnce } from "../../components/aurora/check/checkAurora";
import type { AuroraExpectation } from "../../components/aurora/check/handover";
import { INHERITED_ARGUMENTS } from "../../components/aurora/restore";
import { computedReplacingFields } from "../../components/facts/aws/replacement";
import { AURORA_RESTORE } from "../../components/facts/aws/restore";
import { fakeFor } from "../support/auroraFacts";
import { type ChangePlan, changePlan } from "../support/changePlan";
import { fakeAuroraApi } from "../support/fakeAurora";
import { TYPES, ofType, one } from "../support/graph";
import { PROJECT, type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

type Config = Record<string, string>;
const key = (name: string) => `${PROJECT}:${name}`;

/** Top-level keys set (undefined removes one). */
const setting =
  (top: Record<string, unknown>) =>
  (config: Config): Config => {
    const next = { ...config };
    for (const [name, value] of Object.entries(top)) {
      if (value === undefined) delete next[key(name)];
      else next[key(name)] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return next;
  };

const aurora =
  (changes: Record<string, unknown>) =>
  (config: Config): Config => ({
    ...config,
    [key("aurora")]: JSON.stringify({ ...JSON.parse(config[key("aurora")]!), ...changes }),
  });

const then =
  (...edits: Array<(c: Config) => Config>) =>
  (config: Config) =>
    edits.reduce((c, e) => e(c), config);

const POINT_IN_TIME = { from: "orders-prod", targetTime: "2026-12-06T06:40:00+01:00" };
const restoring = setting({ restore: POINT_IN_TIME });
const cluster = (run: ProgramRun) => one(run, TYPES.cluster, "pg-cluster");
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const names = (resources: readonly Registered[]) => resources.map((r) => r.name).sort();
const replacedNames = (plan: ChangePlan) => names(plan.replaced.map((r) => r.resource));
const refusedNames = (plan: ChangePlan) => names(plan.replaced.filter((r) => r.refused).map((r) => r.resource));

/**
 * Arguments that are not RDS settings of the new cluster: its name, the restore itself, and what the provider reads
 * only when the cluster is updated or deleted.
 */
const NOT_SETTINGS = new Set([
  "cluster_identifier",
  "engine",
  "restore_to_point_in_time",
  "snapshot_identifier",
  "apply_immediately",
  "allow_major_version_upgrade",
  "db_instance_parameter_group_name",
  "skip_final_snapshot",
  "final_snapshot_identifier",
  "delete_automated_backups",
]);

describe("aurora-prod restored to a point in time of another cluster", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("aurora-prod", restoring);
  });

  it("asks the provider for restore_to_point_in_time from the source, at the target in UTC, as a full copy", () => {
    expect(cluster(run).inputs.restoreToPointInTime).toEqual({
      sourceClusterIdentifier: "orders-prod",
      restoreToTime: "2026-12-06T05:40:00Z",
      restoreType: AURORA_RESTORE.restoreToPointInTime.value.restoreTypeDefault,
    });
    expect(cluster(run).inputs.snapshotIdentifier).toBeUndefined();
  });

  it("leaves out what the restored cluster takes from its source, each kept by the provider as read back", () => {
    const inputs = cluster(run).inputs;
    const computed = computedReplacingFields(TYPES.cluster);
    for (const argument of INHERITED_ARGUMENTS) {
      expect(inputs[argument], argument).toBeUndefined();
      expect(AURORA_RESTORE.inheritedFromSource.value.forceNewComputed).toContain(snake(argument));
      // Left out, a ForceNew argument the provider computes keeps the state's value: no replacement next time.
      expect(computed).toContain(argument);
    }
  });

  it("gets every stack setting to the new cluster: passed to RestoreDBClusterToPointInTime or set by ModifyDBCluster right after", () => {
    const { passed, modifyAfter, notPassed } = AURORA_RESTORE.pitrInput.value;
    const sent = new Set<string>([...passed, ...modifyAfter]);
    const inputs = Object.keys(cluster(run).inputs).map(snake);
    const lost = inputs.filter((name) => !sent.has(name) && !NOT_SETTINGS.has(name));
    // The engine version: the source's runs until the version policy moves it (versions.ts); the deploy check
    // fails on another major. The engine lifecycle and cluster-level Performance Insights: the restore takes AWS's
    // defaults, a diff the next update applies (the instances still enable Performance Insights each). The Data API:
    // the application role's step turns it on itself (appRoleRun.ts), so the role is made in the restoring up.
    expect(lost).toEqual([
      "enable_http_endpoint",
      "engine_lifecycle_support",
      "engine_version",
      "performance_insights_enabled",
    ]);
    expect(notPassed).toContain("engine_version");
    for (const ours of ["db_cluster_parameter_group_name", "vpc_security_group_ids", "kms_key_id", "master_password"])
      expect(inputs, ours).toContain(ours);
  });

  it("names the stack's own cluster parameter group and security group, not the defaults a bare restore gets", () => {
    const resource = cluster(run);
    const typeOf = (urn: string) => run.resources.find((r) => r.urn === urn)?.type;
    expect(AURORA_RESTORE.defaultParameterGroups.value).toContain("default");
    expect(resource.propertyDependencies.dbClusterParameterGroupName?.map(typeOf)).toEqual([
      TYPES.clusterParameterGroup,
    ]);
    expect(resource.propertyDependencies.vpcSecurityGroupIds?.map(typeOf)).toEqual([TYPES.securityGroup]);
  });

  it("makes the Global Database from the restored cluster once it exists, never asking the restore to join one", () => {
    const global = one(run, TYPES.global, "pg-global");
    expect(global.propertyDependencies.sourceDbClusterIdentifier).toEqual([cluster(run).urn]);
    expect(cluster(run).inputs.globalClusterIdentifier).toBeUndefined();
    expect(AURORA_RESTORE.snapshotIdentifier.value.conflictsWith).toContain("global_cluster_identifier");
  });

  it("creates the cluster only after the restore check, which reads the source, target, major, user and key", () => {
    const check = ofType(run, TYPES.command).find((c) => c.inputs.create?.includes("aurora-restore-check"))!;
    expect(cluster(run).dependencies).toContain(check.urn);
    expect(JSON.parse(check.inputs.environment.PG_READ_REPLICAS_AURORA_RESTORE)).toEqual({
      region: "us-east-1",
      source: { kind: "cluster", id: "orders-prod" },
      target: { at: "2026-12-06T05:40:00Z" },
      postgresVersion: 16,
      user: "app",
      kmsKeyGiven: true,
    });
    // Checked once, as the cluster is created: a source deleted later must not fail later ups.
    expect(check.ignoreChanges).toEqual(["environment"]);
  });

  it("tells the deploy check which master user the restored cluster must have", () => {
    const check = ofType(run, TYPES.command).find((c) => c.inputs.create?.includes("aurora-check"))!;
    const expectation = JSON.parse(check.inputs.environment.PG_READ_REPLICAS_AURORA_EXPECT) as AuroraExpectation;
    expect(expectation.clusters.find((c) => c.primary)?.restoredUser).toBe("app");
    expect(expectation.clusters.filter((c) => !c.primary).every((c) => c.restoredUser === undefined)).toBe(true);
  });
});

describe("the deploy check on a restored cluster", () => {
  async function reportWith(masterUsername: string) {
    const run = await runProgram("aurora-dev", restoring);
    const check = ofType(run, TYPES.command).find((c) => c.inputs.create?.includes("aurora-check"))!;
    const expectation = JSON.parse(check.inputs.environment.PG_READ_REPLICAS_AURORA_EXPECT) as AuroraExpectation;
    const aws = fakeFor(expectation);
    const primary = expectation.clusters.find((c) => c.primary)!;
    aws.clusters[`${primary.region}/${primary.clusterId}`]!.cluster!.masterUsername = masterUsername;
    return checkAuroraOnce(expectation, fakeAuroraApi(aws));
  }

  it("passes when the source's master user is the stack's user", async () => {
    expect((await reportWith("app")).problems).toEqual([]);
  });

  it("fails, without waiting, naming the source's master user and the key to set", async () => {
    const report = await reportWith("orders_admin");
    expect(report.needsAction).toHaveLength(1);
    expect(report.needsAction[0]).toContain('master user "orders_admin", but user is "app"');
    expect(report.needsAction[0]).toContain("set user: orders_admin");
  });
});

describe("other restore sources", () => {
  it("restores a deleted cluster's retained backups by its resource id, to the latest restorable time", async () => {
    const from = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const run = await runProgram("aurora-dev", setting({ restore: { from, latest: true } }));
    expect(cluster(run).inputs.restoreToPointInTime).toEqual({
      sourceClusterResourceId: from,
      useLatestRestorableTime: true,
      restoreType: "full-copy",
    });
  });

  it("restores a snapshot with snapshotIdentifier and the stack's own groups and key", async () => {
    const run = await runProgram("aurora-prod", setting({ restore: { snapshot: "orders-2026-12-06" } }));
    const inputs = cluster(run).inputs;
    expect(inputs.snapshotIdentifier).toBe("orders-2026-12-06");
    expect(inputs.restoreToPointInTime).toBeUndefined();
    for (const argument of INHERITED_ARGUMENTS) expect(inputs[argument], argument).toBeUndefined();
    const passes = AURORA_RESTORE.snapshotIdentifier.value.passes;
    for (const ours of ["dbClusterParameterGroupName", "kmsKeyId", "vpcSecurityGroupIds", "dbSubnetGroupName"]) {
      expect(inputs[ours], ours).toBeDefined();
      expect(passes).toContain(snake(ours));
    }
  });
});

describe("automated backups", () => {
  it("with backup.enabled, are kept backup.retention days and outlive the cluster", async () => {
    const run = await runProgram("aurora-prod", setting({ backup: { enabled: true, retention: "21d" } }));
    expect(cluster(run).inputs).toMatchObject({ backupRetentionPeriod: 21, deleteAutomatedBackups: false });
    expect(AURORA_RESTORE.deleteAutomatedBackups.value.default).toBe(true);
  });

  it("without it, are kept aurora.backupRetentionDays and deleted with the cluster, the provider's default", async () => {
    const run = await runProgram("aurora-prod");
    expect(ofType(run, TYPES.command).some((c) => c.inputs.create?.includes("aurora-restore-check"))).toBe(false);
    expect(cluster(run).inputs.backupRetentionPeriod).toBe(14);
    expect(cluster(run).inputs.deleteAutomatedBackups).toBeUndefined();
  });

  it("turned on for a running stack, replace nothing and change only the cluster's arguments and the check", async () => {
    const before = await runProgram("aurora-prod");
    const after = await runProgram("aurora-prod", setting({ backup: { enabled: true } }));
    const plan = changePlan(before, after);
    expect(plan.replaced).toEqual([]);
    expect(plan.created).toEqual([]);
    expect(plan.deleted).toEqual([]);
    const old = new Map(before.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
    const changed = after.resources.filter((r) => old.get(r.urn) !== JSON.stringify(r.inputs));
    expect(names(changed)).toEqual(["pg-check", "pg-cluster"]);
    expect(AURORA_RESTORE.deleteAutomatedBackups.value.changeCallsAws).toBe(false);
  });
});

describe("a restore block on a running stack", () => {
  let restored: ProgramRun;
  beforeAll(async () => {
    restored = await runProgram("aurora-prod", restoring);
  });

  it("kept as it was: nothing changes on the next up", async () => {
    const plan = changePlan(restored, await runProgram("aurora-prod", restoring));
    expect(plan.replaced).toEqual([]);
    expect(plan.created).toEqual([]);
    expect(plan.deleted).toEqual([]);
  });

  it("removed: refused on a protected stack, like adding one (removing restore_to_point_in_time replaces)", async () => {
    expect(AURORA_RESTORE.restoreToPointInTime.value.removalReplaces).toBe(true);
    const plan = changePlan(restored, await runProgram("aurora-prod"));
    expect(refusedNames(plan)).toEqual(["pg-cluster", "pg-cluster-id"]);
  });

  it("pointed at another time: refused on a protected stack", async () => {
    const later = setting({ restore: { ...POINT_IN_TIME, targetTime: "2026-12-06T07:00:00Z" } });
    const plan = changePlan(restored, await runProgram("aurora-prod", later));
    expect(refusedNames(plan)).toEqual(["pg-cluster", "pg-cluster-id"]);
  });

  it("with user corrected to the source's master user: replaces nothing (a restored cluster's user is not an argument)", async () => {
    const plan = changePlan(
      restored,
      await runProgram("aurora-prod", then(restoring, setting({ user: "orders_admin" }))),
    );
    expect(plan.replaced).toEqual([]);
  });

  it("removed with aurora.allowReplacement: replaces the cluster with a new, empty one (why the block stays)", async () => {
    const allowed = aurora({ allowReplacement: true });
    const before = await runProgram("aurora-prod", then(restoring, setting({ crossRegion: undefined }), allowed));
    const plan = changePlan(
      before,
      await runProgram("aurora-prod", then(setting({ crossRegion: undefined }), allowed)),
    );
    expect(refusedNames(plan)).toEqual([]);
    expect(replacedNames(plan)).toContain("pg-cluster");
  });
});
