/**
 * The backup and restore parts of a Topology (issue 22), from the resolved (and admitted) config: the repository
 * parsed once, the stanza (serverName) named once, the restore target chosen once. Backends and renderers read these
 * and never parse `backup.repository` themselves.
 */
import type { ResolvedArchiveBackup, ResolvedConfig, ResolvedRestore, ResolvedS3 } from "../config/resolve";
import type { Backup, BackupRepository, Restore, RestoreTarget } from "./types";

/** The local backend's repository when backup.repository is not set: outside every stack's state directory. */
export const LOCAL_DEFAULT_REPOSITORY = "~/.pg-read-replicas/backups/<stack>";

/** s3://bucket/prefix, pvc://claim, or an absolute directory; undefined when it is none of them. */
export function parseRepository(text: string, s3?: ResolvedS3): BackupRepository | undefined {
  const s3Match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(text);
  if (s3Match) {
    return {
      kind: "s3",
      bucket: s3Match[1]!,
      prefix: (s3Match[2] ?? "").replace(/^\/+|\/+$/g, ""),
      ...(s3?.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
      region: s3?.region ?? "us-east-1",
      ...(s3?.secretName !== undefined ? { secretName: s3.secretName } : {}),
      uriStyle: s3?.uriStyle ?? "host",
    };
  }
  const pvc = /^pvc:\/\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/.exec(text);
  if (pvc) return { kind: "pvc", claim: pvc[1]! };
  if (text.startsWith("/") && !text.split("/").includes("..")) return { kind: "posix", path: text.replace(/\/+$/, "") };
  return undefined;
}

/** The last path segment: a repository's default stanza, and a restore's default source stanza. */
export function lastSegment(text: string): string | undefined {
  const segment = text
    .replace(/^[a-z0-9]+:\/\//, "")
    .replace(/\/+$/, "")
    .split("/")
    .pop();
  return segment === undefined || segment === "" ? undefined : segment;
}

/** A repository's stanza: its last path segment (a bucket without prefix: the stack's name prefix). */
function stanzaOf(repository: BackupRepository, fallback: string): string | undefined {
  switch (repository.kind) {
    case "posix":
      return repository.path === undefined ? undefined : lastSegment(repository.path);
    case "s3":
      return lastSegment(repository.prefix) ?? fallback;
    case "pvc":
      return fallback;
  }
}

/** Where a local stack's repository is and its stanza, once the stack's name is known (the local backend's part). */
export function localBackupLocation(
  backup: Extract<Backup, { tool: "pgbackrest" }>,
  stack: string,
  home: string,
): { path: string; stanza: string } {
  if (backup.repository.kind !== "posix")
    throw new Error("localBackupLocation: the local backend's repository is a directory");
  const path = backup.repository.path ?? `${home}/.pg-read-replicas/backups/${stack}`;
  return { path, stanza: backup.stanza ?? stack };
}

/** Kubernetes CronJob (5 fields) → ScheduledBackup (6 fields, seconds first). */
export function withSeconds(schedule: string): string {
  return `0 ${schedule}`;
}

function retentionPolicy(backup: ResolvedArchiveBackup): string {
  return backup.retention.type === "time" ? `${backup.retention.days}d` : `${backup.retention.value}`;
}

function repositoryOf(backup: ResolvedArchiveBackup): BackupRepository {
  if (backup.repository === undefined) return { kind: "posix" };
  const parsed = parseRepository(backup.repository, backup.s3);
  if (!parsed) throw new Error("buildBackup: admission lets no unparsable backup.repository through");
  return parsed;
}

export function buildBackup(config: ResolvedConfig): Backup | undefined {
  if (!config.backup.enabled) return undefined;
  if (config.backend === "aurora") {
    const { retention } = config.backup;
    if (retention.type !== "time") throw new Error("buildBackup: admission lets only days through on Aurora");
    return { tool: "aurora", retentionDays: retention.days };
  }
  const backup = config.backup;
  const repository = repositoryOf(backup);
  const archiveTimeoutSeconds = Math.round(backup.archiveTimeoutMs / 1000);
  if (config.backend === "selfHosted" && config.kubernetes.engine.name === "cloudnative-pg") {
    if (repository.kind !== "s3") throw new Error("buildBackup: admission lets only s3:// through on cloudnative-pg");
    return {
      tool: "barmanCloud",
      repository,
      serverName: stanzaOf(repository, config.name) ?? config.name,
      schedule: withSeconds(backup.schedule),
      retentionPolicy: retentionPolicy(backup),
      archiveTimeoutSeconds,
    };
  }
  const stanza = stanzaOf(repository, config.name);
  return {
    tool: "pgbackrest",
    repository,
    ...(stanza !== undefined ? { stanza } : {}),
    schedule: backup.schedule,
    retention: backup.retention,
    archiveTimeoutSeconds,
  };
}

function targetOf(given: ResolvedRestore): RestoreTarget {
  if (given.targetTime !== undefined) return { type: "time", at: given.targetTime };
  if (given.targetLsn !== undefined) return { type: "lsn", lsn: given.targetLsn };
  return { type: "latest" };
}

/** restore.from's S3 settings: restore.s3's keys over backup.s3's (the same bucket's, unless restore.s3 says). */
export function restoreS3(config: ResolvedConfig, given: ResolvedRestore): ResolvedS3 | undefined {
  const own = "s3" in config.backup ? config.backup.s3 : undefined;
  if (!own && !given.s3) return undefined;
  return {
    region: given.s3?.region ?? own?.region ?? "us-east-1",
    uriStyle: given.s3?.uriStyle ?? own?.uriStyle ?? "host",
    ...pick("endpoint", given.s3?.endpoint ?? own?.endpoint),
    ...pick("secretName", given.s3?.secretName ?? own?.secretName),
  };
}

const pick = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

export function buildRestore(config: ResolvedConfig): Restore | undefined {
  const given = config.restore;
  if (!given) return undefined;
  if (config.backend === "aurora") {
    if (given.snapshot !== undefined) return { source: "auroraSnapshot", snapshot: given.snapshot };
    const target = targetOf(given);
    if (given.from === undefined || target.type === "lsn")
      throw new Error("buildRestore: admission lets no Aurora restore without a cluster or with an LSN through");
    return { source: "auroraCluster", cluster: given.from, target };
  }
  const from = given.from;
  const repository = from === undefined ? undefined : parseRepository(from, restoreS3(config, given));
  const stanza = given.fromStack ?? (from === undefined ? undefined : lastSegment(from));
  if (!repository || stanza === undefined)
    throw new Error("buildRestore: admission lets no unparsable restore.from through");
  return { source: "repository", repository, stanza, target: targetOf(given) };
}
