/**
 * What a database pod needs for pgBackRest (issue 22): the repository's claim mounted (pvc://) or its S3 keys from
 * the Secret backup.s3.secretName as environment (never in a ConfigMap), and on the writer of a restored stack the
 * restore step before the server's first start, with the source's keys (restore.s3.secretName) beside. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import { archiveCommands, pgbackrestBackup } from "../../../render/pgbackrestConf";
import type { BackupRepository, NodeGroup, SelfHostedTopology } from "../../../topology/types";
import { PATHS } from "../../conventions";
import {
  RESTORE_KEY_ENV,
  backupStanza,
  repositoryMountPath,
  repositoryRestore,
  restoreSecretName,
} from "../backupFiles";

type Env = k8s.types.input.core.v1.EnvVar;
type Volume = k8s.types.input.core.v1.Volume;
type Mount = k8s.types.input.core.v1.VolumeMount;

/** The keys backup.s3.secretName holds (config/backupFields.ts), as pgBackRest's environment options. */
export const S3_KEY_ENV = {
  PGBACKREST_REPO1_S3_KEY: "ACCESS_KEY_ID",
  PGBACKREST_REPO1_S3_KEY_SECRET: "ACCESS_SECRET_KEY",
} as const;

const volumeName = (claim: string) => `repo-${claim}`.slice(0, 63).replace(/[.-]+$/, "");

export function repositoryEnv(repository: BackupRepository | undefined): Env[] {
  if (repository?.kind !== "s3" || repository.secretName === undefined) return [];
  const secretName = repository.secretName;
  return Object.entries(S3_KEY_ENV).map(([name, key]) => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key } },
  }));
}

function claimOf(repository: BackupRepository | undefined): string[] {
  return repository?.kind === "pvc" ? [repository.claim] : [];
}

/**
 * Every claim a pod of this group mounts: this stack's repository, and on the primary the restore source's. Not in
 * another region: a claim lives in one cluster (those replicas stream only; their archive-get finds no repository).
 */
export function repositoryClaims(topology: SelfHostedTopology, group: NodeGroup): string[] {
  if (group.remote) return [];
  const own = claimOf(pgbackrestBackup(topology)?.repository);
  const source = group.role === "primary" ? claimOf(repositoryRestore(topology)?.repository) : [];
  return [...new Set([...own, ...source])];
}

export function repositoryVolumes(topology: SelfHostedTopology, group: NodeGroup): Volume[] {
  return repositoryClaims(topology, group).map((claim) => ({
    name: volumeName(claim),
    persistentVolumeClaim: { claimName: claim },
  }));
}

export function repositoryMounts(claims: readonly string[]): Mount[] {
  return claims.map((claim) => ({ name: volumeName(claim), mountPath: repositoryMountPath(claim) }));
}

/**
 * What a container running pgBackRest against this stack's repository needs: its S3 keys as environment, its pvc://
 * claim mounted (pgbackrest.conf itself is in the scripts volume every database container mounts). One answer for
 * the postgres container (archive-push and archive-get run as its children, backups in it by kubectl exec) and the
 * seed container (archive-get, when a replica past its slot's cap catches up from the archive).
 */
export function pgbackrestAccess(topology: SelfHostedTopology, group: NodeGroup): { env: Env[]; mounts: Mount[] } {
  const repository = pgbackrestBackup(topology)?.repository;
  return {
    env: repositoryEnv(repository),
    mounts: group.remote ? [] : repositoryMounts(claimOf(repository)),
  };
}

/**
 * The seed container's RESTORE_COMMAND: the servers' restore_command (postgresql.conf), which seed-replica.sh runs to
 * ask whether the archive still holds what a replica whose slot was lost needs. None without an archive.
 */
export function seedArchiveEnv(topology: SelfHostedTopology): Env[] {
  const stanza = backupStanza(topology);
  if (stanza === undefined) return [];
  const { restoreCommand } = archiveCommands({ configFile: PATHS.pgbackrestConf, stanza });
  return [{ name: "RESTORE_COMMAND", value: restoreCommand }];
}

/** The source bucket's keys, under the names restore.sh reads (backupFiles.ts RESTORE_KEY_ENV). */
function restoreKeyEnv(topology: SelfHostedTopology): Env[] {
  const secretName = restoreSecretName(topology);
  if (secretName === undefined) return [];
  return [
    {
      name: RESTORE_KEY_ENV.key,
      valueFrom: { secretKeyRef: { name: secretName, key: S3_KEY_ENV.PGBACKREST_REPO1_S3_KEY } },
    },
    {
      name: RESTORE_KEY_ENV.secret,
      valueFrom: { secretKeyRef: { name: secretName, key: S3_KEY_ENV.PGBACKREST_REPO1_S3_KEY_SECRET } },
    },
  ];
}

/** The restore step, on the primary's pod of a stack created with `restore` (render/restoreScript.ts). */
export function restoreContainer(
  topology: SelfHostedTopology,
  group: NodeGroup,
  base: Pick<k8s.types.input.core.v1.Container, "resources" | "securityContext">,
  mounts: Mount[],
): k8s.types.input.core.v1.Container[] {
  const restore = repositoryRestore(topology);
  if (!restore || group.role !== "primary") return [];
  return [
    {
      name: "restore",
      image: topology.kubernetes.images.postgres,
      command: ["bash", PATHS.restoreScript],
      // This stack's keys as pgBackRest's (its stanza-create), the source's under names of their own: restore.sh
      // uses them for the source's commands only, so the two may be different Secrets (restore.s3.secretName).
      env: [
        { name: "PGDATA", value: PATHS.pgdata },
        ...pgbackrestAccess(topology, group).env,
        ...restoreKeyEnv(topology),
      ],
      ...base,
      volumeMounts: [...mounts, ...repositoryMounts(repositoryClaims(topology, group))],
    },
  ];
}
