/**
 * The `backup` and `restore` blocks of stack config (issue 22), per backend: a continuous WAL archive and scheduled
 * base backups into a repository, and a new stack that starts from one. Each key sits beside its default and
 * description; cross-key rules (exactly one restore target, a repository of the backend's kind, Aurora's limits)
 * live in topology/validate/backup.ts.
 */
import { z } from "zod";
import { PGBACKREST } from "../facts/backup/pgbackrest";
import { bool, doc, duration, fail, scalar } from "./fields";

/** archive_timeout bounds: at most this much WAL time is lost with the writer's disk (the recovery point). */
export const ARCHIVE_TIMEOUT_MS = { min: 30_000, max: 3_600_000 } as const;

/** A 5-field cron field: `*`, numbers, ranges, lists and steps, or a month/day name. */
const CRON_FIELD = /^(\*|\d+(-\d+)?|[A-Za-z]{3}(-[A-Za-z]{3})?)(\/\d+)?(,(\*|\d+(-\d+)?|[A-Za-z]{3})(\/\d+)?)*$/;

/** A Kubernetes CronJob schedule (5 fields); the cloudnative-pg engine renders it with a seconds field. */
export const cronSchedule = z.string().transform((raw, ctx) => {
  const fields = raw.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((field) => CRON_FIELD.test(field)))
    return fail(
      ctx,
      raw,
      "is not a 5-field cron schedule",
      'write minute hour day-of-month month day-of-week, e.g. "0 3 * * *" for 03:00 UTC daily',
    );
  return fields.join(" ");
});

export type Retention = { type: "count"; value: number } | { type: "time"; days: number };

const { min: RETENTION_MIN, max: RETENTION_MAX } = PGBACKREST.retentionFull.value;

/** `7d` (keep full backups for 7 days) or `2` (keep the 2 newest full backups); WAL older than the oldest goes too. */
export const retention = scalar.transform((raw, ctx): Retention => {
  const match = /^(\d+)(d?)$/.exec(String(raw).trim());
  const fix = `write a number of days like 7d, or a count of full backups like 2 (${RETENTION_MIN}–${RETENTION_MAX})`;
  if (!match) return fail(ctx, raw, "is not a retention", fix);
  const value = Number(match[1]);
  if (value < RETENTION_MIN || value > RETENTION_MAX) return fail(ctx, raw, "is out of range", fix);
  return match[2] === "d" ? { type: "time", days: value } : { type: "count", value };
});

const archiveTimeout = duration.transform((ms, ctx) => {
  if (ms < ARCHIVE_TIMEOUT_MS.min || ms > ARCHIVE_TIMEOUT_MS.max)
    return fail(
      ctx,
      ms,
      "must be from 30s to 1h",
      "use e.g. 60s: a shorter timeout archives a mostly empty 16MB segment that often; a longer one loses more on a disk loss",
    );
  return ms;
});

const TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** A restore target time: RFC 3339 with its zone (the servers run UTC; a time without a zone is ambiguous). */
export const targetTime = z.string().transform((raw, ctx) => {
  const text = raw.trim();
  if (!TIME_WITH_ZONE.test(text) || Number.isNaN(Date.parse(text.replace(" ", "T"))))
    return fail(
      ctx,
      raw,
      /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?$/.test(text)
        ? "needs a zone: the servers run UTC"
        : "is not a time",
      'write an RFC 3339 time with its zone, e.g. "2026-12-06T05:40:00Z" or "2026-12-06T06:40:00+01:00"',
    );
  return text;
});

/** A WAL position as PostgreSQL prints it (pg_current_wal_lsn()). */
export const targetLsn = z.string().transform((raw, ctx) => {
  const text = raw.trim().toUpperCase();
  if (!/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/.test(text))
    return fail(ctx, raw, "is not an LSN", 'write it as pg_current_wal_lsn() prints it, e.g. "0/1B048330"');
  return text;
});

/** A stack name as a stanza / serverName: what pgBackRest and barman accept and Kubernetes names allow. */
const stanzaName = z.string().transform((raw, ctx) => {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(raw))
    return fail(
      ctx,
      raw,
      "is not a stack name",
      "write the source stack's name: lower-case letters, digits and -, at most 63 characters",
    );
  return raw;
});

const enabled = doc(bool.prefault(false), "archive WAL continuously and take scheduled base backups");
const schedule = doc(cronSchedule.prefault("0 3 * * *"), "when base backups run: a 5-field cron schedule, UTC");
const retained = doc(
  retention.prefault("7d"),
  "how long full backups are kept: Nd (days) or N (a count of full backups); WAL older than the oldest kept backup expires with it",
);
const archiveTimeoutKey = doc(
  archiveTimeout.prefault("60s"),
  "archive_timeout: the longest a committed transaction waits to be archived when the writer is busy (the recovery point), 30s–1h",
);

