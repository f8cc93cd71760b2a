/**
 * Issue 22 part C, pure parts: the image's Dockerfile holds to its facts, a stack with backup or restore runs an image
 * with pgBackRest (or is refused naming the key and the fix), restore targets become pgBackRest's options, and
 * `kubernetes backup` makes a Job from the CronJob and reports its verdict.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PGBACKREST } from "../../components/facts/backup/pgbackrest";
import { STATEFULSET_IMAGES } from "../../components/facts/images";
import { POSTGRES_BACKUP_IMAGE } from "../../components/facts/kubernetes";
import { PROJECT_ROOT } from "../../components/ground/paths";
import { backupNow, backupNowArgs } from "../../components/kubernetes/statefulset/backupNow";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { restoreTargetArgs } from "../../components/render/restoreScript";
import type { SelfHostedTopology } from "../../components/topology/types";
import { patched, refusalMessage, selfHostedBase } from "../support/configs";

const pvcBackup = { enabled: true, repository: "pvc://pg-backups" };

describe("the postgres image with pgBackRest", () => {
  const dockerfile = readFileSync(join(PROJECT_ROOT, POSTGRES_BACKUP_IMAGE.dockerfile.value.path), "utf8");

  it("starts from the image the engine runs otherwise and installs the pinned pgbackrest", () => {
    expect(dockerfile).toContain(`FROM ${POSTGRES_BACKUP_IMAGE.dockerfile.value.from}`);
    expect(STATEFULSET_IMAGES.postgres(16)).toBe("postgres:16-bookworm");
    expect(dockerfile).toContain(`ARG PGBACKREST_VERSION=${POSTGRES_BACKUP_IMAGE.pgbackrestPackage.value}`);
    expect(POSTGRES_BACKUP_IMAGE.pgbackrestPackage.value.startsWith(`${PGBACKREST.version.value}-`)).toBe(true);
    for (const dir of POSTGRES_BACKUP_IMAGE.directories.value) expect(dockerfile).toContain(dir);
  });

  it("is tagged with the major and pgBackRest's version", () => {
    expect(STATEFULSET_IMAGES.postgresWithBackup(17)).toMatch(new RegExp(`:17-bookworm-${PGBACKREST.version.value}$`));
  });

  it("is the default with backup or restore; an image of the user's must be declared to have pgBackRest", () => {
    const topology = topologyFromConfig(patched(selfHostedBase(), { backup: pvcBackup }))
      .topology as SelfHostedTopology;
    expect(topology.kubernetes.images.postgres).toBe(STATEFULSET_IMAGES.postgresWithBackup(16));
    const own = { namespace: "pg-test", images: { postgres: "registry.example/pg:16" } };
    const message = refusalMessage(patched(selfHostedBase(), { backup: pvcBackup, kubernetes: own }));
    expect(message).toContain('kubernetes.images.postgres = "registry.example/pg:16"');
    expect(message).toContain("postgresHasPgbackrest: true");
    const declared = { ...own, images: { ...own.images, postgresHasPgbackrest: true } };
    const accepted = topologyFromConfig(
      patched(selfHostedBase(), { backup: pvcBackup, kubernetes: declared }),
    ).topology;
    expect((accepted as SelfHostedTopology).kubernetes.images.postgres).toBe("registry.example/pg:16");
  });
});

describe("restore targets", () => {
  it("time (in the form pgBackRest parses) and LSN name their type (target-action needs one); latest replays everything", () => {
    expect(restoreTargetArgs({ type: "time", at: "2026-12-06T05:40:00Z" })).toEqual([
      "--type=time",
      "'--target=2026-12-06 05:40:00+00'",
      "--target-action=promote",
    ]);
    expect(PGBACKREST.targetActionNeedsType.value).toContain("lsn");
    expect(restoreTargetArgs({ type: "lsn", lsn: "0/1B048330" })[0]).toBe("--type=lsn");
    expect(restoreTargetArgs({ type: "latest" })).toEqual([]);
  });
});

describe("kubernetes backup", () => {
  const topology = topologyFromConfig(patched(selfHostedBase(), { backup: pvcBackup })).topology as SelfHostedTopology;
  const target = { namespace: "pg-test", timeoutS: 60 };
  const fake = (statuses: string[], sent: string[][]) => async (args: readonly string[]) => {
    sent.push([...args]);
    if (args.includes("cronjob")) return "cronjob.batch/x\n";
    if (args[2] === "get" && args[3] === "job") return statuses.shift() ?? ",";
    if (args[2] === "logs") return "backup: full backup done\n";
    return "";
  };
  const options = { now: new Date("2026-12-06T05:40:00Z"), pollMs: 0, sleep: async () => {}, elapsedMs: () => 0 };

  it("creates a Job from the CronJob and waits for its verdict", async () => {
    const sent: string[][] = [];
    const result = await backupNow(topology, target, fake([",", "1,"], sent), options);
    expect(result.succeeded).toBe(true);
    expect(sent).toContainEqual(["--namespace", "pg-test", ...backupNowArgs.createJob(result.job, "pg-backup")]);
    expect(result.job).toBe("pg-backup-manual-20261206t054000");
    expect(result.log).toContain("full backup done");
  });

  it("refuses a stack without backup before calling kubectl", async () => {
    const bare = topologyFromConfig(selfHostedBase()).topology as SelfHostedTopology;
    const sent: string[][] = [];
    await expect(backupNow(bare, target, fake([], sent), options)).rejects.toThrow(/has no backup: set backup.enabled/);
    expect(sent).toEqual([]);
  });

  it("reports a failed Job as failed", async () => {
    const result = await backupNow(topology, target, fake([",1"], []), options);
    expect(result.succeeded).toBe(false);
  });
});
