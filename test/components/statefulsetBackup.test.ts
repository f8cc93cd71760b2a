/**
 * Issue 22 part C under mocks: a statefulset stack with `backup` archives from every database pod through one
 * pgbackrest.conf, its repository's keys only as Secret references, its pvc:// claim mounted; the stanza Job and the
 * CronJob exec pgBackRest in the writer's pod with RBAC for nothing else; a restored stack's writer restores before
 * its first start and its replicas do not; the volumes outlive the StatefulSets and, on a stack that is not a
 * preview, the Namespace. Each against the facts the choice relies on.
 */
import { describe, expect, it } from "vitest";
import { STATEFULSET_PVC_RETENTION } from "../../components/facts/backup/pvc";
import { STATEFULSET_IMAGES } from "../../components/facts/images";
import { KUBECTL_IMAGE, PULUMI_KUBERNETES } from "../../components/facts/kubernetes";
import { PATHS } from "../../components/kubernetes/conventions";
import { SETTING_CONTEXTS } from "../../components/facts/postgres";
import { TYPES, ofType } from "../support/graph";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

const CRONJOB = "kubernetes:batch/v1:CronJob";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const NAMESPACE = "kubernetes:core/v1:Namespace";

async function staging(patch: Record<string, unknown>): Promise<ProgramRun> {
  return runProgram("staging", (config) => {
    const result = { ...config };
    for (const [key, value] of Object.entries(patch)) result[`pg-read-replicas:${key}`] = JSON.stringify(value);
    return result;
  });
}

const pvcBackup = { enabled: true, repository: "pvc://pg-backups", schedule: "30 2 * * *", retention: "3" };
const s3Backup = {
  enabled: true,
  repository: "s3://acme-backups/staging",
  s3: { secretName: "backup-keys", region: "eu-west-1" },
};

const containers = (sts: Registered): any[] => [
  ...(sts.inputs.spec.template.spec.initContainers ?? []),
  ...sts.inputs.spec.template.spec.containers,
];
const postgres = (sts: Registered) => containers(sts).find((c) => c.name === "postgres");
const scripts = (run: ProgramRun): Record<string, string> =>
  ofType(run, TYPES.configMap).find(
    (c) => c.inputs.metadata.name.endsWith("-scripts") && c.inputs.data["pgbackrest.conf"],
  )!.inputs.data;

describe("a statefulset stack with backup", () => {
  it("archives from every database pod through one pgbackrest.conf on the mounted pvc:// claim", async () => {
    const run = await staging({ backup: pvcBackup });
    const conf = scripts(run)["pgbackrest.conf"]!;
    expect(conf).toContain("repo1-path=/var/lib/pgbackrest/pg-backups");
    expect(conf).toContain(`pg1-path=${PATHS.pgdata}`);
    expect(conf).toContain("repo1-retention-full=3");
    for (const sts of ofType(run, TYPES.statefulSet)) {
      const where = sts.inputs.metadata.name;
      expect(postgres(sts).image, where).toBe(STATEFULSET_IMAGES.postgresWithBackup(15));
      expect(postgres(sts).volumeMounts, where).toContainEqual(
        expect.objectContaining({ mountPath: "/var/lib/pgbackrest/pg-backups" }),
      );
      expect(sts.inputs.spec.template.spec.volumes, where).toContainEqual(
        expect.objectContaining({ persistentVolumeClaim: { claimName: "pg-backups" } }),
      );
    }
    for (const map of ofType(run, TYPES.configMap).filter((c) => c.inputs.data?.["postgresql.conf"])) {
      const text = map.inputs.data["postgresql.conf"] as string;
      expect(text).toContain("archive_mode = on");
      expect(text).toContain(`--config=${PATHS.pgbackrestConf}`);
      expect(text).toContain("restore_command");
    }
  });

  it("takes the S3 keys from backup.s3.secretName as environment, never into a ConfigMap", async () => {
    const run = await staging({ backup: s3Backup });
    for (const sts of ofType(run, TYPES.statefulSet)) {
      const env = postgres(sts).env as Array<{ name: string; valueFrom?: any }>;
      expect(env.find((e) => e.name === "PGBACKREST_REPO1_S3_KEY")?.valueFrom).toEqual({
        secretKeyRef: { name: "backup-keys", key: "ACCESS_KEY_ID" },
      });
      expect(env.find((e) => e.name === "PGBACKREST_REPO1_S3_KEY_SECRET")?.valueFrom).toEqual({
        secretKeyRef: { name: "backup-keys", key: "ACCESS_SECRET_KEY" },
      });
    }
    const conf = scripts(run)["pgbackrest.conf"]!;
    expect(conf).toContain("repo1-s3-bucket=acme-backups");
    expect(conf).not.toMatch(/repo1-s3-key(-secret)?=/);
  });

  it("runs stanza-create after the writer and base backups on the schedule, exec'ing only into writer pods", async () => {
    const run = await staging({ backup: pvcBackup });
    const [cron] = ofType(run, CRONJOB);
    expect(cron!.inputs.spec.schedule).toBe("30 2 * * *");
    expect(cron!.inputs.spec.concurrencyPolicy).toBe("Forbid");
    const pod = cron!.inputs.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].command).toEqual([KUBECTL_IMAGE.entrypoint.value]);
    expect(pod.containers[0].args).toEqual(expect.arrayContaining(["$(WRITER_POD)", PATHS.backupScript]));
    const stanza = ofType(run, TYPES.job).find((j) => j.inputs.metadata.name.includes("-stanza-"))!;
    const primary = ofType(run, TYPES.statefulSet).find((s) => s.inputs.metadata.name.endsWith("-primary"))!;
    expect(stanza.dependencies).toContain(primary.urn);
    const [role] = ofType(run, ROLE);
    const pods = role!.inputs.rules.flatMap((rule: any) => rule.resourceNames);
    expect(new Set(pods)).toEqual(new Set(["pg-primary-0", "pg-replica-0", "pg-replica-1"]));
    expect(role!.inputs.rules.map((r: any) => r.resources[0]).sort()).toEqual(
      Object.keys(KUBECTL_IMAGE.execVerbs.value).sort(),
    );
  });
});

