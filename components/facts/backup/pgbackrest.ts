/**
 * The backup tools for the local and statefulset backends (issue 22): pgBackRest 2.45 as Debian 12 ships it, what
 * barman-cli-cloud cannot do, and what the official postgres image lacks. Observed behaviours were measured on this
 * machine (design note /work/shared/issue22-design.md §b).
 */
import { cite, fact } from "../fact";

const HELP = "src/build/help/help.xml";
const CONFIG = "src/build/config/config.yaml";
const ERRORS = "src/build/error/error.yaml";

/** pgBackRest 2.45 (Debian 12), the tool for the local and statefulset backends. */
export const PGBACKREST = {
  version: fact("2.45", cite("pgbackrestDebian", undefined, "pgbackrest version → pgBackRest 2.45")),
  /** Runtime libraries: all already in postgres:<major>-bookworm (it installs postgresql-<major> from PGDG). */
  debianDepends: fact(
    ["postgresql-common", "libbz2-1.0", "libc6", "liblz4-1", "libpq5", "libssl3", "libxml2", "libzstd1", "zlib1g"],
    cite("pgbackrestDebian", undefined, "dpkg -s pgbackrest: Depends"),
  ),
  defaults: fact(
    {
      configFile: "/etc/pgbackrest/pgbackrest.conf",
      repoPath: "/var/lib/pgbackrest",
      logPath: "/var/log/pgbackrest",
      lockPath: "/tmp/pgbackrest",
      spoolPath: "/var/spool/pgbackrest",
      compressType: "gz",
      archiveAsync: false,
      targetAction: "pause",
    },
    cite("pgbackrest245", `${CONFIG}:2168-2172`, "repo-path default /var/lib/pgbackrest"),
    cite("pgbackrest245", `${CONFIG}:1038-1041`, "log-path default /var/log/pgbackrest"),
    cite("pgbackrest245", `${CONFIG}:826-829`, "lock-path default /tmp/pgbackrest"),
    cite("pgbackrest245", `${CONFIG}:921-924`, "spool-path default /var/spool/pgbackrest"),
    cite("pgbackrest245", `${CONFIG}:750-753`, "compress-type default gz; allow-list none bz2 gz lz4 zst"),
    cite("pgbackrest245", `${CONFIG}:1074-1077`, "archive-async default false"),
    cite("pgbackrest245", `${CONFIG}:402-404`, "target-action default pause"),
  ),
  /**
   * target-action is refused unless --type is one of these (exit 31, "option 'target-action' not valid without option
   * 'type' in (...)").
   */
  targetActionNeedsType: fact(
    ["immediate", "lsn", "name", "time", "xid"],
    cite("pgbackrest245", `${CONFIG}:411-418`, "depend: option type, list"),
    cite(
      "pgbackrest245",
      `${ERRORS}:15`,
      "option-invalid: 31 (observed exit code 31 with --target-action and no --type)",
    ),
  ),
  restoreTypes: fact(
    ["default", "immediate", "lsn", "name", "xid", "time", "preserve", "standby", "none"],
    cite("pgbackrest245", `${HELP}:2252`, "restore option type (restore command at 2220)"),
  ),
  retentionFull: fact(
    { min: 1, max: 9999999, types: ["count", "time"], defaultType: "count" },
    cite("pgbackrest245", `${CONFIG}:2236-2241`, "repo-retention-full allow-range [1, 9999999]"),
    cite(
      "pgbackrest245",
      `${HELP}:825-845`,
      "repo-retention-full-type: count (default) or time (days); WAL older than the oldest kept full backup expires",
    ),
  ),
  /** Exit codes seen here, from the error table. */
  exitCodes: fact(
    { optionInvalid: 31, optionInvalidValue: 32, pathNotEmpty: 40, lockAcquire: 50, dbMismatch: 58 },
    cite("pgbackrest245", `${ERRORS}:15-38`),
  ),
  /**
   * stanza-create (and the other commands that take the stanza's archive lock) fail at once with exit 50 ("unable to
   * acquire lock on file …-archive.lock … is another pgBackRest process running?") while an asynchronous archive-push
   * holds that lock; they take no wait option. Seen here: `local up` on a running stack whose writer was archiving (a
   * CI run of test/integration/backup-archive.test.ts).
   */
  archiveLockFailsFast: fact(true, cite("pgbackrest245", `${ERRORS}:15-38`, "lock-acquire 50")),
  /**
   * archive-push refuses to run when PostgreSQL's cwd (its data directory) differs from pg1-path: every server needs
   * its own pg1-path.
   */
  archivePushChecksDataDirectory: fact(
    true,
    cite(
      "pgbackrest245",
      "src/command/archive/common.c:369",
      "working directory '%s' is not the same as option pg1-path; observed exit 32 after promoting a standby whose archive_command named the old writer's path",
    ),
  ),
  /** restore into a non-empty directory is refused without --delta (exit 40). */
  restoreNeedsEmptyDirOrDelta: fact(true, cite("pgbackrest245", "src/command/restore/restore.c:950")),
  /** A backup right after promotion fails until a checkpoint updates pg_control's timeline (exit 58). */
  backupAfterPromoteNeedsCheckpoint: fact(
    true,
    cite(
      "pgbackrest245",
      "src/db/db.c:466",
      "WAL timeline %u does not match pg_control timeline %u; observed, fixed by CHECKPOINT",
    ),
  ),
  /** What restore writes: recovery.signal (standby.signal for --type=standby) and postgresql.auto.conf lines. */
  restoreWrites: fact(
    {
      signal: { default: "recovery.signal", standby: "standby.signal" },
      autoConf: [
        "restore_command",
        "recovery_target_*",
        "recovery_target_action (only with --target-action)",
        "primary_conninfo/primary_slot_name (via --recovery-option)",
      ],
    },
    cite(
      "pgbackrestDebian",
      undefined,
      "observed: pgbackrest restore output in postgresql.auto.conf, §b of the design note",
    ),
  ),
  /**
   * restore --type=time picks the backup set by parsing --target itself, and refuses RFC 3339's `T` and `Z` (exit 29:
   * "time format must be YYYY-MM-DD HH:MM:SS with optional msec and optional timezone (+/- HH or HHMM or HH:MM)").
   */
  restoreTimeFormat: fact(
    "YYYY-MM-DD HH:MM:SS[.fraction][+/-HH[:MM]]",
    cite(
      "pgbackrestDebian",
      undefined,
      "observed: --target=2026-12-06T13:44:49.491917Z → ERROR [029] automatic backup set selection cannot be performed",
    ),
  ),
  /** pgBackRest publishes no official container image. */
  officialImage: fact(false, cite("pgbackrestIssue1883")),
  /** `info` refuses pg options on its command line (exit 31): keep them in the config file. */
  infoRejectsPgOptions: fact(
    true,
    cite("pgbackrestDebian", undefined, "observed: option 'pg-path' not valid for command 'info'"),
  ),
  /** Backup from a separate host needs pg1-host over ssh or the TLS server (`pgbackrest server`, 2.37+). */
  remoteProtocol: fact(
    { hostTypes: ["ssh", "tls"], default: "ssh", tlsServerDefaultAddress: "localhost" },
    cite("pgbackrest245", `${CONFIG}:1503`, "pg-host-type"),
    cite(
      "pgbackrestDebian",
      undefined,
      "pgbackrest help backup pg-host-type; pgbackrest help server tls-server-address",
    ),
  ),
  /** archive-push-queue-max: past it pgBackRest acknowledges and DROPS WAL (PITR gap); leave unset. */
  archivePushQueueMaxDropsWal: fact(
    true,
    cite("pgbackrestDebian", undefined, "pgbackrest help archive-push archive-push-queue-max"),
  ),
} as const;

