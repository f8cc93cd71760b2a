/**
 * Issue 22, the model: the `backup` and `restore` blocks are checked per backend with messages naming the key, the
 * value and the fix; until a backend ships them, asking for them is refused there, never accepted and ignored; and
 * what admission lets through builds the Topology's `backup` and `restore` parts.
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../components/config/parse";
import { resolveConfig } from "../../components/config/resolve";
import { admitConfig } from "../../components/pipeline/admit";
import { localBackupLocation } from "../../components/topology/backup";
import { buildTopology } from "../../components/topology/build";
import type { Topology } from "../../components/topology/types";
import { PROJECT_ROOT } from "../../components/ground/paths";
import {
  type Raw,
  auroraBase,
  cnpgConfig,
  localBase,
  patched,
  refusalMessage,
  selfHostedBase,
} from "../support/configs";
import { build } from "../support/topologies";

const NOT_YET = "is not available yet on";

/** The Topology a config would build once its backend ships backups: every rule but that refusal must pass. */
function builtPastRefusal(config: Raw): Topology {
  const parsed = parseStackConfig(config);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const resolved = resolveConfig(parsed.config);
  const issues = admitConfig(resolved).issues.filter((issue) => !issue.problem.includes(NOT_YET));
  expect(issues).toEqual([]);
  return buildTopology(resolved);
}

const local = (patch: Raw) => patched(localBase(), patch);
const selfHosted = (patch: Raw) => patched(selfHostedBase(), patch);
const aurora = (patch: Raw) => patched(auroraBase(), patch);
const s3Backup = { enabled: true, repository: "s3://backups/prod/orders", s3: { secretName: "backup-keys" } };

interface Row {
  mistake: string;
  config: Raw;
  expect: string[];
}

