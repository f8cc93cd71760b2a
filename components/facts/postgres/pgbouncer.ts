/**
 * What PgBouncer does on RELOAD and on PAUSE/RESUME, and who may send them, from its source
 * (src/main.c's table of settings, src/admin.c) and its documentation.
 */
import { cite, fact } from "../fact";

export const PGBOUNCER = {
  /**
   * A server connection older than server_lifetime is closed when a client releases it (end of transaction in
   * transaction pooling), or by the janitor when idle; never while linked to a client.
   */
  serverLifetimeOnRelease: fact(
    true,
    cite("pgbouncer", "src/objects.c:1247 release_server", "'enforce lifetime immediately on release'"),
    cite("pgbouncer", "src/janitor.c:501", "idle servers past their lifetime: 'server lifetime over'"),
    cite("pgbouncerConfigDocs", "#server_lifetime", "closes an unused server connection older than this"),
  ),
  /**
   * Lifetime closes in one pool are spaced server_lifetime / pool_size apart, so a full pool's last old connection
   * goes by about 2 × server_lifetime.
   */
  lifetimeKillGapIsLifetimeOverPoolSize: fact(
    true,
    cite(
      "pgbouncer",
      "src/objects.c:1166-1190 life_over",
      "lifetime_kill_gap = server_lifetime / pool_pool_size(pool)",
    ),
  ),
  /**
   * After a failed server connect or login, a pool makes no new attempt until server_login_retry has passed since
   * the last one; only a successful login clears the flag, so a RELOAD that changes the pool's host does not cut
   * the wait short (and the reload drops the pool's welcome message, so a client logging in after it waits for that
   * next connection too). The setting takes fractions of a second.
   */
  loginRetryAfterFailedConnect: fact(
    true,
    cite(
      "pgbouncer",
      "src/objects.c:1861-1869 launch_new_connection",
      "if (pool->last_connect_failed) { if (now - pool->last_connect_time < cf_server_login_retry) return; }",
    ),
    cite("pgbouncer", "src/objects.c:1227", "pool->last_connect_failed = false only when a server's login completes"),
    cite(
      "pgbouncer",
      "src/objects.c:2496-2517 tag_pool_dirty",
      "a changed database on reload: welcome_msg_ready = false",
    ),
    cite(
      "pgbouncer",
      "lib/usual/cfparser.c parse_time, cf_set_time_usec",
      "strtod_dot: a time setting in fractional seconds",
    ),
    cite(
      "pgbouncerConfigDocs",
      "#server_login_retry",
      "the pooler waits this much before retrying to connect; during the interval new clients get an error immediately",
    ),
  ),
  /** Settings a RELOAD does not change (CF_NO_RELOAD): a new value needs a restart. Everything else reloads. */
  noReloadSettings: fact(
    [
      "disable_pqexec",
      "job_name",
      "listen_addr",
      "listen_backlog",
      "listen_port",
      "pidfile",
      "pkt_buf",
      "resolv_conf",
      "service_name",
      "so_reuseport",
      "track_extra_parameters",
      "unix_socket_dir",
      "unix_socket_group",
      "unix_socket_mode",
      "user",
    ] as readonly string[],
    cite("pgbouncer", "src/main.c:267-341 bouncer_params", "entries flagged CF_NO_RELOAD"),
  ),
  /** RELOAD re-reads the main file and auth_file; the [databases] section's changes apply to new server connections. */
  reloadRereadsFiles: fact(
    "RELOAD",
    cite(
      "pgbouncerUsageDocs",
      "#process-controlling-commands",
      "'RELOAD: The PgBouncer process will reload its configuration files and update changeable settings. This includes the main configuration file as well as the files specified by the settings auth_file and auth_hba_file'",
    ),
  ),
  /**
   * RELOAD (and SIGHUP) builds the TLS contexts again from the client_tls_* and server_tls_* files, whether or not
   * their paths changed: a renewed certificate written over the same files is served to the next client after a
   * RELOAD.
   */
  reloadRereadsTlsFiles: fact(
    true,
    cite(
      "pgbouncer",
      "src/admin.c admin_cmd_reload",
      'load_config(); then sbuf_tls_setup() ("TLS configuration could not be reloaded, keeping old configuration")',
    ),
    cite(
      "pgbouncer",
      "src/sbuf.c sbuf_tls_setup",
      "tls_config_new(); setup_tls(… cf_client_tls_key_file, cf_client_tls_cert_file, cf_client_tls_ca_file …); tls_configure(new_client_accept_base, …); the new context replaces client_accept_base",
    ),
  ),
  /**
   * With server_tls_sslmode = verify-full, PgBouncer before 1.25 checks a server's certificate against the database's
   * whole `host` value, so a host list (`a,b,c`) never matches any certificate ("name `a,b,c' not present in server
   * certificate", seen with 1.24.1 here); 1.25.0 checks the host it dialled. The chain (verify-ca) is checked either
   * way.
   */
  verifiesEachHostOfAListFrom: fact(
    "1.25.0",
    cite("pgbouncer", "src/server.c:734 handle_sslchar", "sbuf_tls_connect(&server->sbuf, server->pool->db->host)"),
    cite(
      "pgbouncer125",
      "src/server.c:727 handle_sslchar, from commit 313ed2cc (#1303)",
      "'SSL verify-full mode is broken with multi-host configuration': sbuf_tls_connect(&server->sbuf, server->host)",
    ),
  ),
  /**
   * Loading auth_file (at start, RELOAD and SIGHUP) first clears every user's password, then sets those the file holds:
   * a file read while it is being rewritten in place (truncated, partly written) leaves the users it lacks without a
   * password, and their SCRAM logins fail ("SASL authentication failed") until the next load.
   */
  authFileLoadClearsPasswordsFirst: fact(
    true,
    cite(
      "pgbouncer",
      "src/loader.c:673-699 load_auth_file",
      "disable_users(): user->credentials.passwd[0] = 0, before reading",
    ),
    cite("pgbouncer", "src/client.c:1281,1305", 'disconnect_client(client, true, "SASL authentication failed")'),
  ),
  /**
   * Only admin_users and stats_users log in to the console (database "pgbouncer"); anyone else is disconnected
   * "not allowed" after authenticating. A stats user may run the SHOW commands, which list every client's user,
   * database and address (SHOW CLIENTS) and every server connection; the commands that change anything need an
   * admin user ("admin access needed").
   */
  consoleLogins: fact(
    { admitted: ["admin_users", "stats_users"], refusal: "not allowed", statsUsersSee: "SHOW CLIENTS" },
    cite("pgbouncer", "src/admin.c:1821-1837 admin_post_login", 'else disconnect_client(client, true, "not allowed")'),
    cite("pgbouncerConfigDocs", "#stats_users", "users allowed to connect and run read-only queries on the console"),
    cite("pgbouncerUsageDocs", "#show-clients", "SHOW CLIENTS: user, database, addr, port of each client"),
  ),
  /**
   * The console admits, without a password, a Unix-socket client of PgBouncer's own uid logging in as "pgbouncer": no
   * admin password needs to exist for a process in the same pod to PAUSE, RESUME or RELOAD.
   */
  sameUidSocketAdmin: fact(
    { user: "pgbouncer", database: "pgbouncer" },
    cite(
      "pgbouncer",
      "src/admin.c:1771-1790 admin_pre_login",
      "'tag same uid as special': pga_is_unix && peer_uid == getuid() && username is \"pgbouncer\"",
    ),
  ),
  /**
   * PAUSE waits until every server connection is released (transaction pooling: each transaction ends) and closes them;
   * clients wait.
   */
  pauseWaitsForTransactions: fact(
    "PAUSE",
    cite(
      "pgbouncerUsageDocs",
      "#process-controlling-commands",
      "'PgBouncer tries to disconnect from all servers … The command will not return before all server connections have been disconnected'; RESUME resumes work",
    ),
  ),
} as const;
