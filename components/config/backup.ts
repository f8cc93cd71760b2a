/**
 * The backup and restore blocks, resolved once (issue 22): static defaults are the schema's; this fills the ones
 * that depend on other keys (Aurora's retention from aurora.backupRetentionDays) and keeps what the cross-key rules
 * (topology/validate/backup.ts) must see as given, e.g. every restore target that was set.
 */
import type { z } from "zod";
import type {
  Retention,
  archiveRestore,
  auroraBackup,
  auroraRestore,
  localBackup,
  selfHostedBackup,
  selfHostedRestore,
} from "./backupFields";

export type { Retention } from "./backupFields";

export interface ResolvedS3 {
  endpoint?: string;
  region: string;
  secretName?: string;
  uriStyle: "host" | "path";
}

/** local and selfHosted: a WAL archive and base backups in a repository. */
export interface ResolvedArchiveBackup {
  enabled: boolean;
  /** As given; local: absent means the backend's default directory for the stack. */
  repository?: string;
  s3?: ResolvedS3;
  schedule: string;
  retention: Retention;
  archiveTimeoutMs: number;
}

/** Aurora: automated backups always run; this is how long they are kept. */
export interface ResolvedAuroraBackup {
  enabled: boolean;
  retention: Retention;
  /** backup.retention was set (else it is aurora.backupRetentionDays). */
  retentionGiven: boolean;
}

/** The restore block as given: the rules check that exactly one source and one target are set. */
export interface ResolvedRestore {
  from?: string;
  fromStack?: string;
  snapshot?: string;
  targetTime?: string;
  targetLsn?: string;
  latest?: boolean;
  /** Kubernetes: restore.from's own S3 settings; each key absent is backup.s3's. */
  s3?: Partial<ResolvedS3>;
}

export function resolveArchiveBackup(
  given: z.output<typeof localBackup> | z.output<typeof selfHostedBackup>,
): ResolvedArchiveBackup {
  const s3 = "s3" in given ? given.s3 : undefined;
  return {
    enabled: given.enabled,
    ...(given.repository !== undefined ? { repository: given.repository } : {}),
    ...(s3 ? { s3 } : {}),
    schedule: given.schedule,
    retention: given.retention,
    archiveTimeoutMs: given.archiveTimeout,
  };
}

export function resolveAuroraBackup(
  given: z.output<typeof auroraBackup>,
  backupRetentionDays: number,
): ResolvedAuroraBackup {
  return {
    enabled: given.enabled,
    retention: given.retention ?? { type: "time", days: backupRetentionDays },
    retentionGiven: given.retention !== undefined,
  };
}

export function resolveRestore(
  given:
    z.output<typeof archiveRestore> | z.output<typeof selfHostedRestore> | z.output<typeof auroraRestore> | undefined,
): ResolvedRestore | undefined {
  if (!given) return undefined;
  const out: ResolvedRestore = {};
  for (const [key, value] of Object.entries(given)) if (value !== undefined) Object.assign(out, { [key]: value });
  return out;
}