const rows: Row[] = [
  {
    mistake: "a schedule that is not cron",
    config: local({ backup: { schedule: "daily" } }),
    expect: ['backup.schedule = "daily"', "is not a 5-field cron schedule", '"0 3 * * *"'],
  },
  {
    mistake: "a retention in weeks",
    config: local({ backup: { retention: "2w" } }),
    expect: ['backup.retention = "2w"', "is not a retention", "7d"],
  },
  {
    mistake: "an archive timeout below 30s",
    config: local({ backup: { archiveTimeout: "5s" } }),
    expect: ["backup.archiveTimeout", "must be from 30s to 1h", "use e.g. 60s"],
  },
  {
    mistake: "a target time without a zone",
    config: local({ restore: { from: "/srv/backups/orders", targetTime: "2026-12-06T05:40:00" } }),
    expect: ['restore.targetTime = "2026-12-06T05:40:00"', "needs a zone: the servers run UTC", "Z"],
  },
  {
    mistake: "a malformed LSN",
    config: local({ restore: { from: "/srv/backups/orders", targetLsn: "1B048330" } }),
    expect: ['restore.targetLsn = "1B048330"', "is not an LSN", '"0/1B048330"'],
  },
  {
    mistake: "two restore targets",
    config: local({ restore: { from: "/srv/backups/orders", targetTime: "2026-12-06T05:40:00Z", latest: true } }),
    expect: ["restore = ", "sets targetTime and latest: only one target can apply", "set exactly one of"],
  },
  {
    mistake: "no restore target",
    config: local({ restore: { from: "/srv/backups/orders" } }),
    expect: ["restore = ", "names no target", "targetTime, targetLsn, latest: true"],
  },
  {
    mistake: "a restored stack archiving into its source's repository",
    config: local({
      backup: { enabled: true, repository: "/srv/backups/orders/" },
      restore: { from: "/srv/backups/orders", latest: true },
    }),
    expect: ['backup.repository = "/srv/backups/orders/"', "into the source's archive", "a repository of its own"],
  },
  {
    mistake: "a local repository inside the stacks' state",
    config: local({ backup: { repository: `${PROJECT_ROOT}/.pg-read-replicas/orders/backups` } }),
    expect: ["backup.repository = ", "local down would delete the backups", "outside it"],
  },
  {
    mistake: "a local repository in object storage",
    config: local({ backup: { enabled: true, repository: "s3://backups/orders" } }),
    expect: ['backup.repository = "s3://backups/orders"', "is not a repository backend local can use", "absolute"],
  },
  {
    mistake: "a relative local repository",
    config: local({ restore: { from: "backups/orders", latest: true } }),
    expect: ['restore.from = "backups/orders"', "is not a repository backend local can use"],
  },
  {
    mistake: "s3 settings on the local backend",
    config: local({ backup: { s3: { region: "eu-west-1" } } }),
    expect: ["backup.s3", "is not used by the local backend", "absolute directory"],
  },
  {
    mistake: "Kubernetes backups without a repository",
    config: selfHosted({ backup: { enabled: true } }),
    expect: ["backup.repository = (not set)", "is required when backup.enabled is true", "s3://bucket/prefix"],
  },
  {
    mistake: "an s3 repository without keys",
    config: selfHosted({ backup: { enabled: true, repository: "s3://backups/orders" } }),
    expect: ["backup.s3.secretName = (not set)", "needs the bucket's keys", "ACCESS_KEY_ID"],
  },
  {
    mistake: "restore.s3 for a source that is not in object storage",
    config: selfHosted({
      restore: { from: "pvc://pg-archive", fromStack: "orders", latest: true, s3: { secretName: "old-keys" } },
    }),
    expect: ["restore.s3 = ", "is set but restore.from is not s3://", "remove restore.s3"],
  },
  {
    mistake: "an s3 restore source without keys on the statefulset engine",
    config: selfHosted({ restore: { from: "s3://old-backups/prod/orders", latest: true } }),
    expect: ["restore.s3.secretName = (not set)", "reads the source bucket with those keys", "ACCESS_KEY_ID"],
  },
  {
    mistake: "restore.s3 on the local backend",
    config: local({ restore: { from: "/srv/backups/orders", latest: true, s3: { secretName: "old-keys" } } }),
    expect: ["restore.s3", "is not used by the local backend", "a directory"],
  },
  {
    mistake: "restore.s3 on Aurora",
    config: aurora({ restore: { from: "orders-prod", latest: true, s3: { secretName: "old-keys" } } }),
    expect: ["restore.s3", "does not apply on Aurora", "remove restore.s3"],
  },
  {
    mistake: "a misspelt key in restore.s3",
    config: selfHosted({
      backup: s3Backup,
      restore: { from: "s3://old-backups/prod/orders", latest: true, s3: { secret: "old-keys" } },
    }),
    expect: ["restore.s3", "secret"],
  },
  {
    mistake: "a volume repository on the cloudnative-pg engine",
    config: cnpgConfig({ backup: { enabled: true, repository: "pvc://pg-archive" } }),
    expect: ['backup.repository = "pvc://pg-archive"', "(cloudnative-pg engine)", "object storage only"],
  },
  {
    mistake: "a snapshot restore off Aurora",
    config: selfHosted({ restore: { snapshot: "snap-1", latest: true } }),
    expect: ["restore.snapshot", "applies only to backend aurora", "restore.from"],
  },
  {
    mistake: "a backup schedule on Aurora",
    config: aurora({ backup: { schedule: "0 3 * * *" } }),
    expect: ["backup.schedule", "one automated backup a day", "aurora.preferredBackupWindow"],
  },
  {
    mistake: "an LSN target on Aurora",
    config: aurora({ restore: { from: "orders-prod", targetLsn: "0/1B048330" } }),
    expect: ["restore.targetLsn", "to a time or to the latest restorable time only", "restore.latest: true"],
  },
  {
    mistake: "an Aurora retention beyond 35 days",
    config: aurora({ backup: { retention: "40d" } }),
    expect: ['backup.retention = "40d"', "whole days from 1 to 35", "7d"],
  },
  {
    mistake: "an Aurora retention by count",
    config: aurora({ backup: { retention: "3" } }),
    expect: ["backup.retention = 3", "whole days from 1 to 35"],
  },
  {
    mistake: "both a source cluster and a snapshot on Aurora",
    config: aurora({ restore: { from: "orders-prod", snapshot: "snap-1" } }),
    expect: ["restore = ", "needs exactly one of from (a source cluster) and snapshot"],
  },
  {
    mistake: "a target with a snapshot on Aurora",
    config: aurora({ restore: { snapshot: "snap-1", latest: true } }),
    expect: ["restore.latest = true", "does not apply to a snapshot", "restore.from"],
  },
];