/** The restore_command a StatefulSet's servers run: from the postgresql.conf of the ConfigMap its pods mount. */
function restoreCommandOf(run: ProgramRun, sts: Registered): string | undefined {
  const config = (sts.inputs.spec.template.spec.volumes as any[]).find((v) => v.name === "config").configMap.name;
  const map = ofType(run, TYPES.configMap).find((c) => c.inputs.metadata.name === config)!;
  const match = /^restore_command = '((?:[^']|'')*)'/m.exec(map.inputs.data["postgresql.conf"] as string);
  return match?.[1]!.replace(/''/g, "'");
}

const pgbackrestEnv = (container: any) =>
  (container.env as Array<{ name: string }>).filter((e) => e.name.startsWith("PGBACKREST_"));
const repositoryMountsOf = (container: any) =>
  (container.volumeMounts as Array<{ mountPath: string }>).filter((m) =>
    m.mountPath.startsWith(PATHS.repositoryMounts),
  );
const seed = (sts: Registered) => containers(sts).find((c) => c.name === "seed-replica");

describe("a replica's seed step on a stack that archives (a lost slot catches up from the archive)", () => {
  const archiving: Array<[string, () => Promise<ProgramRun>]> = [
    ["staging, pvc://", () => staging({ backup: pvcBackup })],
    ["staging, s3://", () => staging({ backup: s3Backup })],
    [
      "prod (regions), pvc://",
      () => runProgram("prod", (c) => ({ ...c, "pg-read-replicas:backup": JSON.stringify(pvcBackup) })),
    ],
    [
      "prod (regions), s3://",
      () => runProgram("prod", (c) => ({ ...c, "pg-read-replicas:backup": JSON.stringify(s3Backup) })),
    ],
  ];

  it.each(archiving)(
    "%s: has the database container's pgBackRest keys and mounts, and its restore_command",
    async (_, start) => {
      const run = await start();
      const replicas = ofType(run, TYPES.statefulSet).filter((sts) => seed(sts) !== undefined);
      expect(replicas.length).toBeGreaterThan(0);
      for (const sts of replicas) {
        const where = sts.inputs.metadata.name;
        const [theirs, ours] = [postgres(sts), seed(sts)];
        expect(ours.image, where).toBe(theirs.image);
        expect(pgbackrestEnv(ours), where).toEqual(pgbackrestEnv(theirs));
        expect(repositoryMountsOf(ours), where).toEqual(repositoryMountsOf(theirs));
        // pgbackrest.conf (the restore_command's --config) is in the scripts volume both mount.
        for (const container of [ours, theirs])
          expect(container.volumeMounts, where).toContainEqual(
            expect.objectContaining({ mountPath: PATHS.scriptsDir }),
          );
        expect(scripts(run)["pgbackrest.conf"]).toBeDefined();
        const command = restoreCommandOf(run, sts);
        expect(command, where).toContain(`--config=${PATHS.pgbackrestConf}`);
        expect(ours.env, where).toContainEqual({ name: "RESTORE_COMMAND", value: command });
      }
      // The comparison above is not vacuous: replicas of the primary's cluster reach the repository.
      const reaches = (sts: Registered) =>
        pgbackrestEnv(postgres(sts)).length + repositoryMountsOf(postgres(sts)).length > 0;
      expect(replicas.some(reaches)).toBe(true);
    },
  );

  it("has no RESTORE_COMMAND, keys or repository mount on a stack without a backup (it re-seeds a lost slot)", async () => {
    for (const run of [await staging({}), await runProgram("prod")]) {
      const replicas = ofType(run, TYPES.statefulSet).filter((sts) => seed(sts) !== undefined);
      expect(replicas.length).toBeGreaterThan(0);
      for (const sts of replicas) {
        expect(restoreCommandOf(run, sts)).toBeUndefined();
        expect((seed(sts).env as Array<{ name: string }>).map((e) => e.name)).not.toContain("RESTORE_COMMAND");
        expect(pgbackrestEnv(seed(sts))).toEqual([]);
        expect(repositoryMountsOf(seed(sts))).toEqual([]);
      }
    }
  });
});

