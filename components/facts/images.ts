/**
 * Every image a stack runs, pinned in one place. The facts about each image (its uid, entrypoint,
 * binaries, metric names) are read at these tags; changing a tag means re-reading them.
 */

/**
 * The statefulset engine: the official postgres image (Debian bookworm) and edoburu/pgbouncer; with `backup` or
 * `restore`, the same image plus pgBackRest, built from images/postgres-pgbackrest/Dockerfile (POSTGRES_BACKUP_IMAGE),
 * and kubectl for the Jobs that run pgBackRest in the writer's pod.
 */
export const STATEFULSET_IMAGES = {
  postgres: (major: number) => `postgres:${major}-bookworm`,
  postgresWithBackup: (major: number) => `pg-read-replicas/postgres-pgbackrest:${major}-bookworm-2.45`,
  kubectl: "registry.k8s.io/kubectl:v1.32.8",
  pgbouncer: "edoburu/pgbouncer:v1.25.1-p0",
} as const;

/**
 * The cloudnative-pg engine: the operator's own images (facts/cnpg/operator.ts has the release they come from): the
 * minors 1.30.0's CI tests, in the `standard` flavour (the `system` one, with in-core Barman Cloud, is deprecated; the
 * stack archives through the Barman Cloud plugin's sidecar).
 */
export const CNPG_IMAGES = {
  postgres: {
    15: "ghcr.io/cloudnative-pg/postgresql:15.18-standard-trixie",
    16: "ghcr.io/cloudnative-pg/postgresql:16.14-standard-trixie",
    17: "ghcr.io/cloudnative-pg/postgresql:17.10-standard-trixie",
  },
  pgbouncer: "ghcr.io/cloudnative-pg/pgbouncer:1.25.1",
} as const;

/** The exporter sidecars: their metric names are part of what the rules rely on (facts/exporters). */
export const EXPORTER_IMAGES = {
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
  pgbouncerExporter: "quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1",
} as const;

/** The version in an image's tag (`…:v0.17.1` → 0.17.1, `…:v1.25.1-p0` → 1.25.1). */
export function tagVersion(image: string): string {
  const version = /:v?(\d+(?:\.\d+)*)[^/:]*$/.exec(image)?.[1];
  if (version === undefined) throw new Error(`${image} has no version in its tag`);
  return version;
}