describe("backup and restore config", () => {
  it.each(rows)("refuses $mistake, naming the key, the value and the fix", ({ config, expect: parts }) => {
    const message = refusalMessage(config);
    for (const part of parts) expect(message).toContain(part);
  });

  it("accepts a stack that leaves backups off, and builds it exactly as one without the blocks", () => {
    for (const base of [localBase(), selfHostedBase(), cnpgConfig(), auroraBase()]) {
      const plain = build(base);
      const backup = base.backend === "aurora" ? { enabled: false } : { enabled: false, schedule: "0 4 * * *" };
      const off = build(patched(base, { backup }));
      expect(off).toEqual(plain);
      expect(plain).not.toHaveProperty("backup");
      expect(plain).not.toHaveProperty("restore");
    }
  });
});

describe("until a backend ships backups", () => {
  const cases: Array<{ backend: string; config: Raw; where: string }> = [
    { backend: "local", config: localBase(), where: "the local backend" },
  ];

  it("local ships backups: backup.enabled: true is admitted", () => {
    const parsed = parseStackConfig(local({ backup: { enabled: true } }));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(admitConfig(resolveConfig(parsed.config)).issues).toEqual([]);
  });

  it.each(cases.filter((c) => c.backend !== "local"))(
    "$backend refuses backup.enabled: true, naming the key",
    ({ config, where }) => {
      const backup = config.backend === "selfHosted" ? s3Backup : { enabled: true };
      const message = refusalMessage(patched(config, { backup }));
      expect(message).toContain("backup.enabled = true");
      expect(message).toContain(`is not available yet on ${where}`);
      expect(message).toContain("nothing was created");
    },
  );

  // The local backend ships restore (components/local/restore.ts): test/integration/restore-drill.test.ts.
  const notRestoring = cases.filter((c) => c.backend !== "local");
  it.each(notRestoring)("$backend refuses restore, naming the key", ({ config, where }) => {
    const restore =
      config.backend === "aurora"
        ? { from: "orders-prod", latest: true }
        : { from: "s3://backups/prod/orders", latest: true };
    const message = refusalMessage(patched(config, { restore }));
    expect(message).toContain("restore = ");
    expect(message).toContain(`is not available yet on ${where}`);
  });
});

