/** Sources: PostgreSQL and PgBouncer: the server, libpq and the pooler. */
import type { Source } from "./source";

const POSTGRES_DOCS = "https://www.postgresql.org/docs/current";

export const POSTGRES_SOURCES = {
  postgres: {
    repo: "postgres/postgres",
    ref: "REL_15_18",
    note: "the server this machine runs and the local backend boots (Debian 15.18); the messages cited are in its binary",
  },
  pgpassDocs: { url: `${POSTGRES_DOCS}/libpq-pgpass.html`, title: "PostgreSQL: The Password File" },
  standbyDocs: { url: `${POSTGRES_DOCS}/warm-standby.html`, title: "PostgreSQL: Log-Shipping Standby Servers" },
  replicationProtocolDocs: {
    url: `${POSTGRES_DOCS}/protocol-replication.html`,
    title: "PostgreSQL: Streaming Replication Protocol",
  },
  hbaDocs: {
    url: `${POSTGRES_DOCS}/auth-pg-hba-conf.html`,
    title: "PostgreSQL: The pg_hba.conf File (read at start and on SIGHUP)",
  },
  shutdownDocs: { url: `${POSTGRES_DOCS}/server-shutdown.html`, title: "PostgreSQL: Shutting Down the Server" },
  pgSettingsDocs: {
    url: `${POSTGRES_DOCS}/view-pg-settings.html`,
    title: "PostgreSQL: pg_settings (its context column)",
  },
  controldataSource: {
    repo: "postgres/postgres",
    ref: "REL_15_18",
    path: "src/bin/pg_controldata/pg_controldata.c",
    title: "pg_controldata: dbState() and the lines it prints",
  },
  pgReplicationFunctionsDocs: {
    url: "https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-REPLICATION",
    title: "PostgreSQL 15: Replication Management Functions",
  },
  pgReceivewalDocs: {
    url: "https://www.postgresql.org/docs/15/app-pgreceivewal.html",
    title: "PostgreSQL 15: pg_receivewal",
  },
  sslTcpDocs: { url: `${POSTGRES_DOCS}/ssl-tcp.html`, title: "PostgreSQL: Secure TCP/IP Connections with SSL" },
  pgStatStatementsDocs: {
    url: `${POSTGRES_DOCS}/pgstatstatements.html`,
    title: "PostgreSQL: pg_stat_statements — track statistics of SQL planning and execution",
  },
  createRoleDocs: {
    url: "https://www.postgresql.org/docs/15/sql-createrole.html",
    title: "PostgreSQL 15: CREATE ROLE (PASSWORD: an already-encrypted string is stored as it is)",
  },
  alterSystemDocs: {
    url: `${POSTGRES_DOCS}/sql-altersystem.html`,
    title: "PostgreSQL: ALTER SYSTEM (written to postgresql.auto.conf; not inside a transaction block)",
  },
  customOptionsDocs: {
    url: `${POSTGRES_DOCS}/runtime-config-custom.html`,
    title: "PostgreSQL: Customized Options (placeholders with a dotted name)",
  },
  postgres17ReleaseNotes: {
    url: "https://www.postgresql.org/docs/17/release-17.html",
    title: "PostgreSQL 17 release notes (ALTER SYSTEM and unrecognized custom server variables)",
  },
  loggingConfigDocs: {
    url: `${POSTGRES_DOCS}/runtime-config-logging.html`,
    title: "PostgreSQL: Error Reporting and Logging (log_statement, log_parameter_max_length)",
  },
  reassignOwnedDocs: {
    url: `${POSTGRES_DOCS}/sql-reassign-owned.html`,
    title: "PostgreSQL: REASSIGN OWNED (the current database's objects and the shared objects)",
  },
  predefinedRolesDocs: { url: `${POSTGRES_DOCS}/predefined-roles.html`, title: "PostgreSQL: Predefined Roles" },
  replicationConfigDocs: {
    url: `${POSTGRES_DOCS}/runtime-config-replication.html`,
    title: "PostgreSQL: Replication settings (wal_receiver_timeout, primary_conninfo)",
  },
  pgbouncerConfigDocs: { url: "https://www.pgbouncer.org/config.html", title: "PgBouncer: configuration" },
  hotStandbyDocs: { url: `${POSTGRES_DOCS}/hot-standby.html`, title: "PostgreSQL: Hot Standby" },
  pgRewindDocs: { url: `${POSTGRES_DOCS}/app-pgrewind.html`, title: "PostgreSQL: pg_rewind" },
  postgresResourceDocs: {
    url: `${POSTGRES_DOCS}/runtime-config-resource.html#GUC-HUGE-PAGES`,
    title: "PostgreSQL: Resource Consumption (huge_pages: try, on, off; default try)",
  },
  pgFileSettingsDocs: { url: `${POSTGRES_DOCS}/view-pg-file-settings.html`, title: "PostgreSQL: pg_file_settings" },
  pgbouncerUsageDocs: {
    url: "https://www.pgbouncer.org/usage.html",
    title: "PgBouncer: usage (the admin console: PAUSE, RESUME, RELOAD)",
  },
  pgbouncer: {
    repo: "pgbouncer/pgbouncer",
    ref: "pgbouncer_1_24_1",
    note: "the version the local runner and the harness build; 1.25's src/main.c and src/admin.c say the same at these places",
  },
  pgbouncer125: {
    repo: "pgbouncer/pgbouncer",
    ref: "pgbouncer_1_25_0",
    note: "the version the Kubernetes pool image runs",
  },
  pgPool: {
    repo: "brianc/node-postgres",
    ref: "pg-pool@3.14.0",
    path: "packages/pg-pool/index.js",
    note: "the version package-lock.json installs (node_modules/pg-pool/index.js), under pg 8.23.1",
  },
} as const satisfies Record<string, Source>;
