/**
 * The images the statefulset engine runs when a stack has `backup` or `restore` (issue 22): the postgres image with
 * pgBackRest this repository builds (images/postgres-pgbackrest/Dockerfile; test/unit/backupImage.test.ts holds the
 * Dockerfile to these facts), and kubectl for the Jobs that run pgBackRest in the writer's pod.
 */
import { cite, fact } from "../fact";

export const POSTGRES_BACKUP_IMAGE = {
  /** Where its build lives in this repository, and the base it starts from (the image the engine runs otherwise). */
  dockerfile: fact(
    { path: "images/postgres-pgbackrest/Dockerfile", from: "postgres:${PG_MAJOR}-bookworm" },
    cite("pgbackrestIssue1883", undefined, "no official pgBackRest image: the stack ships its own build"),
  ),
  /** The Debian package version it installs (pinned: the image's PGDG source carries newer ones). */
  pgbackrestPackage: fact(
    "2.45-1",
    cite("pgbackrestDebian", undefined, "bookworm/main 2.45-1; apt-cache policy pgbackrest"),
    cite("dockerPostgres", "15/bookworm/Dockerfile:100-104", "the PGDG apt source stays configured in the image"),
  ),
  /** What the package installs that the pods use. */
  paths: fact(
    { binary: "/usr/bin/pgbackrest", packagedConfig: "/etc/pgbackrest.conf" },
    cite("pgbackrestDebian", undefined, "dpkg -L pgbackrest"),
  ),
  /** Directories the build creates, owned by the image's postgres user (uid 999, POSTGRES_IMAGE.uid). */
  directories: fact(
    ["/var/lib/pgbackrest", "/var/log/pgbackrest", "/var/spool/pgbackrest"],
    cite("pgbackrest245", "src/build/config/config.yaml:2168-2172", "repo-path default /var/lib/pgbackrest"),
  ),
} as const;

export const KUBECTL_IMAGE = {
  /** Distroless: kubectl is the entrypoint and there is no shell, so a Job's args are kubectl's argv. */
  entrypoint: fact("kubectl", cite("kubectlImage")),
  /** `kubectl exec` needs `create` on pods/exec (a POST, or a websocket GET from 1.31 on) and `get` on pods. */
  execVerbs: fact(
    { pods: ["get"], "pods/exec": ["create", "get"] },
    cite("kubernetesRbacDocs", undefined, "kubectl exec: get pods, create pods/exec"),
  ),
} as const;