describe("the local backend ships restore", () => {
  it("admits restore from a directory, with the source's stanza and the target", () => {
    const topology = build(local({ restore: { from: "/srv/backups/orders", targetLsn: "0/3000060" } }));
    expect(topology.restore).toEqual({
      source: "repository",
      repository: { kind: "posix", path: "/srv/backups/orders" },
      stanza: "orders",
      target: { type: "lsn", lsn: "0/3000060" },
    });
  });

  it("admits backup.enabled beside it: the restored stack archives to a repository of its own", () => {
    const parsed = parseStackConfig(
      local({ backup: { enabled: true }, restore: { from: "/srv/backups/orders", latest: true } }),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(admitConfig(resolveConfig(parsed.config)).issues).toEqual([]);
  });
});

describe("the Topology's backup and restore", () => {
  it("local: pgBackRest into the default directory, its stanza the stack's name", () => {
    const topology = builtPastRefusal(local({ backup: { enabled: true } }));
    expect(topology.backup).toEqual({
      tool: "pgbackrest",
      repository: { kind: "posix" },
      schedule: "0 3 * * *",
      retention: { type: "time", days: 7 },
      archiveTimeoutSeconds: 60,
    });
    if (topology.backup?.tool !== "pgbackrest") throw new Error("pgbackrest expected");
    expect(localBackupLocation(topology.backup, "orders", "/home/me")).toEqual({
      path: "/home/me/.pg-read-replicas/backups/orders",
      stanza: "orders",
    });
  });

  it("local: a given directory names the stanza; a count retention and the restore target", () => {
    const topology = builtPastRefusal(
      local({
        backup: { enabled: true, repository: "/srv/backups/orders-restored", retention: "2", archiveTimeout: "2m" },
        restore: { from: "/srv/backups/orders", targetLsn: "0/1b048330" },
      }),
    );
    expect(topology.backup).toMatchObject({
      repository: { kind: "posix", path: "/srv/backups/orders-restored" },
      stanza: "orders-restored",
      retention: { type: "count", value: 2 },
      archiveTimeoutSeconds: 120,
    });
    expect(topology.restore).toEqual({
      source: "repository",
      repository: { kind: "posix", path: "/srv/backups/orders" },
      stanza: "orders",
      target: { type: "lsn", lsn: "0/1B048330" },
    });
  });

  it("statefulset: an s3 repository, parsed once", () => {
    const topology = builtPastRefusal(
      selfHosted({
        backup: { ...s3Backup, s3: { ...s3Backup.s3, endpoint: "minio.storage:9000", uriStyle: "path" } },
        restore: { from: "s3://backups/prod/orders-old", fromStack: "orders", targetTime: "2026-12-06T05:40:00Z" },
      }),
    );
    expect(topology.backup).toEqual({
      tool: "pgbackrest",
      repository: {
        kind: "s3",
        bucket: "backups",
        prefix: "prod/orders",
        endpoint: "minio.storage:9000",
        region: "us-east-1",
        secretName: "backup-keys",
        uriStyle: "path",
      },
      stanza: "orders",
      schedule: "0 3 * * *",
      retention: { type: "time", days: 7 },
      archiveTimeoutSeconds: 60,
    });
    expect(topology.restore).toMatchObject({ stanza: "orders", target: { type: "time", at: "2026-12-06T05:40:00Z" } });
  });

  it("cloudnative-pg: the Barman Cloud plugin, its schedule with seconds", () => {
    const topology = builtPastRefusal(cnpgConfig({ backup: { ...s3Backup, schedule: "30 2 * * 0" } }));
    expect(topology.backup).toMatchObject({
      tool: "barmanCloud",
      serverName: "orders",
      schedule: "0 30 2 * * 0",
      retentionPolicy: "7d",
    });
  });

  it("aurora: retention in days from aurora.backupRetentionDays; restore from a cluster or a snapshot", () => {
    const fromCluster = builtPastRefusal(
      aurora({ backup: { enabled: true }, restore: { from: "orders-prod", targetTime: "2026-12-06T05:40:00Z" } }),
    );
    expect(fromCluster.backup).toEqual({ tool: "aurora", retentionDays: 7 });
    expect(fromCluster.restore).toEqual({
      source: "auroraCluster",
      cluster: "orders-prod",
      target: { type: "time", at: "2026-12-06T05:40:00Z" },
    });
    const fromSnapshot = builtPastRefusal(aurora({ restore: { snapshot: "orders-2026-12-06" } }));
    expect(fromSnapshot.restore).toEqual({ source: "auroraSnapshot", snapshot: "orders-2026-12-06" });
  });
});

describe("a Kubernetes restore from another stack's bucket (restore.s3)", () => {
  it("reads the source with restore.s3's keys and settings, each key left out taken from backup.s3", () => {
    const topology = build(
      selfHosted({
        backup: { ...s3Backup, s3: { ...s3Backup.s3, region: "eu-west-1", uriStyle: "path" } },
        restore: {
          from: "s3://old-backups/prod/orders",
          latest: true,
          s3: { secretName: "old-keys", endpoint: "minio.old:9000" },
        },
      }),
    );
    expect(topology.restore).toMatchObject({
      source: "repository",
      stanza: "orders",
      repository: {
        kind: "s3",
        bucket: "old-backups",
        prefix: "prod/orders",
        secretName: "old-keys",
        endpoint: "minio.old:9000",
        region: "eu-west-1",
        uriStyle: "path",
      },
    });
    expect(topology.backup).toMatchObject({ repository: { secretName: "backup-keys" } });
  });

  it("without restore.s3, reads the source with backup.s3's keys, as before", () => {
    const topology = build(
      selfHosted({ backup: s3Backup, restore: { from: "s3://old-backups/orders", latest: true } }),
    );
    expect(topology.restore).toMatchObject({ repository: { kind: "s3", secretName: "backup-keys" } });
  });
});
