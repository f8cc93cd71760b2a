/**
 * Schema fields that only the Aurora backend takes, checked against AWS's
 * facts (components/facts/aws): KMS keys as key ARNs, maintenance and backup
 * windows, CA identifiers, log retention values; and the `aurora` block and
 * Global Database regions built from them.
 */
import { z } from "zod";
import { DATABASE_INSIGHTS, ENGINE_LIFECYCLE, STORAGE } from "../facts/aws/clusterOptions";
import { CA_CERTIFICATES, LOG_RETENTION_DAYS } from "../facts/aws/limits";
import { kmsKeyArnRegion } from "../facts/aws/provider";
import {
  MAX_REPLICAS,
  auroraEngineVersion,
  awsId,
  bool,
  cidrList,
  doc,
  duration,
  fail,
  instanceClass,
  monitoringInterval,
  positiveNumber,
  region,
  scalar,
  sqlIdentifier,
  wholeNumber,
} from "./fields";
import { snsTopicArn } from "./monitoringFields";
import { MINIMUM_WINDOW_MINUTES, minutes, parseBackupWindow, parseMaintenanceWindow } from "./windows";

/** Which pools go through RDS Proxy: both, the write pool only (reads on the cluster's reader endpoint), or none. */
export const PROXY_MODES = ["readWrite", "writeOnly", "none"] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

const KEY_ARN_FIX =
  "write the key's ARN, arn:aws:kms:<region>:<account>:key/<key-id>; for an alias: aws kms describe-key --key-id alias/<name> --region <region> --query KeyMetadata.Arn --output text";

/**
 * A KMS key ARN. The provider validates the cluster's kmsKeyId as an ARN and RDS
 * stores the key ARN: an alias (name or ARN) or a bare key id would fail preview
 * or replace the cluster on every later update.
 */
export const kmsKeyArn = z.string().transform((raw, ctx) => {
  if (kmsKeyArnRegion(raw) !== undefined) return raw;
  const what =
    raw.startsWith("alias/") || raw.includes(":alias/") ? "is a KMS alias, not a key ARN" : "is not a KMS key ARN";
  return fail(
    ctx,
    raw,
    `${what}: the cluster's kmsKeyId must be the key ARN (RDS stores the key ARN; anything else replaces the cluster on every update)`,
    KEY_ARN_FIX,
  );
});

export const maintenanceWindow = z.string().transform((raw, ctx) => {
  const window = parseMaintenanceWindow(raw);
  if (!window)
    return fail(
      ctx,
      raw,
      "is not a maintenance window",
      "write ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:05:00-sun:06:00",
    );
  if (minutes(window) < MINIMUM_WINDOW_MINUTES)
    return fail(
      ctx,
      raw,
      `is shorter than ${MINIMUM_WINDOW_MINUTES} minutes`,
      "widen it to at least 30 minutes, e.g. sun:05:00-sun:05:30",
    );
  return raw.toLowerCase();
});

export const backupWindow = z.string().transform((raw, ctx) => {
  const window = parseBackupWindow(raw);
  if (!window) return fail(ctx, raw, "is not a backup window", "write hh24:mi-hh24:mi in UTC, e.g. 03:00-04:00");
  if (minutes(window) < MINIMUM_WINDOW_MINUTES)
    return fail(
      ctx,
      raw,
      `is shorter than ${MINIMUM_WINDOW_MINUTES} minutes`,
      "widen it to at least 30 minutes, e.g. 03:00-03:30",
    );
  return raw;
});

export const caCertificate = z.string().transform((raw, ctx) => {
  if (CA_CERTIFICATES.value.includes(raw)) return raw;
  return fail(ctx, raw, "is not a CA RDS offers for new instances", `use one of ${CA_CERTIFICATES.value.join(", ")}`);
});

export const logRetentionDays = scalar.transform((raw, ctx) => {
  const days = Number(raw);
  if (LOG_RETENTION_DAYS.value.includes(days)) return days;
  return fail(
    ctx,
    raw,
    "is not a CloudWatch Logs retention",
    `use one of ${LOG_RETENTION_DAYS.value.filter((d) => d > 0 && d <= 731).join(", ")}, ... (0: never expire)`,
  );
});

