/**
 * Aurora's backup: and restore: before anything is created: the refusals (a source RDS would not find or take, a
 * retention that would not apply), each naming the key, the value and the fix; what is accepted; and the pure pieces
 * the cluster's arguments come from (source forms, the target time in UTC, the identifier's keeper).
 */
import { describe, expect, it } from "vitest";
import {
  arnRegion,
  backupArgs,
  backupNotes,
  restoreArgs,
  restoreKeeper,
  sourceForm,
  utcRestoreTime,
} from "../../components/aurora/restore";
import { checkRestoreSource } from "../../components/aurora/check/checkRestore";
import type { RestoreSourceDescription } from "../../components/aurora/check/api";
import { restoreExpectation } from "../../components/aurora/restoreCheck";
import { AURORA_RESTORE } from "../../components/facts/aws/restore";
import { fakeAuroraApi } from "../support/fakeAurora";
import { type Raw, auroraBase, auroraSecondary, patched, refusalMessage } from "../support/configs";
import { build } from "../support/topologies";

const aurora = (patch: Raw) => patched(auroraBase(), patch);
const RESOURCE_ID = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ARN_EU = "arn:aws:rds:eu-west-1:111122223333:cluster:orders-prod";

describe("Aurora restore and backup config that AWS would refuse or that would not apply", () => {
  const rows: Array<{ mistake: string; config: Raw; expect: string[] }> = [
    {
      mistake: "a source that is no cluster identifier, ARN or resource id",
      config: aurora({ restore: { from: "Orders_Prod", latest: true } }),
      expect: ['restore.from = "Orders_Prod"', "is not a cluster identifier", "describe-db-cluster-automated-backups"],
    },
    {
      mistake: "a source cluster in another region",
      config: aurora({ restore: { from: ARN_EU, latest: true } }),
      expect: ["restore.from", "is in eu-west-1, but the stack restores in us-east-1", "copy it into us-east-1"],
    },
    {
      mistake: "a snapshot in another region",
      config: aurora({
        restore: { snapshot: "arn:aws:rds:eu-west-1:111122223333:cluster-snapshot:orders-2026-12-06" },
      }),
      expect: ["restore.snapshot", "is in eu-west-1", "aws rds copy-db-cluster-snapshot --source-region eu-west-1"],
    },
    {
      mistake: "a snapshot name RDS does not take",
      config: aurora({ restore: { snapshot: "2026 12 06" } }),
      expect: ['restore.snapshot = "2026 12 06"', "is not a cluster snapshot identifier or ARN"],
    },
    {
      mistake: "a retention without backup.enabled",
      config: aurora({ backup: { retention: "21d" } }),
      expect: ['backup.retention = "21d"', "backup.enabled is not true", "aurora.backupRetentionDays"],
    },
  ];

  it.each(rows)("refuses $mistake, naming the key, the value and the fix", ({ config, expect: parts }) => {
    const message = refusalMessage(config);
    for (const part of parts) expect(message).toContain(part);
  });

  it("accepts backup.enabled, and restores from an identifier, a same-region ARN, a resource id or a snapshot", () => {
    const sources = [
      { from: "orders-prod", latest: true },
      { from: "arn:aws:rds:us-east-1:111122223333:cluster:orders-prod", targetTime: "2026-12-06T05:40:00Z" },
      { from: RESOURCE_ID, latest: true },
      { snapshot: "rds:orders-prod-2026-12-06-03-10" },
      { snapshot: "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:orders-2026-12-06" },
    ];
    for (const restore of sources) {
      const topology = build(aurora({ backup: { enabled: true, retention: "21d" }, restore }));
      expect(topology.restore, JSON.stringify(restore)).toBeDefined();
      expect(topology.backup).toEqual({ tool: "aurora", retentionDays: 21 });
    }
  });

  it("accepts a restore with crossRegion: the Global Database is made from the restored cluster once it runs", () => {
    const topology = build(aurora({ restore: { from: "orders-prod", latest: true }, crossRegion: [auroraSecondary] }));
    expect(topology.restore).toBeDefined();
  });
});

