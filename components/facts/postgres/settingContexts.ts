/**
 * When a PostgreSQL setting takes effect: its context, as the server's own table of settings
 * declares it (the `context` column of pg_settings). Only `postmaster` settings need a restart;
 * every other context is re-read when the server reloads its configuration files (SIGHUP,
 * pg_reload_conf()). Every setting the product renders is listed; test/unit/settingContexts.test.ts
 * checks the table against the server binary on this machine (`postgres --describe-config`).
 */
import { cite, fact } from "../fact";

export type SettingContext =
  "internal" | "postmaster" | "sighup" | "superuser-backend" | "backend" | "superuser" | "user";

const GUC_TABLE = "src/backend/utils/misc/guc.c ConfigureNamesBool/Int/Real/String/Enum";

export const SETTING_CONTEXTS = fact<Readonly<Record<string, SettingContext>>>(
  {
    // placement and paths (the renderer's header)
    listen_addresses: "postmaster",
    port: "postmaster",
    hba_file: "postmaster",
    ident_file: "postmaster",
    unix_socket_directories: "postmaster",
    cluster_name: "postmaster",
    ssl: "sighup",
    ssl_cert_file: "sighup",
    ssl_key_file: "sighup",
    ssl_min_protocol_version: "sighup",
    // connections and memory
    max_connections: "postmaster",
    superuser_reserved_connections: "postmaster",
    // never rendered, but a standby needs at least its primary's value (the change planners refuse lowering them)
    max_locks_per_transaction: "postmaster",
    max_prepared_transactions: "postmaster",
    password_encryption: "user",
    shared_buffers: "postmaster",
    huge_pages: "postmaster",
    shared_preload_libraries: "postmaster",
    effective_cache_size: "user",
    work_mem: "user",
    maintenance_work_mem: "user",
    temp_buffers: "user",
    // planner and parallelism
    effective_io_concurrency: "user",
    random_page_cost: "user",
    seq_page_cost: "user",
    default_statistics_target: "user",
    jit: "user",
    max_worker_processes: "postmaster",
    max_parallel_workers_per_gather: "user",
    max_parallel_workers: "user",
    max_parallel_maintenance_workers: "user",
    parallel_setup_cost: "user",
    parallel_tuple_cost: "user",
    enable_partitionwise_join: "user",
    enable_partitionwise_aggregate: "user",
    // WAL and replication
    wal_level: "postmaster",
    max_wal_senders: "postmaster",
    max_replication_slots: "postmaster",
    wal_keep_size: "sighup",
    max_slot_wal_keep_size: "sighup",
    wal_log_hints: "postmaster",
    synchronous_commit: "user",
    synchronous_standby_names: "sighup",
    log_replication_commands: "superuser",
    primary_conninfo: "sighup",
    primary_slot_name: "sighup",
    // the WAL archive (stack config backup): archive_mode restarts, the commands and the timeout reload
    archive_mode: "postmaster",
    archive_command: "sighup",
    archive_timeout: "sighup",
    restore_command: "sighup",
    // commit path and checkpoints
    commit_delay: "superuser",
    commit_siblings: "user",
    wal_compression: "superuser",
    checkpoint_timeout: "sighup",
    max_wal_size: "sighup",
    min_wal_size: "sighup",
    // standbys
    hot_standby: "postmaster",
    default_transaction_read_only: "user",
    wal_receiver_status_interval: "sighup",
    wal_receiver_timeout: "sighup",
    hot_standby_feedback: "sighup",
    max_standby_streaming_delay: "sighup",
    max_standby_archive_delay: "sighup",
    // session guards and logging
    statement_timeout: "user",
    idle_in_transaction_session_timeout: "user",
    lock_timeout: "user",
    log_line_prefix: "sighup",
    log_min_duration_statement: "superuser",
    log_lock_waits: "superuser",
    log_temp_files: "superuser",
    track_io_timing: "superuser",
  },
  cite("postgres", GUC_TABLE, "each entry's GucContext: PGC_POSTMASTER, PGC_SIGHUP, PGC_SUSET, PGC_USERSET, …"),
  cite(
    "pgSettingsDocs",
    "context column",
    "postmaster: 'can only be applied when the server starts'; sighup: 'changes … can be made in postgresql.conf without restarting the server. Send a SIGHUP signal'",
  ),
);

/** The one context whose changes wait for a restart. */
export const RESTART_CONTEXT = fact<SettingContext>(
  "postmaster",
  cite("pgSettingsDocs", "context column", "'so any change requires restarting the server'"),
);

/**
 * A reload with a value the server rejects keeps the old value and logs the error; a restart with the same file
 * refuses to start. So a reloadable setting never restarts a pod, and a bad one surfaces at the next restart.
 */
export const RELOAD_KEEPS_OLD_VALUE_ON_ERROR = fact(
  true,
  cite(
    "postgres",
    "src/backend/utils/misc/guc-file.l ProcessConfigFile",
    "'configuration file … contains errors; unaffected changes were applied' at reload; FATAL at postmaster start",
  ),
);

/** pg_hba.conf and pg_ident.conf are read at start and again on every reload (SIGHUP, pg_reload_conf()). */
export const HBA_READ_ON_RELOAD = fact(
  true,
  cite(
    "hbaDocs",
    undefined,
    "'The pg_hba.conf file is read on start-up and when the main server process receives a SIGHUP signal'",
  ),
);
