/**
 * Cross-key rules of the backup and restore blocks (issue 22), per backend: the repository's kind, exactly one restore
 * source and target, a restored stack's own repository, Aurora's retention (Aurora's restore rules:
 * aurora/validateRestore.ts). Each problem names the key, its value and the fix, before anything is created.
 */
import type { ConfigIssue } from "../../config/errors";
import type { ResolvedConfig, ResolvedRestore } from "../../config/resolve";
import { AURORA_RESTORE } from "../../facts/aws/restore";
import { lastSegment, parseRepository, restoreS3 } from "../backup";
import type { Check } from "./rule";

const TARGETS = ["targetTime", "targetLsn", "latest"] as const;

function givenTargets(restore: ResolvedRestore): string[] {
  return TARGETS.filter((key) => (key === "latest" ? restore.latest === true : restore[key] !== undefined));
}

/** Which repository forms a backend (and engine) accepts, and how to write one. */
function repositoryForms(config: ResolvedConfig): { kinds: readonly string[]; example: string } {
  if (config.backend === "local")
    return { kinds: ["posix"], example: "an absolute directory, e.g. /srv/pg-backups/orders" };
  if (config.backend === "selfHosted" && config.kubernetes.engine.name === "cloudnative-pg")
    return { kinds: ["s3"], example: "s3://bucket/prefix (the Barman Cloud plugin writes to object storage only)" };
  return { kinds: ["s3", "pvc"], example: "s3://bucket/prefix, or pvc://<a ReadWriteMany claim>" };
}

function repositoryIssue(config: ResolvedConfig, key: string, text: string): ConfigIssue | undefined {
  const { kinds, example } = repositoryForms(config);
  const parsed = parseRepository(text);
  if (parsed && kinds.includes(parsed.kind)) return undefined;
  const engine = config.backend === "selfHosted" ? ` (${config.kubernetes.engine.name} engine)` : "";
  return {
    key,
    value: text,
    problem: `is not a repository backend ${config.backend}${engine} can use`,
    fix: `write ${example}`,
  };
}

function archiveBackup(config: ResolvedConfig): Check {
  return ({ issues }) => {
    if (config.backend === "aurora" || !config.backup.enabled) return;
    const { repository, s3 } = config.backup;
    if (repository === undefined) {
      if (config.backend === "selfHosted")
        issues.push({
          key: "backup.repository",
          value: undefined,
          problem: "is required when backup.enabled is true on Kubernetes: the archive must outlive every pod",
          fix: `set it to ${repositoryForms(config).example}`,
        });
      return;
    }
    const wrong = repositoryIssue(config, "backup.repository", repository);
    if (wrong) {
      issues.push(wrong);
      return;
    }
    if (repository.startsWith("s3://") && s3?.secretName === undefined)
      issues.push({
        key: "backup.s3.secretName",
        value: undefined,
        problem: "is required for an s3:// repository: the archiver needs the bucket's keys",
        fix: "create a Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY in the stack's namespace and name it here",
      });
    if (!repository.startsWith("s3://") && s3 !== undefined)
      issues.push({
        key: "backup.s3",
        value: s3,
        problem: "is set but backup.repository is not s3://",
        fix: "remove backup.s3, or set backup.repository to s3://bucket/prefix",
      });
  };
}

function restoreSource(config: ResolvedConfig, restore: ResolvedRestore, issues: ConfigIssue[]): void {
  if (config.backend === "aurora") {
    if ((restore.from === undefined) === (restore.snapshot === undefined))
      issues.push({
        key: "restore",
        value: restore,
        problem: "needs exactly one of from (a source cluster) and snapshot",
        fix: "set restore.from to the source cluster's identifier, ARN or resource id, or restore.snapshot to a cluster snapshot",
      });
    return;
  }
  if (restore.from === undefined) return;
  const wrong = repositoryIssue(config, "restore.from", restore.from);
  if (wrong) issues.push(wrong);
  else if (restore.fromStack === undefined && lastSegment(restore.from.replace(/^s3:\/\/[^/]+/, "")) === undefined)
    issues.push({
      key: "restore.fromStack",
      value: undefined,
      problem: "cannot be taken from restore.from, which has no path below the bucket or claim",
      fix: "set restore.fromStack to the source stack's name",
    });
  restoreKeys(config, restore, issues);
  if (config.backup.enabled && config.backup.repository !== undefined) {
    const strip = (text: string) => text.replace(/\/+$/, "");
    if (strip(config.backup.repository) === strip(restore.from))
      issues.push({
        key: "backup.repository",
        value: config.backup.repository,
        problem:
          "is restore.from: the restored stack would archive its new timeline into the source's archive (same system id, so the tool accepts it)",
        fix: "give the restored stack a repository of its own",
      });
  }
}

