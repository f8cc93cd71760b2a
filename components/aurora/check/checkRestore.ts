/**
 * The restore's own gate, before the restored cluster is created: what only AWS knows about the source and would
 * otherwise surface as a failed restore or a stack that never verifies. The source must exist in the stack's region
 * (and a snapshot be available), run the major postgresVersion names (the stack's parameter groups are of that
 * family: facts AURORA_RESTORE.defaultParameterGroups, the restore takes them), have `user` as its master user (a
 * restore keeps the source's: AURORA_RESTORE.inheritedFromSource), take the target time inside its restore window
 * (AURORA_RESTORE.restoreWindow), and not be unencrypted when aurora.kmsKeyId asks a point-in-time restore to encrypt
 * (AURORA_RESTORE.restoreKms). Each problem names the fix.
 */
import { majorOf } from "../versions";
import type { AuroraApi, RestoreSourceDescription } from "./api";
import type { RestoreExpectation } from "./handover";

function sourceName(exp: RestoreExpectation): string {
  const { source } = exp;
  switch (source.kind) {
    case "cluster":
      return `cluster ${source.id}`;
    case "retainedBackups":
      return `the retained automated backups of ${source.resourceId}`;
    case "snapshot":
      return `snapshot ${source.id}`;
  }
}

function lookup(exp: RestoreExpectation): string {
  const { source, region } = exp;
  switch (source.kind) {
    case "cluster":
      return `aws rds describe-db-clusters --region ${region}`;
    case "retainedBackups":
      return `aws rds describe-db-cluster-automated-backups --region ${region}`;
    case "snapshot":
      return `aws rds describe-db-cluster-snapshots --region ${region}`;
  }
}

function windowProblem(exp: RestoreExpectation, found: RestoreSourceDescription, name: string): string | undefined {
  if (typeof exp.target !== "object" || found.earliest === undefined || found.latest === undefined) return undefined;
  const at = Date.parse(exp.target.at);
  if (at >= Date.parse(found.earliest) && at <= Date.parse(found.latest)) return undefined;
  return `restore.targetTime ${exp.target.at} is outside ${name}'s restore window, ${found.earliest} to ${found.latest}. Fix: choose a time in it, or restore.latest: true.`;
}

export function restoreSourceProblems(exp: RestoreExpectation, found: RestoreSourceDescription | undefined): string[] {
  const name = sourceName(exp);
  if (!found) return [`${name} was not found in ${exp.region}. Fix: check the name with ${lookup(exp)}.`];
  const problems: string[] = [];
  if (exp.source.kind === "snapshot" && found.status !== "available")
    problems.push(`${name} is ${found.status}, not available. Fix: wait for it, then run pulumi up again.`);
  const major = majorOf(found.engineVersion);
  if (Number.isFinite(major) && major !== exp.postgresVersion)
    problems.push(
      `${name} runs PostgreSQL ${found.engineVersion}, but postgresVersion is ${exp.postgresVersion}: the restore would get parameter groups of the wrong family. Fix: set postgresVersion: ${major} and aurora.engineVersion to a ${major}.x; upgrade once restored.`,
    );
  if (found.masterUsername !== undefined && found.masterUsername !== exp.user)
    problems.push(
      `${name}'s master user is "${found.masterUsername}", which the restored cluster keeps, but user is "${exp.user}". Fix: set user: ${found.masterUsername}.`,
    );
  const outside = windowProblem(exp, found, name);
  if (outside) problems.push(outside);
  if (exp.source.kind !== "snapshot" && !found.storageEncrypted && exp.kmsKeyGiven)
    problems.push(
      `${name} is not encrypted, and RDS rejects a KMS key for a point-in-time restore of an unencrypted cluster. Fix: remove aurora.kmsKeyId, or restore from a snapshot of it (a snapshot restore encrypts with the key).`,
    );
  return problems;
}

export async function checkRestoreSource(exp: RestoreExpectation, api: AuroraApi): Promise<string[]> {
  let found: RestoreSourceDescription | undefined;
  try {
    found = await api.describeRestoreSource(exp.region, exp.source);
  } catch (error) {
    return [
      `${sourceName(exp)} in ${exp.region} could not be read: the AWS API failed: ${(error as Error).message}. Fix: check the credentials and region pulumi up runs with (${lookup(exp)} must work).`,
    ];
  }
  return restoreSourceProblems(exp, found);
}
