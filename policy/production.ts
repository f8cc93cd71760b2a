/**
 * Production stacks (their name matches the pack's `productionStacks` config): data that survives a deletion by
 * mistake, backups, and images pinned by digest (a tag can be moved under a running stack).
 */
import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { type GuardrailConfig, TYPES, imagesOf, isProduction } from "./resources";

/** Automated backups kept at least a week in production (AWS's default is one day). */
export const MIN_PRODUCTION_RETENTION_DAYS = 7;

const DIGEST = /@sha256:[0-9a-f]{64}$/;

function production(args: { urn: string; getConfig<T extends object>(): T }): boolean {
  return isProduction(args.urn, args.getConfig<Partial<GuardrailConfig>>());
}

function validateDeletionProtection(args: ResourceValidationArgs, report: ReportViolation): void {
  if (!production(args)) return;
  const { type, props, name } = args;
  if (type === TYPES.cluster && props.deletionProtection !== true)
    report(`${name} has no deletion protection. Set aurora.deletionProtection: true.`);
  if (type === TYPES.statefulSet && props.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete")
    report(
      `${name} deletes its volumes with the StatefulSet. Set persistentVolumeClaimRetentionPolicy.whenDeleted: Retain.`,
    );
}

function validateRetention(args: ResourceValidationArgs, report: ReportViolation): void {
  if (!production(args) || args.type !== TYPES.cluster) return;
  const days = Number(args.props.backupRetentionPeriod ?? 1);
  if (days < MIN_PRODUCTION_RETENTION_DAYS)
    report(
      `${args.name} keeps automated backups ${days} day(s). Set aurora.backupRetentionDays to ${MIN_PRODUCTION_RETENTION_DAYS} or more.`,
    );
}

function validateScheduledBackups(args: StackValidationArgs, report: ReportViolation): void {
  const present = (type: string) => args.resources.some((r) => r.type === type);
  const databases = args.resources.filter((r) => r.type === TYPES.statefulSet || r.type === TYPES.cnpgCluster);
  if (databases.length === 0 || !databases.some((r) => isProduction(r.urn, args.getConfig<Partial<GuardrailConfig>>())))
    return;
  const scheduled = present(TYPES.cronJob) || present(TYPES.cnpgScheduledBackup);
  if (!scheduled)
    report(
      `no scheduled backup (CronJob or ScheduledBackup) for ${databases.length} database workload(s). Set backup.enabled with a repository and schedule.`,
    );
}

function validateDigests(args: ResourceValidationArgs, report: ReportViolation): void {
  if (!production(args)) return;
  for (const image of new Set(imagesOf(args.type, args.props)))
    if (!DIGEST.test(image))
      report(
        `${args.name} runs ${image} by tag. Pin it by digest (<image>@sha256:<digest>) in kubernetes.images / monitoring.images.`,
      );
}

export const productionDeletionProtection: ResourceValidationPolicy = {
  name: "production-deletion-protection",
  description: "Production databases cannot be deleted by mistake.",
  enforcementLevel: "mandatory",
  validateResource: validateDeletionProtection,
};

export const productionBackupRetention: ResourceValidationPolicy = {
  name: "production-backup-retention",
  description: `Production Aurora clusters keep automated backups ${MIN_PRODUCTION_RETENTION_DAYS} days or more.`,
  enforcementLevel: "mandatory",
  validateResource: validateRetention,
};

export const productionScheduledBackups: StackValidationPolicy = {
  name: "production-scheduled-backups",
  description: "Production databases on Kubernetes have scheduled backups.",
  enforcementLevel: "mandatory",
  validateStack: validateScheduledBackups,
};

export const productionImagesByDigest: ResourceValidationPolicy = {
  name: "production-images-by-digest",
  description: "Production workloads run images pinned by digest.",
  enforcementLevel: "mandatory",
  validateResource: validateDigests,
};
