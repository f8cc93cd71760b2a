/** The edoburu/pgbouncer image at tag v1.25.1-p0 (Alpine 3.22). */
import { fact } from "./fact";

const REPO = "github:edoburu/docker-pgbouncer@v1.25.1-p0";

export const PGBOUNCER_IMAGE = {
  version: fact("1.25.1", `${REPO} Dockerfile (ARG VERSION=1.25.1)`),
  /** Alpine's postgres user; inferred from the Alpine convention, not read from the image (no image pulls here). */
  uid: fact(
    70,
    "github:docker-library/postgres@6edb0a8c 17/alpine3.22/Dockerfile ('70 is the standard uid/gid for \"postgres\" in Alpine'); the image's USER postgres comes from Alpine's postgresql-common",
  ),
  binary: fact(
    "/usr/bin/pgbouncer",
    `${REPO} Dockerfile (COPY … /usr/bin; CMD ["/usr/bin/pgbouncer", "/etc/pgbouncer/pgbouncer.ini"])`,
  ),
  /** Our container sets `command`, which replaces the ENTRYPOINT: the image's ini generator never runs. */
  entrypointReplacedByCommand: fact(
    true,
    `${REPO} entrypoint.sh (writes pgbouncer.ini only if absent); Kubernetes: command overrides ENTRYPOINT (https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/)`,
  ),
  /** psql is in the image, so a readiness probe can log in. */
  clientTools: fact(
    ["psql", "pg_isready"],
    `${REPO} Dockerfile (apk add postgresql-client); README.md ('Includes PostgreSQL client tools such as psql, pg_isready')`,
  ),
  /** Prepared statements in transaction pooling need 1.21 or later. */
  minimumForPreparedStatements: fact("1.21", "https://www.pgbouncer.org/config.html#max_prepared_statements"),
} as const;