describe("the restore's cluster arguments", () => {
  it("tells the source forms apart as restore_to_point_in_time takes them", () => {
    expect(sourceForm("orders-prod")).toBe("identifier");
    expect(sourceForm(ARN_EU)).toBe("arn");
    expect(sourceForm(RESOURCE_ID)).toBe("resourceId");
    for (const wrong of ["orders--prod", "orders-", "1orders", "Orders"])
      expect(sourceForm(wrong), wrong).toBeUndefined();
    // Lower case, it is a cluster's name; a resource id is cluster- and 26 upper-case letters and digits.
    expect(sourceForm("cluster-abc")).toBe("identifier");
    expect(arnRegion(ARN_EU)).toBe("eu-west-1");
    expect(arnRegion("orders-prod")).toBeUndefined();
  });

  it("sends the target time in UTC, as the provider's RFC 3339 validation takes it", () => {
    expect(utcRestoreTime("2026-12-06T06:40:00+01:00")).toBe("2026-12-06T05:40:00Z");
    expect(utcRestoreTime("2026-12-06 05:40:00Z")).toBe("2026-12-06T05:40:00Z");
    expect(utcRestoreTime("2026-12-06T05:40:00.250Z")).toBe("2026-12-06T05:40:00.250Z");
    expect(AURORA_RESTORE.restoreToPointInTime.value.restoreToTime).toContain("RFC3339");
  });

  it("restores a resource id through sourceClusterResourceId, exactly one source and one target as the provider requires", () => {
    const args = restoreArgs({ source: "auroraCluster", cluster: RESOURCE_ID, target: { type: "latest" } });
    const pitr = args.restoreToPointInTime as Record<string, unknown>;
    for (const pair of AURORA_RESTORE.restoreToPointInTime.value.exactlyOneOf) {
      const given = pair.filter((field) => pitr[field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())]);
      expect(given, pair.join(" / ")).toHaveLength(1);
    }
    expect(pitr.sourceClusterResourceId).toBe(RESOURCE_ID);
  });

  it("adds a keeper only with a restore, so running stacks keep their identifiers", () => {
    expect(restoreKeeper(undefined)).toBeUndefined();
    expect(restoreKeeper({ source: "auroraSnapshot", snapshot: "s1" })).toBe("snapshot:s1");
    expect(
      restoreKeeper({
        source: "auroraCluster",
        cluster: "a",
        target: { type: "time", at: "2026-12-06T06:40:00+01:00" },
      }),
    ).toBe("pitr:a@2026-12-06T05:40:00Z");
  });

  it("keeps automated backups after the cluster only with backup.enabled", () => {
    const plain = build(auroraBase());
    if (plain.backend !== "aurora") throw new Error("aurora expected");
    expect(backupArgs(plain)).toEqual({ backupRetentionPeriod: plain.aurora.backupRetentionDays });
    const kept = build(aurora({ backup: { enabled: true, retention: "30d" } }));
    if (kept.backend !== "aurora") throw new Error("aurora expected");
    expect(backupArgs(kept)).toEqual({ backupRetentionPeriod: 30, deleteAutomatedBackups: false });
  });

  it("says in the notes where the cluster came from, that the block stays, and whether backups outlive the cluster", () => {
    const restored = build(aurora({ backup: { enabled: true }, restore: { from: "orders-prod", latest: true } }));
    if (restored.backend !== "aurora") throw new Error("aurora expected");
    const [from, kept] = backupNotes(restored);
    expect(from).toContain("restored from cluster orders-prod at its latest restorable time");
    expect(from).toContain("keeps the source's master user");
    expect(from).toContain("Keep the restore block");
    expect(kept).toContain("outlive the cluster");
    const plain = build(auroraBase());
    if (plain.backend !== "aurora") throw new Error("aurora expected");
    expect(backupNotes(plain)).toEqual([expect.stringContaining("deleted with the cluster")]);
  });
});