/** barman-cli-cloud 3.4 (Debian 12): object storage only. */
export const BARMAN_CLI_CLOUD = {
  version: fact("3.4.0", cite("barmanCliCloudDebian")),
  providers: fact(["aws-s3", "azure-blob-storage", "google-cloud-storage"], cite("barmanCliCloudDebian")),
  /** No filesystem destination: the local backend could only use it against an S3 emulator. */
  filesystemDestination: fact(false, cite("barmanCliCloudDebian")),
} as const;

/** The official image as pinned (docker-library/postgres at 6edb0a8c, the dockerPostgres source already registered). */
export const POSTGRES_IMAGE_BACKUP = {
  /** No backup tool in the image: no pgbackrest, barman or wal-g in 15/16/17 bookworm. */
  backupTools: fact(
    [] as string[],
    cite("dockerPostgres", "15/bookworm/Dockerfile, 16/…, 17/…", "git grep -i 'pgbackrest|barman|wal-g' finds nothing"),
  ),
  /**
   * The PGDG apt source stays configured in the image, so a derived image can `apt-get install` from it (or from Debian
   * main).
   */
  pgdgSource: fact(
    "deb [ signed-by=/usr/local/share/keyrings/postgres.gpg.asc ] http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main $PG_MAJOR",
    cite(
      "dockerPostgres",
      "15/bookworm/Dockerfile:100-104",
      'aptRepo=…; echo "deb $aptRepo" > /etc/apt/sources.list.d/pgdg.list (amd64, arm64, ppc64el)',
    ),
    cite(
      "dockerPostgres",
      "15/bookworm/Dockerfile:161",
      "only /var/lib/apt/lists/* and temp.list are removed afterwards",
    ),
  ),
} as const;