describe("a stack with regions and a pvc:// repository", () => {
  it("mounts the claim only in the primary's cluster (a claim lives in one)", async () => {
    const run = await runProgram("prod", (config) => ({
      ...config,
      "pg-read-replicas:backup": JSON.stringify(pvcBackup),
    }));
    const mounted = (sts: Registered) =>
      (sts.inputs.spec.template.spec.volumes as any[]).some((v) => v.persistentVolumeClaim?.claimName === "pg-backups");
    const all = ofType(run, TYPES.statefulSet);
    const local = all.filter((sts) => !sts.name.includes("eu-west-1"));
    expect(all.filter(mounted).length).toBeGreaterThan(0);
    const remote = all.filter((sts) => sts.name.includes("eu-west-1"));
    expect(remote.length).toBeGreaterThan(0);
    expect(remote.some(mounted)).toBe(false);
    expect(local.every(mounted)).toBe(true);
  });
});

describe("what a change of the archive settings restarts", () => {
  const restartHashes = (run: ProgramRun) =>
    ofType(run, TYPES.statefulSet).map(
      (sts) => sts.inputs.spec.template.metadata.annotations["pg-read-replicas/restart-hash"] as string,
    );

  it("turning the archive on restarts the servers (archive_mode); a new archiveTimeout is a reload", async () => {
    const off = await staging({});
    const on = await staging({ backup: pvcBackup });
    const timeout = await staging({ backup: { ...pvcBackup, archiveTimeout: "5m" } });
    expect(SETTING_CONTEXTS.value.archive_mode).toBe("postmaster");
    expect(SETTING_CONTEXTS.value.archive_timeout).toBe("sighup");
    expect(restartHashes(on)).not.toEqual(restartHashes(off));
    expect(restartHashes(timeout)).toEqual(restartHashes(on));
  });
});

describe("a statefulset stack restored from a repository", () => {
  it("restores on the writer's first start only, after the start guard; replicas seed as usual", async () => {
    const run = await staging({
      backup: { ...pvcBackup, repository: "pvc://pg-backups-new" },
      restore: { from: "pvc://pg-backups", fromStack: "orders", targetTime: "2026-12-06T05:40:00Z" },
    });
    const script = scripts(run)["restore.sh"]!;
    expect(script).toContain("--type=time '--target=2026-12-06 05:40:00+00' --target-action=promote");
    expect(script).toContain('if [ -s "$PGDATA/PG_VERSION" ]');
    expect(script).toContain("--stanza=orders restore");
    for (const sts of ofType(run, TYPES.statefulSet)) {
      const names = (sts.inputs.spec.template.spec.initContainers as any[]).map((c) => c.name);
      if (sts.inputs.metadata.name.endsWith("-primary")) expect(names).toEqual(["start-guard", "restore"]);
      else expect(names).not.toContain("restore");
    }
  });
});