/** A Global Database secondary (crossRegion entry). */
export const auroraRegion = z.strictObject({
  region: doc(region, "an AWS region for a Global Database secondary"),
  replicas: doc(wholeNumber(1, MAX_REPLICAS, 1), "readers in that region"),
  vpcId: doc(awsId("vpc", "VPC id"), "VPC of that region"),
  subnetIds: doc(z.array(awsId("subnet", "subnet id")), "subnets of that region, in two zones or more"),
  kmsKeyId: doc(kmsKeyArn, "KMS key ARN in that region (storage is encrypted)"),
  instanceClass: doc(instanceClass.optional(), "reader instance class there", "aurora.instanceClass.reader"),
  allowedCidrs: doc(cidrList.optional(), "clients of that region's readers", "allowedCidrs"),
  snsTopicArn: doc(
    snsTopicArn.optional(),
    "an existing SNS topic in that region the region's alarms notify (CloudWatch takes only a topic of the alarm's region)",
    "the created topic there (monitoring.createSnsTopic), or none",
  ),
});

/** The `aurora` block. */
export const aurora = z.strictObject({
  engineVersion: doc(auroraEngineVersion, "major.minor, the major equal to postgresVersion"),
  vpcId: doc(awsId("vpc", "VPC id"), "VPC of the cluster"),
  subnetIds: doc(z.array(awsId("subnet", "subnet id")), "at least two subnets in different zones"),
  allowedSecurityGroupIds: doc(
    z.array(awsId("sg", "security group id")).prefault([]),
    "security groups admitted besides allowedCidrs",
  ),
  instanceClass: z.strictObject({
    writer: doc(instanceClass, "writer instance class, e.g. db.r6g.large"),
    reader: doc(instanceClass.optional(), "OLTP reader instance class", "instanceClass.writer"),
    olap: doc(instanceClass.optional(), "OLAP reader instance class; required with OLAP"),
  }),
  kmsKeyId: doc(
    kmsKeyArn.optional(),
    "KMS key ARN in the primary's region: storage, the proxy's secret, the managed master secret",
    "the account's RDS key",
  ),
  deletionProtection: doc(
    bool.prefault(true),
    "RDS deletion protection, and Pulumi protect on the cluster: a change that would replace it (database, user, aurora.kmsKeyId) is refused; turn off only for scratch stacks",
  ),
  allowReplacement: doc(
    bool.prefault(false),
    "lift the cluster's protections for as long as it is set, so a change may replace it with a new, empty cluster (the old one's final snapshot keeps its data) or pulumi destroy may delete it; apply it alone first; not with crossRegion",
  ),
  skipFinalSnapshot: doc(bool.prefault(false), "turn on only for scratch stacks"),
  backupRetentionDays: doc(wholeNumber(1, 35, 7).prefault(7), "automated backups kept, 1–35 days"),
  storageType: doc(
    z.enum(STORAGE.types.value).optional(),
    "aurora (Standard: I/O billed per request) or aurora-iopt1 (I/O-Optimized: no I/O charges, higher instance and storage prices); changed in place",
    "Standard for a new cluster (not sent: RDS does not return it)",
  ),
  engineLifecycleSupport: doc(
    z.enum(ENGINE_LIFECYCLE.values.value).prefault("open-source-rds-extended-support-disabled"),
    "open-source-rds-extended-support enrolls the cluster in paid RDS Extended Support past its major's end of standard support; disabled (the default here) avoids those charges, and RDS then upgrades the major itself",
  ),
  performanceInsights: doc(
    bool.prefault(false),
    "Performance Insights data (read in CloudWatch Database Insights: the Performance Insights console reached end of life) on the cluster and every instance (secondary regions' and autoscaled readers included)",
  ),
  databaseInsights: doc(
    z.enum(DATABASE_INSIGHTS.modes.value).optional(),
    "CloudWatch Database Insights mode on each cluster (instances inherit it): standard, or advanced (turns Performance Insights on with the 465 days' retention AWS requires)",
    "not sent (AWS's default, standard)",
  ),
  monitoringInterval: doc(
    monitoringInterval.prefault(0),
    "enhanced monitoring seconds (0: off), on the cluster and every instance; creates its IAM role",
  ),
  autoMinorVersionUpgrade: doc(
    bool.prefault(true),
    "AWS applies minor upgrades in the maintenance window (no effect with crossRegion: a Global Database upgrades through engineVersion)",
  ),
  allowMajorVersionUpgrade: doc(
    bool.prefault(false),
    "let a change of postgresVersion and engineVersion upgrade the cluster in place",
  ),
  applyImmediately: doc(
    bool.prefault(false),
    "apply cluster and instance changes during pulumi up (may restart instances) instead of in the maintenance window",
  ),
  preferredMaintenanceWindow: doc(
    maintenanceWindow.optional(),
    "weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi in UTC",
    "a 30-minute window AWS picks",
  ),
  preferredBackupWindow: doc(
    backupWindow.optional(),
    "daily backup window, hh24:mi-hh24:mi in UTC, apart from the maintenance window",
    "a 30-minute window AWS picks",
  ),
  caCertIdentifier: doc(
    caCertificate.optional(),
    "CA of every instance's server certificate",
    "the region's default CA for new instances",
  ),
  manageMasterUserPassword: doc(
    bool.prefault(false),
    "RDS keeps the master password in Secrets Manager and rotates it; RDS Proxy reads that secret (not with crossRegion)",
  ),
  masterPasswordRotationDays: doc(
    wholeNumber(1, 1000, 7).optional(),
    "days between rotations of the managed master password",
    "7 (RDS's schedule)",
  ),
  appUser: doc(
    sqlIdentifier("aurora.appUser").optional(),
    "the application's role, created by pulumi up through the RDS Data API (LOGIN, no superuser, no CREATEROLE, no pg_monitor: statistics through pgrr_stats; owner of the database); the outputs' user and URLs log in as it, and `user` stays the master, for administration",
    "<user>_app",
  ),
  logRetentionDays: doc(
    logRetentionDays.prefault(30),
    "days the /aws/rds/cluster/<id>/postgresql log group keeps events (0: never expire)",
  ),
  iamDatabaseAuthentication: doc(
    bool.prefault(false),
    "IAM database authentication: refused (RDS Proxy logs in with a password secret; not wired end to end)",
  ),
  proxy: z
    .strictObject({
      mode: doc(
        z.enum(PROXY_MODES).optional(),
        "readWrite: writes and reads through RDS Proxy (with an OLAP reader, reads stay on the OLTP endpoint); writeOnly: writes only, reads on the cluster's reader endpoint; none: no proxy. Billed per vCPU of every instance either way",
        "readWrite (none when enabled is false)",
      ),
      enabled: doc(bool.optional(), "the older form of mode: false is mode none", "true"),
      requireTls: doc(bool.prefault(true), "clients must use TLS to the proxy"),
      maxConnectionsPercent: doc(wholeNumber(1, 100, 90).prefault(90), "share of max_connections the proxy may use"),
      idleClientTimeout: doc(duration.prefault("30m"), "idle client connections are closed after this"),
    })
    .superRefine((proxy, ctx) => {
      if (proxy.enabled === false && proxy.mode !== undefined && proxy.mode !== "none") {
        fail(
          ctx,
          proxy,
          `sets enabled: false and mode: ${proxy.mode}, which disagree`,
          "remove aurora.proxy.enabled and keep aurora.proxy.mode (none drops the proxy)",
        );
      }
    })
    .prefault({}),
  autoscaling: doc(
    z
      .strictObject({
        minReaders: doc(wholeNumber(0, MAX_REPLICAS, 1), "fewest readers (every reader counts, OLAP included)"),
        maxReaders: doc(wholeNumber(1, MAX_REPLICAS, 6), "most readers; must exceed the declared readers"),
        metric: doc(z.enum(["cpu", "connections"]).prefault("cpu"), "what the readers scale on"),
        target: doc(positiveNumber(1, 100_000, 60).prefault(60), "target value of the metric"),
      })
      .optional(),
    "reader autoscaling (absent: off)",
  ),
});