/** An s3:// source is read with keys: restore.s3.secretName, else backup.s3.secretName; restore.s3 only for s3://. */
function restoreKeys(config: ResolvedConfig, restore: ResolvedRestore, issues: ConfigIssue[]): void {
  if (config.backend !== "selfHosted" || restore.from === undefined) return;
  const s3Source = restore.from.startsWith("s3://");
  if (!s3Source && restore.s3 !== undefined)
    issues.push({
      key: "restore.s3",
      value: restore.s3,
      problem: "is set but restore.from is not s3://",
      fix: "remove restore.s3, or set restore.from to the source's s3://bucket/prefix",
    });
  if (s3Source && restoreS3(config, restore)?.secretName === undefined)
    issues.push({
      key: "restore.s3.secretName",
      value: undefined,
      problem:
        "is required for an s3:// restore.from (and backup.s3.secretName is not set either): the restore reads the source bucket with those keys",
      fix: "create a Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY for the source bucket in the stack's namespace and name it in restore.s3.secretName (or in backup.s3.secretName when the same keys read both)",
    });
}

function restoreTarget(config: ResolvedConfig, restore: ResolvedRestore, issues: ConfigIssue[]): void {
  const targets = givenTargets(restore);
  if (config.backend === "aurora" && restore.snapshot !== undefined) {
    if (targets.length > 0)
      issues.push({
        key: `restore.${targets[0]}`,
        value: restore[targets[0] as keyof ResolvedRestore],
        problem: "does not apply to a snapshot, which restores to the moment it was taken",
        fix: `remove restore.${targets[0]}, or restore from the source cluster with restore.from`,
      });
    return;
  }
  if (targets.length === 1) return;
  const allowed = config.backend === "aurora" ? "targetTime, latest: true" : "targetTime, targetLsn, latest: true";
  issues.push({
    key: "restore",
    value: restore,
    problem:
      targets.length === 0
        ? "names no target: how far to replay must be said"
        : `sets ${targets.join(" and ")}: only one target can apply`,
    fix: `set exactly one of ${allowed}`,
  });
}

function restoreBlock(config: ResolvedConfig): Check {
  return ({ issues }) => {
    const restore = config.restore;
    if (!restore) return;
    restoreSource(config, restore, issues);
    restoreTarget(config, restore, issues);
  };
}

function aurora(config: ResolvedConfig): Check {
  return ({ issues }) => {
    if (config.backend !== "aurora") return;
    const { retention, retentionGiven } = config.backup;
    const { awsMin: min, awsMax: max } = AURORA_RESTORE.backupRetentionPeriod.value;
    if (retentionGiven && (retention.type !== "time" || retention.days < min || retention.days > max))
      issues.push({
        key: "backup.retention",
        value: retention.type === "time" ? `${retention.days}d` : retention.value,
        problem: `must be whole days from ${min} to ${max} on Aurora, which keeps automated backups by time`,
        fix: `write e.g. 7d (or set aurora.backupRetentionDays)`,
      });
  };
}

export function backupRules(config: ResolvedConfig): Check[] {
  return [archiveBackup(config), restoreBlock(config), aurora(config)];
}

/**
 * Until a backend implements backups and restore, a stack that asks for them is refused by that backend's rules,
 * never accepted and ignored. Each backend drops this check from its validate.ts when it ships its part.
 */
export function backupNotAvailableYet(config: ResolvedConfig, where: string): Check {
  return (findings) => {
    const { issues } = findings;
    if (config.backup.enabled)
      issues.push({
        key: "backup.enabled",
        value: true,
        problem: `is not available yet on ${where} (issue 22: the archive and base backups are not deployed there yet)`,
        fix: "remove backup.enabled (or set it to false) until this backend ships backups",
      });
    restoreNotAvailableYet(config, where)(findings);
  };
}

/** The restore half of backupNotAvailableYet, for a backend that ships backups before restores. */
export function restoreNotAvailableYet(config: ResolvedConfig, where: string): Check {
  return ({ issues }) => {
    if (config.restore)
      issues.push({
        key: "restore",
        value: config.restore,
        problem: `is not available yet on ${where} (issue 22: restoring into a new stack is not deployed there yet)`,
        fix: "remove the restore block until this backend ships restores",
      });
  };
}
