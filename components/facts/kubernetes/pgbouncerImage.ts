/** The edoburu/pgbouncer image at tag v1.25.1-p0 (Alpine 3.22). */
import { cite, fact } from "../fact";

export const PGBOUNCER_IMAGE = {
  version: fact("1.25.1", cite("dockerPgbouncer", "Dockerfile", "ARG VERSION=1.25.1")),
  /** Alpine's postgres user; inferred from the Alpine convention, not read from the image (no image pulls here). */
  uid: fact(
    70,
    cite(
      "dockerPostgres",
      "17/alpine3.22/Dockerfile",
      "'70 is the standard uid/gid for \"postgres\" in Alpine'; the image's USER postgres comes from Alpine's postgresql-common",
    ),
  ),
  binary: fact(
    "/usr/bin/pgbouncer",
    cite(
      "dockerPgbouncer",
      "Dockerfile",
      'COPY … /usr/bin; CMD ["/usr/bin/pgbouncer", "/etc/pgbouncer/pgbouncer.ini"]',
    ),
  ),
  /** Our container sets `command`, which replaces the ENTRYPOINT: the image's ini generator never runs. */
  entrypointReplacedByCommand: fact(
    true,
    cite("dockerPgbouncer", "entrypoint.sh", "writes pgbouncer.ini only if absent"),
    cite("commandArgsDocs", undefined, "command overrides ENTRYPOINT"),
  ),
  /** psql is in the image, so a readiness probe can log in. */
  clientTools: fact(
    ["psql", "pg_isready"],
    cite("dockerPgbouncer", "Dockerfile", "apk add postgresql-client"),
    cite("dockerPgbouncer", "README.md", "'Includes PostgreSQL client tools such as psql, pg_isready'"),
  ),
  /** A POSIX shell: the image is Alpine's (busybox sh), and its own entrypoint is a sh script. */
  shell: fact(
    "/bin/sh",
    cite("dockerPgbouncer", "Dockerfile", "FROM alpine:3.22"),
    cite("dockerPgbouncer", "entrypoint.sh", "#!/bin/sh"),
  ),
  /** Prepared statements in transaction pooling need 1.21 or later. */
  minimumForPreparedStatements: fact("1.21", cite("pgbouncerConfigDocs", "#max_prepared_statements")),
} as const;
