/**
 * Schema fields that only the Aurora backend takes, checked against AWS's
 * facts (components/facts/aws): KMS keys as key ARNs, maintenance and backup
 * windows, CA identifiers, log retention values.
 */
import { z } from "zod";
import { CA_CERTIFICATES, LOG_RETENTION_DAYS } from "../facts/aws/limits";
import { kmsKeyArnRegion } from "../facts/aws/provider";
import { fail, scalar } from "./fields";
import { MINIMUM_WINDOW_MINUTES, minutes, parseBackupWindow, parseMaintenanceWindow } from "./windows";

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
