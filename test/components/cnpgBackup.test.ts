/**
 * The cloudnative-pg engine's backups, archive-fed replica clusters and restore (issue 22) under Pulumi's mocks: the
 * Barman Cloud plugin's ObjectStore (checked against the plugin's CRD at v0.14.0), the Cluster's WAL archiver entry,
 * the ScheduledBackup, replica clusters reading the archive beside their stream, and a restored stack's
 * bootstrap.recovery; each field held to the plugin's and the operator's facts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { BARMAN_PLUGIN, CNPG_BACKUP_API } from "../../components/facts/backup";
import { CNPG_OPERATOR } from "../../components/facts/cnpg";
import { CLUSTER, expectClustersTheWebhookTakes } from "../support/cnpgFacts";
import { TYPES, k8sObject, ofType } from "../support/graph";
import { isKubernetesObject, validateKubernetesObject } from "../support/kubernetesSchema";
import { type ProgramRun, type Registered, registeredByHand, runProgram } from "../support/pulumiMocks";
import { observeCnpg } from "../support/transitions/observeCnpg";

const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

const backup = {
  enabled: true,
  repository: "s3://acme-pg/prod/orders",
  schedule: "0 3 * * *",
  retention: "14d",
  s3: { secretName: "pg-backup-keys", region: "us-east-1" },
};

function patch(extra: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(extra).map(([key, value]) => [`pg-read-replicas:${key}`, JSON.stringify(value)]),
  );
}

const named = (run: ProgramRun, type: string, name: string, owner?: string): Registered =>
  k8sObject(run, type, name, owner);

type Spec = Record<string, any>;
const spec = (resource: Registered): Spec => resource.inputs.spec as Spec;

describe("prod-cnpg with backup to s3 (two regions)", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("prod-cnpg", patch({ backup }));
  }, 120_000);

  it("every object passes its schema: the ObjectStore the plugin's v0.14.0 CRD, the ScheduledBackup the operator's", () => {
    const kube = run.resources.filter(isKubernetesObject);
    for (const resource of kube) validateKubernetesObject(resource);
    expect(ofType(run, OBJECT_STORE).length).toBeGreaterThan(0);
    expect(ofType(run, SCHEDULED)).toHaveLength(1);
    expectClustersTheWebhookTakes(run);
  });

  it("archives the main Cluster's WAL through the plugin, into the stack's own serverName", () => {
    const plugins = spec(named(run, CLUSTER, "pg")).plugins as Spec[];
    expect(plugins).toEqual([
      {
        name: BARMAN_PLUGIN.name.value,
        isWALArchiver: true,
        parameters: { barmanObjectName: "pg-archive", serverName: "orders" },
      },
    ]);
    // The stack's archive_timeout (default 60s) instead of the operator's default.
    expect(spec(named(run, CLUSTER, "pg")).postgresql.parameters.archive_timeout).toBe("60s");
    expect(CNPG_BACKUP_API.archiveTimeoutDefault.value).toBe("5min");
    expect(spec(named(run, CLUSTER, "pg-olap")).postgresql.parameters).not.toHaveProperty("archive_timeout");
    // At most one WAL archiver (the operator's webhook).
    expect(plugins.filter((p) => p.isWALArchiver)).toHaveLength(1);
    expect(CNPG_BACKUP_API.oneWalArchiver.value).toContain("at most one");
  });

  it("an ObjectStore in every region: s3 path and keys by reference, retention only where the primary archives", () => {
    const stores = ofType(run, OBJECT_STORE);
    expect(stores.map((s) => s.name).sort()).toEqual(["pg-eu-west-1-pg-archive", "pg-us-east-1-pg-archive"]);
    const primary = spec(stores.find((s) => s.name.startsWith("pg-us-east-1"))!);
    expect(primary).toEqual({
      configuration: {
        destinationPath: "s3://acme-pg/prod/orders/",
        s3Credentials: {
          accessKeyId: { name: "pg-backup-keys", key: "ACCESS_KEY_ID" },
          secretAccessKey: { name: "pg-backup-keys", key: "ACCESS_SECRET_KEY" },
        },
        wal: { compression: "gzip" },
      },
      retentionPolicy: "14d",
      instanceSidecarConfiguration: {
        env: [{ name: "AWS_DEFAULT_REGION", value: "us-east-1" }],
        resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      },
    });
    expect(primary.retentionPolicy).toMatch(new RegExp(BARMAN_PLUGIN.retentionPattern.value));
    const remote = spec(stores.find((s) => s.name.startsWith("pg-eu-west-1"))!);
    expect(remote).not.toHaveProperty("retentionPolicy");
    expect(remote.configuration).toEqual(primary.configuration);
    // The keys are never copied into a Secret the stack owns.
    expect(ofType(run, TYPES.secret).map((s) => s.inputs.metadata?.name)).not.toContain("pg-backup-keys");
  });

  it("keeps instance pods Guaranteed: the plugin's sidecar gets requests equal to limits from every ObjectStore", () => {
    // The plugin takes the sidecar's resources from one of the Cluster's ObjectStores (archive, recovery or replica
    // source): each one the stack renders must carry them, cpu and memory, requests equal to limits.
    expect(BARMAN_PLUGIN.sidecarResources.value.field).toBe("instanceSidecarConfiguration.resources");
    for (const store of ofType(run, OBJECT_STORE)) {
      const resources = spec(store).instanceSidecarConfiguration.resources;
      expect(Object.keys(resources.limits).sort(), store.name).toEqual(["cpu", "memory"]);
      expect(resources.requests, store.name).toEqual(resources.limits);
    }
    for (const cluster of ofType(run, CLUSTER)) {
      const { requests, limits } = spec(cluster).resources;
      expect(requests, cluster.name).toEqual(limits);
    }
  });

  it("a ScheduledBackup of the main Cluster on the schedule with seconds, by the plugin", () => {
    const scheduled = ofType(run, SCHEDULED)[0]!;
    expect(spec(scheduled)).toEqual({
      schedule: "0 0 3 * * *",
      cluster: { name: "pg" },
      method: "plugin",
      pluginConfiguration: { name: BARMAN_PLUGIN.name.value },
      target: "prefer-standby",
      backupOwnerReference: "self",
      immediate: true,
    });
    expect((spec(scheduled).schedule as string).split(" ")).toHaveLength(6);
    expect(CNPG_BACKUP_API.scheduledBackup.value.schedule).toContain("6-field");
    expect(scheduled.dependencies).toContain(named(run, CLUSTER, "pg").urn);
  });

  it("replica clusters stream and read the main Cluster's archive: a gap past wal_keep_size needs no new clone", () => {
    for (const name of ["pg-olap", "pg-eu-west-1"]) {
      const cluster = spec(named(run, CLUSTER, name));
      // The OLAP replica cluster is standalone; eu-west-1's is a member of the distributed topology.
      expect(cluster.replica).toEqual(
        name === "pg-olap" ? { enabled: true, source: "primary" } : { primary: "pg", source: "pg" },
      );
      const source = (cluster.externalClusters as Spec[]).find((e) => e.name === cluster.replica.source)!;
      expect(source.connectionParameters).toBeDefined();
      expect(source.plugin).toEqual({
        name: BARMAN_PLUGIN.name.value,
        parameters: { barmanObjectName: "pg-archive", serverName: "orders" },
      });
      // A replica cluster archives nothing of its own.
      expect(cluster).not.toHaveProperty("plugins");
    }
    expect(CNPG_BACKUP_API.replicaFromArchiveAndStreaming.value).toBe(true);
    // Each region's Clusters wait for the ObjectStore they name.
    const remoteStore = ofType(run, OBJECT_STORE).find((s) => s.name.startsWith("pg-eu-west-1"))!;
    expect(named(run, CLUSTER, "pg-eu-west-1").dependencies).toContain(remoteStore.urn);
  });

  it("checks the plugin's CRD is there in every region (the operator is not installed by this stack)", () => {
    const reads = run.reads.filter((r) => r.type === CRD);
    expect(reads.filter((r) => r.id === BARMAN_PLUGIN.manifestObjects.value.crd)).toHaveLength(2);
    expect(ofType(run, CONFIG_FILE)).toHaveLength(0);
  });
});

describe("a restored stack", () => {
  const restore = { from: "s3://acme-pg/prod/orders", targetTime: "2026-12-06T05:40:00Z" };
  const ownBackup = { ...backup, repository: "s3://acme-pg/prod/orders-restored" };

  it("bootstraps the main Cluster from the source's archive to the target, then archives to its own serverName", async () => {
    const run = await runProgram("prod-cnpg", patch({ backup: ownBackup, restore }));
    for (const resource of run.resources.filter(isKubernetesObject)) validateKubernetesObject(resource);
    expectClustersTheWebhookTakes(run);
    const main = spec(named(run, CLUSTER, "pg"));
    expect(main.bootstrap).toEqual({
      recovery: {
        source: "origin",
        recoveryTarget: { targetTime: "2026-12-06T05:40:00Z" },
        database: "app",
        owner: "app",
        secret: { name: "pg-app-user" },
      },
    });
    expect((main.externalClusters as Spec[])[0]).toEqual({
      name: "origin",
      plugin: {
        name: BARMAN_PLUGIN.name.value,
        parameters: { barmanObjectName: "pg-restore-source", serverName: "orders" },
      },
    });
    // Then the distributed topology's members (eu-west-1 has replicas).
    expect((main.externalClusters as Spec[]).map((e) => e.name)).toEqual(["origin", "pg", "pg-eu-west-1"]);
    // The plugin refuses to archive into a folder that holds WAL: the restored stack's own serverName differs.
    const archiver = (main.plugins as Spec[])[0]!;
    expect(archiver.parameters.serverName).toBe("orders-restored");
    expect(BARMAN_PLUGIN.emptyArchiveCheck.value.marker).toBe(".check-empty-wal-archive");
    const source = named(run, OBJECT_STORE, "pg-restore-source");
    expect(spec(source).configuration.destinationPath).toBe("s3://acme-pg/prod/orders/");
    expect(spec(source)).not.toHaveProperty("retentionPolicy");
    // Only the primary's region reads the source.
    expect(ofType(run, OBJECT_STORE).filter((s) => s.inputs.metadata.name === "pg-restore-source")).toHaveLength(1);
  });

  it("reads the source with restore.s3.secretName when the source bucket has keys of its own", async () => {
    const run = await runProgram(
      "prod-cnpg",
      patch({ backup: ownBackup, restore: { ...restore, s3: { secretName: "old-keys" } } }),
    );
    const source = spec(named(run, OBJECT_STORE, "pg-restore-source")).configuration.s3Credentials;
    expect(source.accessKeyId).toEqual({ name: "old-keys", key: "ACCESS_KEY_ID" });
    const own = ofType(run, OBJECT_STORE).filter((s) => s.inputs.metadata.name !== "pg-restore-source");
    expect(own.length).toBeGreaterThan(0);
    for (const store of own) expect(JSON.stringify(spec(store))).not.toContain("old-keys");
  });

  it("to an LSN, or to the end of the archive (no recoveryTarget: the newest backup, then every WAL)", async () => {
    const lsn = await runProgram(
      "prod-cnpg",
      patch({ backup: ownBackup, restore: { from: restore.from, targetLsn: "0/5000060" } }),
    );
    expect(spec(named(lsn, CLUSTER, "pg")).bootstrap.recovery.recoveryTarget).toEqual({ targetLSN: "0/5000060" });
    const latest = await runProgram(
      "prod-cnpg",
      patch({ backup: ownBackup, restore: { from: restore.from, latest: true } }),
    );
    expect(spec(named(latest, CLUSTER, "pg")).bootstrap.recovery).not.toHaveProperty("recoveryTarget");
    expect(BARMAN_PLUGIN.recoveryBackupChoice.value.byTarget).toEqual(["targetTime", "targetLSN"]);
  });
});

describe("the plugin with an operator the stack installs", () => {
  it("applies the pinned release manifest after the operator's chart, in every region", async () => {
    const run = await runProgram(
      "prod-cnpg",
      patch({
        backup,
        kubernetes: { engine: "cloudnative-pg", namespace: "pg-prod", cloudnativePg: { installOperator: true } },
      }),
    );
    const files = ofType(run, CONFIG_FILE);
    expect(files).toHaveLength(2);
    expect(files[0]!.inputs.file).toBe(BARMAN_PLUGIN.manifestUrl.value);
    const releases = ofType(run, "kubernetes:helm.sh/v3:Release");
    const east = files.find((f) => f.name.startsWith("pg-us-east-1"))!;
    expect(east.dependencies).toContain(releases.find((r) => r.name.startsWith("pg-us-east-1"))!.urn);
    // cert-manager is read first: the manifest's Certificates need it.
    expect(run.reads.filter((r) => r.type === CRD && r.id === BARMAN_PLUGIN.certManagerCrd.value)).toHaveLength(2);
    expect(run.reads.filter((r) => r.id === BARMAN_PLUGIN.manifestObjects.value.crd)).toHaveLength(0);
    const store = ofType(run, OBJECT_STORE).find((s) => s.name.startsWith("pg-us-east-1"))!;
    expect(store.dependencies).toContain(east.urn);
  });
});

describe("turning backup on for a running stack (day two)", () => {
  it("rolls every instance to add the plugin's sidecar; the writer is recreated in place, not switched over", async () => {
    const before = await runProgram("prod-cnpg");
    const after = await runProgram("prod-cnpg", patch({ backup }));
    expect(observeCnpg(before, after)).toMatchObject({
      // archive_timeout is reloaded; the sidecar needs new pods.
      writer: "reload, restart",
      replicas: "reload, restart",
      olap: "restart",
      writePool: "—",
      readPool: "—",
    });
    expect(CNPG_BACKUP_API.archiverOnRunningCluster.value.primary).toContain("in place");
    // The data stays: no Cluster is replaced (bootstrap unchanged), only their pods roll.
    for (const cluster of ofType(after, CLUSTER)) {
      const was = ofType(before, CLUSTER).find((c) => c.name === cluster.name)!;
      expect(spec(cluster).bootstrap).toEqual(spec(was).bootstrap);
    }
  });
});

describe("without backup", () => {
  it("renders none of it: no ObjectStore, no plugin on any Cluster, no archive source (running stacks unchanged)", async () => {
    const run = await runProgram("prod-cnpg");
    expect(ofType(run, OBJECT_STORE)).toHaveLength(0);
    expect(ofType(run, SCHEDULED)).toHaveLength(0);
    for (const cluster of ofType(run, CLUSTER)) {
      expect(spec(cluster)).not.toHaveProperty("plugins");
      for (const external of (spec(cluster).externalClusters ?? []) as Spec[])
        expect(external).not.toHaveProperty("plugin");
    }
    expect(run.reads.filter((r) => r.type === CRD).map((r) => r.id)).toEqual([
      CNPG_OPERATOR.crds.value.cluster,
      CNPG_OPERATOR.crds.value.cluster,
    ]);
  });
});

describe("the ObjectStore schema check", () => {
  const store = (specPatch: Record<string, unknown>): Registered =>
    registeredByHand(OBJECT_STORE, {
      apiVersion: BARMAN_PLUGIN.objectStoreApi.value.apiVersion,
      kind: "ObjectStore",
      metadata: { name: "broken" },
      spec: { configuration: { destinationPath: "s3://b/" }, ...specPatch },
    });
  it("rejects a count as retentionPolicy, an unknown field and a missing destinationPath", () => {
    expect(() => validateKubernetesObject(store({ retentionPolicy: "7" }))).toThrow(/does not match/);
    expect(() => validateKubernetesObject(store({ retention: "7d" }))).toThrow(/spec\.retention: is not in the schema/);
    expect(() => validateKubernetesObject(store({ configuration: {} }))).toThrow(/destinationPath: is required/);
    expect(() => validateKubernetesObject(store({ retentionPolicy: "7d" }))).not.toThrow();
  });
  it("the operator's version check already covers the plugin's minimum", () => {
    const since = CNPG_OPERATOR.requiredCrdFields.value
      .map((f) => f.since)
      .sort()
      .at(-1)!;
    const major = (v: string) => v.split(".").map(Number) as [number, number];
    const [a, b] = major(since);
    const [c, d] = major(BARMAN_PLUGIN.minimumOperator.value);
    expect(a > c || (a === c && b >= d)).toBe(true);
  });
});