export const localBackup = z
  .strictObject({
    enabled,
    repository: doc(
      z.string().min(1).optional(),
      "an absolute directory outside the stack's state directory (local down keeps it)",
      "~/.pg-read-replicas/backups/<stack>",
    ),
    schedule,
    retention: retained,
    archiveTimeout: archiveTimeoutKey,
  })
  .prefault({});

const s3Endpoint = z.string().min(1);
const s3Region = z.string().min(1);
const s3SecretName = z.string().min(1);
const s3UriStyle = z.enum(["host", "path"]);
const SECRET_KEYS = "a Secret in the stack's namespace holding ACCESS_KEY_ID and ACCESS_SECRET_KEY";

export const selfHostedBackup = z
  .strictObject({
    enabled,
    repository: doc(
      z.string().min(1).optional(),
      "s3://bucket/prefix (object storage), or pvc://<claim> (a ReadWriteMany volume; statefulset engine only)",
      "none: required when enabled",
    ),
    s3: doc(
      z
        .strictObject({
          endpoint: doc(s3Endpoint.optional(), "S3 endpoint host (MinIO, Ceph, …)", "AWS S3 of s3.region"),
          region: doc(s3Region.prefault("us-east-1"), "the bucket's region"),
          secretName: doc(s3SecretName.optional(), SECRET_KEYS, "none: required for s3://"),
          uriStyle: doc(s3UriStyle.prefault("host"), "bucket in the host name or in the path (MinIO)"),
        })
        .optional(),
      "how to reach an s3:// repository",
    ),
    schedule,
    retention: retained,
    archiveTimeout: archiveTimeoutKey,
  })
  .prefault({});

export const auroraBackup = z
  .strictObject({
    enabled: doc(
      bool.prefault(false),
      "Aurora always takes automated backups; true keeps them backup.retention days and after the cluster is deleted (deleteAutomatedBackups: false), so a destroyed stack can still be restored",
    ),
    retention: doc(
      retention.optional(),
      "days automated backups are kept, Nd with N from 1 to 35 (with backup.enabled)",
      "aurora.backupRetentionDays",
    ),
  })
  .prefault({});

const restoreTargets = {
  targetTime: doc(
    targetTime.optional(),
    "restore to this time (RFC 3339 with zone); one of targetTime, targetLsn, latest",
  ),
  targetLsn: doc(targetLsn.optional(), "restore to this WAL position; one of targetTime, targetLsn, latest"),
  latest: doc(bool.optional(), "restore everything archived; one of targetTime, targetLsn, latest"),
};

/** local and selfHosted: from a pgBackRest (or barman) repository. */
export const archiveRestore = z.strictObject({
  from: doc(z.string().min(1), "the source stack's backup.repository"),
  fromStack: doc(
    stanzaName.optional(),
    "the source stack's name (its stanza / serverName in the repository)",
    "from's last path segment",
  ),
  ...restoreTargets,
});

/**
 * Kubernetes: from a repository, and for an s3:// one its own keys and place when they are not this stack's. Each key
 * left out is backup.s3's (the same bucket's keys, region, endpoint), as before restore.s3 existed.
 */
export const selfHostedRestore = archiveRestore.extend({
  s3: doc(
    z
      .strictObject({
        endpoint: doc(s3Endpoint.optional(), "S3 endpoint host of restore.from's bucket", "backup.s3.endpoint"),
        region: doc(s3Region.optional(), "restore.from's bucket's region", "backup.s3.region"),
        secretName: doc(
          s3SecretName.optional(),
          `${SECRET_KEYS} for restore.from's bucket; read only by the restore (the stack archives with backup.s3.secretName)`,
          "backup.s3.secretName",
        ),
        uriStyle: doc(s3UriStyle.optional(), "bucket in the host name or in the path (MinIO)", "backup.s3.uriStyle"),
      })
      .optional(),
    "how to reach an s3:// restore.from when it is not with backup.s3's keys and settings",
  ),
});

export const auroraRestore = z.strictObject({
  from: doc(
    z.string().min(1).optional(),
    "the source cluster: identifier, ARN, or resource id (cluster-…) of a deleted cluster with retained backups; one of from, snapshot",
  ),
  snapshot: doc(z.string().min(1).optional(), "a cluster snapshot identifier or ARN; one of from, snapshot"),
  targetTime: restoreTargets.targetTime,
  latest: restoreTargets.latest,
});

export const RESTORE_DESCRIPTION =
  "at creation only: the new stack starts from a backup, and never overwrites a running stack";