describe("a statefulset stack restored from another stack's bucket with its own keys (restore.s3.secretName)", () => {
  it("gives the restore step both Secrets under different names; restore.sh reads the source with the source's", async () => {
    const run = await staging({
      backup: s3Backup,
      restore: { from: "s3://old-backups/orders", latest: true, s3: { secretName: "old-keys" } },
    });
    const primary = ofType(run, TYPES.statefulSet).find((s) => s.inputs.metadata.name.endsWith("-primary"))!;
    const restore = containers(primary).find((c) => c.name === "restore");
    const env = new Map((restore.env as Array<{ name: string; valueFrom?: any }>).map((e) => [e.name, e.valueFrom]));
    expect(env.get("PGBACKREST_REPO1_S3_KEY")).toEqual({ secretKeyRef: { name: "backup-keys", key: "ACCESS_KEY_ID" } });
    expect(env.get("RESTORE_S3_KEY")).toEqual({ secretKeyRef: { name: "old-keys", key: "ACCESS_KEY_ID" } });
    expect(env.get("RESTORE_S3_KEY_SECRET")).toEqual({ secretKeyRef: { name: "old-keys", key: "ACCESS_SECRET_KEY" } });
    const files = scripts(run);
    const script = files["restore.sh"]!;
    expect(script).toContain(
      'from_source() { PGBACKREST_REPO1_S3_KEY="$RESTORE_S3_KEY" PGBACKREST_REPO1_S3_KEY_SECRET="$RESTORE_S3_KEY_SECRET" "$@"; }',
    );
    expect(script).toMatch(/^from_source pgbackrest --config=\S*pgbackrest-restore\.conf --stanza=orders restore/m);
    expect(script).toMatch(/^from_source postgres -D/m);
    // This stack's stanza-create runs with this stack's keys (not wrapped).
    expect(script).toMatch(/^command pgbackrest --config=\S*\/pgbackrest\.conf --stanza=staging stanza-create/m);
    expect(files["pgbackrest-restore.conf"]).toContain("repo1-s3-bucket=old-backups");
    expect(files["pgbackrest-restore.conf"]).not.toMatch(/^repo1-s3-key/m);
    // Only the restore step reads the source's Secret.
    for (const sts of ofType(run, TYPES.statefulSet))
      for (const container of containers(sts).filter((c) => c.name !== "restore"))
        expect(JSON.stringify(container.env ?? []), `${sts.inputs.metadata.name}/${container.name}`).not.toContain(
          "old-keys",
        );
  });

  it("without restore.s3, restore.sh reads the source with backup.s3's keys (the same Secret)", async () => {
    const run = await staging({ backup: s3Backup, restore: { from: "s3://old-backups/orders", latest: true } });
    const primary = ofType(run, TYPES.statefulSet).find((s) => s.inputs.metadata.name.endsWith("-primary"))!;
    const restore = containers(primary).find((c) => c.name === "restore");
    const env = new Map((restore.env as Array<{ name: string; valueFrom?: any }>).map((e) => [e.name, e.valueFrom]));
    expect(env.get("RESTORE_S3_KEY")).toEqual({ secretKeyRef: { name: "backup-keys", key: "ACCESS_KEY_ID" } });
  });
});

describe("volume protection", () => {
  it("keeps the claims when a StatefulSet goes (the API's defaults, written down)", async () => {
    const run = await staging({});
    for (const sts of ofType(run, TYPES.statefulSet))
      expect(sts.inputs.spec.persistentVolumeClaimRetentionPolicy).toEqual(STATEFULSET_PVC_RETENTION.defaults.value);
  });

  it("retains a non-preview stack's Namespace, whose deletion would delete every claim in it", async () => {
    expect(STATEFULSET_PVC_RETENTION.namespaceDeletionDeletesClaims.value).toBe(true);
    expect(PULUMI_KUBERNETES.retainOnDeleteSkipsDelete.value).toBe(true);
    const run = await staging({});
    const namespaces = ofType(run, NAMESPACE);
    expect(namespaces.length).toBeGreaterThan(0);
    for (const namespace of namespaces) expect(namespace.retainOnDelete, namespace.name).toBe(true);
  });

  it("lets a per-change preview's Namespace go with it", async () => {
    const run = await runProgram("pr", { "pg-read-replicas:changeId": "42" });
    const namespaces = ofType(run, NAMESPACE);
    expect(namespaces.length).toBeGreaterThan(0);
    for (const namespace of namespaces) expect(namespace.retainOnDelete, namespace.name).toBe(false);
  });
});
