/**
 * The statefulset engine's pgBackRest files (issue 22), rendered once for every pod of a stack (PGDATA is the same
 * path in all of them, so one pgbackrest.conf fits the writer, the replicas and a promoted replica): the config, the
 * scripts the backup Jobs exec in the writer's pod, and the writer's restore step. Pure.
 */
import { pgbackrestBackup, renderPgbackrestConf } from "../../render/pgbackrestConf";
import { renderBackupScript, renderStanzaScript } from "../../render/backupScripts";
import { renderRestoreScript } from "../../render/restoreScript";
import type { BackupRepository, PgbackrestBackup, Restore, SelfHostedTopology } from "../../topology/types";
import { PATHS } from "../conventions";

export type BackupFileName = "pgbackrest.conf" | "backup.sh" | "stanza.sh";
export type RestoreFileName = "pgbackrest-restore.conf" | "restore.sh";

/** How long stanza.sh waits for the writer to accept writes (a fresh writer's first start, or a restored one's). */
export const STANZA_WAIT_S = 600;

type RepositoryRestore = Extract<Restore, { source: "repository" }>;

export function repositoryRestore(topology: SelfHostedTopology): RepositoryRestore | undefined {
  return topology.restore?.source === "repository" ? topology.restore : undefined;
}

/**
 * Where the restore step finds the source bucket's keys (restore.s3.secretName, else backup.s3.secretName): under
 * names of their own, so this stack's keys (PGBACKREST_REPO1_S3_KEY…) stay for its own stanza; restore.sh sets them as
 * pgBackRest's only for the commands that read the source.
 */
export const RESTORE_KEY_ENV = { key: "RESTORE_S3_KEY", secret: "RESTORE_S3_KEY_SECRET" } as const;

/** The Secret holding the source bucket's keys, when the restore reads an s3:// repository. */
export function restoreSecretName(topology: SelfHostedTopology): string | undefined {
  const repository = repositoryRestore(topology)?.repository;
  return repository?.kind === "s3" ? repository.secretName : undefined;
}

/** This stack's stanza: the repository's (its last path segment), or the stack's name. */
export function backupStanza(topology: SelfHostedTopology): string | undefined {
  const backup = pgbackrestBackup(topology);
  return backup ? (backup.stanza ?? topology.name) : undefined;
}

/** Where a pvc:// repository's claim is mounted in a pod. */
export function repositoryMountPath(claim: string): string {
  return `${PATHS.repositoryMounts}/${claim}`;
}

function placement(stanza: string, repository: BackupRepository, topology: SelfHostedTopology) {
  return {
    stanza,
    dataDirectory: PATHS.pgdata,
    port: topology.port,
    socketDirectory: PATHS.socketDir,
    ...(repository.kind === "pvc" ? { repositoryPath: repositoryMountPath(repository.claim) } : {}),
    lockPath: PATHS.pgbackrestLock,
    spoolPath: PATHS.pgbackrestSpool,
  };
}

const scriptPaths = (topology: SelfHostedTopology, stanza: string) => ({
  configFile: PATHS.pgbackrestConf,
  stanza,
  socketDir: PATHS.socketDir,
  port: topology.port,
});

export function backupFiles(topology: SelfHostedTopology): Partial<Record<BackupFileName, string>> {
  const backup = pgbackrestBackup(topology);
  const stanza = backupStanza(topology);
  if (!backup || stanza === undefined) return {};
  return {
    "pgbackrest.conf": renderPgbackrestConf(
      topology,
      "every database pod",
      placement(stanza, backup.repository, topology),
    ),
    "backup.sh": renderBackupScript(scriptPaths(topology, stanza)),
    "stanza.sh": renderStanzaScript(scriptPaths(topology, stanza), STANZA_WAIT_S),
  };
}

/**
 * The source's pgbackrest.conf: the same renderer, given the source's repository as if it were this stack's backup
 * (only its repository and stanza matter to a restore; retention applies to backups, never run with this file).
 */
function sourceConf(topology: SelfHostedTopology, restore: RepositoryRestore): string {
  const own = pgbackrestBackup(topology);
  const asBackup: PgbackrestBackup = {
    tool: "pgbackrest",
    repository: restore.repository,
    stanza: restore.stanza,
    schedule: own?.schedule ?? "0 3 * * *",
    retention: own?.retention ?? { type: "count", value: 1 },
    archiveTimeoutSeconds: own?.archiveTimeoutSeconds ?? 60,
  };
  return renderPgbackrestConf(
    { ...topology, backup: asBackup },
    "the restore source",
    placement(restore.stanza, restore.repository, topology),
  );
}

export function restoreFiles(topology: SelfHostedTopology): Partial<Record<RestoreFileName, string>> {
  const restore = repositoryRestore(topology);
  if (!restore) return {};
  const stanza = backupStanza(topology);
  return {
    "pgbackrest-restore.conf": sourceConf(topology, restore),
    "restore.sh": renderRestoreScript({
      source: {
        configFile: PATHS.pgbackrestRestoreConf,
        stanza: restore.stanza,
        ...(restoreSecretName(topology) !== undefined ? { keys: RESTORE_KEY_ENV } : {}),
      },
      ...(stanza !== undefined ? { own: { configFile: PATHS.pgbackrestConf, stanza } } : {}),
      target: restore.target,
      configFile: PATHS.postgresqlConf,
      socketDir: PATHS.socketDir,
      port: topology.port,
    }),
  };
}
