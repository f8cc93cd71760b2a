/**
 * How PostgreSQL and PgBouncer take a change, as `local up` relies on it to change a running stack:
 * what a reload applies, what needs a restart, why the writer's clean stop hands every commit to its
 * standbys, how the write pool holds clients while the writer changes, and how the old writer rejoins.
 */
import { cite, fact } from "../fact";

export const CHANGE_FACTS = {
  /**
   * pg_settings.context says how a changed setting takes effect: postmaster at server start only; sighup on a
   * reload; superuser and user on a reload, for sessions without a value of their own; backend and
   * superuser-backend on a reload, for sessions started after it; internal never.
   */
  settingContexts: fact(
    {
      postmaster: "restart",
      sighup: "reload",
      superuser: "reload",
      user: "reload",
      backend: "reload (new sessions)",
      "superuser-backend": "reload (new sessions)",
      internal: "never",
    },
    cite(
      "pgSettingsDocs",
      "context column",
      "'postmaster: These settings can only be applied when the server starts'; 'sighup: Changes to these settings can be made in postgresql.conf without restarting the server'",
    ),
  ),
  /** pg_file_settings reads postgresql.conf afresh when queried and names a line the server would reject. */
  fileSettingsValidate: fact(
    true,
    cite(
      "pgFileSettingsDocs",
      undefined,
      "'useful for pre-testing changes to the configuration files, or for diagnosing problems if a SIGHUP signal did not have the desired effects'; the error column says why a line is refused",
    ),
  ),
  /** A standby needs at least its primary's value of these; with less it pauses replay (hot_standby on). */
  standbyAtLeastPrimary: fact(
    [
      "max_connections",
      "max_prepared_transactions",
      "max_locks_per_transaction",
      "max_wal_senders",
      "max_worker_processes",
    ],
    cite(
      "hotStandbyDocs",
      "#HOT-STANDBY-ADMIN",
      "'the value on the standby must be equal to or greater than the value on the primary'",
    ),
  ),
  /**
   * A clean (smart or fast) shutdown stops the walsenders only after the shutdown checkpoint is written, so a
   * connected standby receives all of the writer's WAL, the shutdown checkpoint included, before it exits.
   */
  walsendersShipShutdownCheckpoint: fact(
    true,
    cite(
      "postgres",
      "src/backend/replication/README, Walsender IPC",
      "'we want the standby servers to receive all the WAL, including the shutdown checkpoint, before the primary is shut down'",
    ),
  ),
  /**
   * PAUSE <db> waits for each server connection to be released by its pool mode (a transaction in transaction
   * pooling) and returns once all are closed; new queries of that database wait until RESUME.
   */
  pauseHoldsClients: fact(
    true,
    cite(
      "pgbouncerUsageDocs",
      "Admin console: PAUSE [db]",
      "'in transaction pooling mode, the transaction must complete'; 'New client connections to a paused database will wait until RESUME is called'",
    ),
  ),
  /** Clients waiting on a paused pool are dropped after query_wait_timeout (default 120 s, kept by the ini). */
  pausedClientsWaitSeconds: fact(120, cite("pgbouncerConfigDocs", "query_wait_timeout", "Default: 120")),
  /** pg_rewind reads the source's timeline from its control file: a just-promoted source needs a CHECKPOINT first. */
  rewindNeedsCheckpointAfterPromotion: fact(
    true,
    cite(
      "pgRewindDocs",
      "Notes",
      "'it is necessary to execute a CHECKPOINT after promotion such that its control file reflects up-to-date timeline information'",
    ),
  ),
  /**
   * pg_controldata prints the control file's last checkpoint (a cleanly stopped server's shutdown checkpoint, the
   * last record it wrote) under this label; the labels are translated, so it runs with LC_ALL=C.
   */
  controldataCheckpointLabel: fact(
    "Latest checkpoint location:",
    cite(
      "postgres",
      "src/bin/pg_controldata/pg_controldata.c",
      'printf(_("Latest checkpoint location:           %X/%X\\n"), LSN_FORMAT_ARGS(ControlFile->checkPoint))',
    ),
  ),
  /** pg_rewind needs wal_log_hints (or data checksums) on the target and a cleanly stopped target. */
  rewindNeedsHintsAndCleanStop: fact(
    true,
    cite(
      "pgRewindDocs",
      "Description",
      "'the target server … must have been shut down cleanly'; wal_log_hints or data checksums",
    ),
  ),
  /** pg_rewind copies the source's files over the target's, postgresql.auto.conf included. */
  rewindCopiesAutoConf: fact(
    true,
    cite(
      "pgRewindDocs",
      "How It Works",
      "'all other files ... are copied in full from the source cluster', postgresql.auto.conf included",
    ),
  ),
};

/**
 * PgBouncer settings a RELOAD does not change (SHOW CONFIG: changeable = no), for when no pool runs to ask: of those
 * the rendered pgbouncer.ini sets, the listening address, port and Unix socket directory.
 */
export const POOL_FIXED_SETTINGS = fact(
  [
    "listen_addr",
    "listen_port",
    "listen_backlog",
    "unix_socket_dir",
    "unix_socket_mode",
    "unix_socket_group",
    "user",
    "pidfile",
    "pkt_buf",
    "so_reuseport",
  ],
  cite(
    "pgbouncerConfigDocs",
    undefined,
    "'can be changed only at startup' / SHOW CONFIG changeable = no; read from PgBouncer 1.24.1's SHOW CONFIG on this machine",
  ),
);