describe("the restore check, before the restored cluster is created", () => {
  const SOURCE: RestoreSourceDescription = {
    status: "available",
    engineVersion: "16.4",
    masterUsername: "app",
    storageEncrypted: true,
    earliest: "2026-11-29T05:00:00.000Z",
    latest: "2026-12-06T12:55:00.000Z",
  };

  async function problemsFor(restore: Raw, source: RestoreSourceDescription | undefined, patch: Raw = {}) {
    const topology = build(aurora({ restore, ...patch }));
    if (topology.backend !== "aurora") throw new Error("aurora expected");
    const expectation = restoreExpectation(topology)!;
    const id = expectation.source.kind === "retainedBackups" ? expectation.source.resourceId : expectation.source.id;
    const aws = {
      clusters: {},
      metrics: [],
      proxyTargets: [],
      deleted: [],
      setMetric: () => {},
      restoreSources: source ? { [`us-east-1/${id}`]: source } : {},
    };
    return checkRestoreSource(expectation, fakeAuroraApi(aws));
  }

  it("passes a source in the stack's region, on its major, with its user, and a target in the window", async () => {
    expect(await problemsFor({ from: "orders-prod", targetTime: "2026-12-06T06:40:00+01:00" }, SOURCE)).toEqual([]);
    expect(await problemsFor({ from: RESOURCE_ID, latest: true }, SOURCE)).toEqual([]);
  });

  it("fails on a source RDS does not find, naming the command that lists them", async () => {
    const [problem] = await problemsFor({ from: RESOURCE_ID, latest: true }, undefined);
    expect(problem).toContain(`the retained automated backups of ${RESOURCE_ID} was not found in us-east-1`);
    expect(problem).toContain("aws rds describe-db-cluster-automated-backups --region us-east-1");
  });

  it("fails on a target time outside the source's restore window, naming the window", async () => {
    expect(AURORA_RESTORE.restoreWindow.value).toMatchObject({ from: "EarliestRestorableTime" });
    const [problem] = await problemsFor({ from: "orders-prod", targetTime: "2026-11-20T00:00:00Z" }, SOURCE);
    expect(problem).toContain(
      "restore.targetTime 2026-11-20T00:00:00Z is outside cluster orders-prod's restore window",
    );
    expect(problem).toContain("restore.latest: true");
  });

  it("fails on another major, another master user, and a key for an unencrypted point-in-time source", async () => {
    const source = { ...SOURCE, engineVersion: "15.10", masterUsername: "orders_admin", storageEncrypted: false };
    const key = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678";
    const problems = await problemsFor({ from: "orders-prod", latest: true }, source, {
      aurora: { ...(auroraBase().aurora as Raw), kmsKeyId: key },
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain("set postgresVersion: 15");
    expect(problems[1]).toContain("set user: orders_admin");
    expect(problems[2]).toContain("remove aurora.kmsKeyId, or restore from a snapshot");
  });

  it("fails, naming the command that must work, when AWS cannot be read", async () => {
    const topology = build(aurora({ restore: { from: "orders-prod", latest: true } }));
    if (topology.backend !== "aurora") throw new Error("aurora expected");
    const api = fakeAuroraApi({ clusters: {}, metrics: [], proxyTargets: [], deleted: [], setMetric: () => {} });
    api.describeRestoreSource = () => Promise.reject(new Error("getaddrinfo ENOTFOUND rds.us-east-1.amazonaws.com"));
    const [problem] = await checkRestoreSource(restoreExpectation(topology)!, api);
    expect(problem).toContain("the AWS API failed: getaddrinfo ENOTFOUND");
    expect(problem).toContain("aws rds describe-db-clusters --region us-east-1 must work");
  });

  it("fails on a snapshot still being made; a snapshot has no window to check", async () => {
    const problems = await problemsFor({ snapshot: "orders-2026-12-06" }, { ...SOURCE, status: "creating" });
    expect(problems).toEqual([expect.stringContaining("snapshot orders-2026-12-06 is creating, not available")]);
  });
});
