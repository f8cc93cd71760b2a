/**
 * The official postgres image (docker-library/postgres, Debian bookworm variants),
 * as read at commit 6edb0a8c (16 and 17 share one docker-entrypoint.sh).
 */
import { cite, fact } from "../fact";

const DOCKERFILE_17 = "17/bookworm/Dockerfile";
const DOCKERFILE_15 = "15/bookworm/Dockerfile";
const ENTRYPOINT = "docker-entrypoint.sh";

export const POSTGRES_IMAGE = {
  uid: fact(
    999,
    cite("dockerPostgres", DOCKERFILE_17, "groupadd -r postgres --gid=999; useradd -r -g postgres --uid=999"),
  ),
  gid: fact(999, cite("dockerPostgres", DOCKERFILE_17)),
  /** Where the server binaries are: on PATH in the image. */
  binDir: fact(
    (major: number) => `/usr/lib/postgresql/${major}/bin`,
    cite("dockerPostgres", DOCKERFILE_17, "ENV PATH $PATH:/usr/lib/postgresql/$PG_MAJOR/bin"),
  ),
  /** The entrypoint script, byte for byte (15, 16 and 17 bookworm share it); the harness runs a vendored copy. */
  entrypointSha256: fact(
    "1a6ff568c79cb847cffc4172b22a1f501cef05001b0b09751f48323683fb64a2",
    cite("dockerPostgres", `15/bookworm/${ENTRYPOINT}`),
  ),
  /** ENV of the image the entrypoint relies on (LANG for initdb's locale). */
  env: fact(
    { LANG: "en_US.utf8", PG_MAJOR: "15" } as Record<string, string>,
    cite("dockerPostgres", DOCKERFILE_15, "ENV LANG en_US.utf8; ENV PG_MAJOR 15"),
  ),
  /** Directories the image creates, with owner and mode: the socket directory and the (empty) init directory. */
  directories: fact(
    {
      "/var/run/postgresql": { owner: "postgres", mode: 0o3777 },
      "/docker-entrypoint-initdb.d": { owner: "root", mode: 0o755 },
      "/var/lib/postgresql": { owner: "postgres", mode: 0o1777 },
    } as Record<string, { owner: "postgres" | "root"; mode: number }>,
    cite(
      "dockerPostgres",
      DOCKERFILE_15,
      "install --owner postgres --mode 3777 /var/run/postgresql; install --owner postgres --mode 1777 /var/lib/postgresql; mkdir /docker-entrypoint-initdb.d",
    ),
  ),
  entrypoint: fact(
    ENTRYPOINT,
    cite("dockerPostgres", DOCKERFILE_17, 'ENTRYPOINT ["docker-entrypoint.sh"], CMD ["postgres"]'),
  ),
  /** The entrypoint initialises only when the first argument is `postgres` (or a flag). */
  initialisesWhenFirstArg: fact(
    "postgres",
    cite("dockerPostgres", `${ENTRYPOINT} _main`, `if [ "$1" = 'postgres' ] && ! _pg_want_help "$@"`),
  ),
  /**
   * ... and only when PG_VERSION is missing or empty: initdb and /docker-entrypoint-initdb.d run once per data
   * directory.
   */
  initialisesOnlyWithout: fact(
    "PG_VERSION",
    cite(
      "dockerPostgres",
      `${ENTRYPOINT} docker_setup_env`,
      '[ -s "$PGDATA/PG_VERSION" ] sets DATABASE_ALREADY_EXISTS',
    ),
    cite(
      "dockerPostgresDocs",
      "postgres/content.md:121",
      '"scripts in /docker-entrypoint-initdb.d are only run if you start the container with a data directory that is empty"',
    ),
  ),
  initdbDir: fact(
    "/docker-entrypoint-initdb.d",
    cite("dockerPostgres", ENTRYPOINT, "docker_process_init_files /docker-entrypoint-initdb.d/*"),
  ),
  /**
   * The temporary server that runs initdb.d gets the container's args plus these, so our config file applies during
   * init.
   */
  tempServerExtraArgs: fact(
    ["-c", "listen_addresses=''", "-p", "5432"],
    cite(
      "dockerPostgres",
      `${ENTRYPOINT} docker_temp_server_start`,
      `set -- "$@" -c listen_addresses='' -p "\${PGPORT:-5432}"`,
    ),
  ),
  /** Needs a superuser password on an empty data directory unless POSTGRES_HOST_AUTH_METHOD=trust. */
  requiresPasswordEnv: fact("POSTGRES_PASSWORD", cite("dockerPostgres", `${ENTRYPOINT} docker_verify_minimum_env`)),
  /**
   * chmod 700 of PGDATA on every start (not chown when non-root): undoes the kubelet's group bits on the data directory
   * itself.
   */
  chmodsPgdataOnStart: fact(
    "0700",
    cite(
      "dockerPostgres",
      `${ENTRYPOINT} docker_create_db_directories`,
      'mkdir -p "$PGDATA"; chmod 00700 "$PGDATA" || :',
    ),
  ),
  /** The container stops with SIGINT: PostgreSQL's fast shutdown (a shutdown checkpoint, clients disconnected). */
  stopSignal: fact(
    "SIGINT",
    cite("dockerPostgres", DOCKERFILE_17, "STOPSIGNAL SIGINT"),
    cite(
      "kubernetesEnhancements",
      "keps/sig-node/4960-container-stop-signals/README.md",
      "runtimes use the image's stop signal",
    ),
  ),
  /** Default /dev/shm of a container; parallel queries use it through dynamic_shared_memory_type = posix. */
  devShmBytes: fact(
    64 * 1024 * 1024,
    cite(
      "dockerPostgresDocs",
      "postgres/content.md:237",
      "default /dev/shm 64MB; 'could not resize shared memory segment'",
    ),
    cite("containerd", "internal/cri/server/podsandbox/helpers_linux.go:49-50 defaultShmSize"),
  ),
} as const;
