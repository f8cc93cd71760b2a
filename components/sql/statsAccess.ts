/**
 * What the application role reads of the servers' statistics (issue 25 item 4): the replication views and the WAL
 * directory listings the verifier and the read pool's probe use, not pg_monitor. pg_monitor holds pg_read_all_stats,
 * which shows every session's query text (facts/postgres/statementStatistics.ts), so a role with it reads what every
 * other role runs.
 *
 * Instead a NOLOGIN role holding pg_monitor owns SECURITY DEFINER functions returning those views' rows and those
 * listings, in the application database's schema `pgrr_stats`, under the catalog's own names (views
 * pg_stat_replication, pg_stat_wal_receiver and pg_stat_activity of the server's own processes and the session user's
 * sessions, functions pg_ls_waldir() and pg_ls_archive_statusdir()). A session
 * that puts the schema before pg_catalog in its search_path (STATS_OPTIONS, a startup option: the verifier's and the
 * probe's server connections, verify.sh's psql) reads them with the same SQL a superuser runs; any other session of the
 * application sees the catalog as before, without other sessions' details. Where the schema does not exist yet (a
 * writer not restarted since the upgrade) the search path skips it and the catalog answers. Replicated to standbys.
 * Pure.
 */

import { STATS_OWNER, STATS_SCHEMA } from "../ground/statsNames";

export { STATS_OPTIONS, STATS_OWNER, STATS_SCHEMA } from "../ground/statsNames";

/** A catalog view served through a definer function of the same rows. */
const VIEWS = [
  { view: "pg_stat_replication", fn: "wal_senders" },
  { view: "pg_stat_wal_receiver", fn: "wal_receiver" },
] as const;

/**
 * pg_stat_activity, of the server's own processes (WAL replay, its receiver and senders, the checkpointer, …) and of
 * the session user's own sessions: never another role's query. Parallel workers carry their leader's query, so they
 * count as sessions.
 */
const SERVER_PROCESSES = [
  "startup",
  "walreceiver",
  "walsender",
  "walwriter",
  "checkpointer",
  "background writer",
  "archiver",
  "autovacuum launcher",
  "logical replication launcher",
];
const ACTIVITY_SQL = `SELECT * FROM pg_catalog.pg_stat_activity WHERE backend_type IN (${SERVER_PROCESSES.map((t) => `''${t}''`).join(", ")}) OR usename = session_user`;

/** pg_monitor's directory listings, same name and columns. */
const LISTINGS = ["pg_ls_waldir", "pg_ls_archive_statusdir"] as const;

const definer = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog";

/** Cluster-wide (in any database, before `\connect`): the owner role, and the application role without pg_monitor. */
export function statsRolesSql(appRole: string): string[] {
  return [
    "-- The statistics the application reads come through pgrr_stats' functions, owned by this role; the application",
    "-- itself holds no pg_monitor, whose pg_read_all_stats would show it every session's query.",
    `SELECT format('CREATE ROLE %I NOLOGIN', '${STATS_OWNER}') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${STATS_OWNER}') \\gexec`,
    `GRANT pg_monitor TO ${STATS_OWNER};`,
    `REVOKE pg_monitor FROM ${appRole};`,
  ];
}

/** In the application database, as a superuser: the schema, its functions and views, and the grants. Idempotent. */
export function statsSchemaSql(appRole: string): string[] {
  const s = STATS_SCHEMA;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s} AUTHORIZATION ${STATS_OWNER};`,
    ...VIEWS.flatMap(({ view, fn }) => [
      `CREATE OR REPLACE FUNCTION ${s}.${fn}() RETURNS SETOF pg_catalog.${view} ${definer} AS 'SELECT * FROM pg_catalog.${view}';`,
      `ALTER FUNCTION ${s}.${fn}() OWNER TO ${STATS_OWNER};`,
      `CREATE OR REPLACE VIEW ${s}.${view} AS SELECT * FROM ${s}.${fn}();`,
      `ALTER VIEW ${s}.${view} OWNER TO ${STATS_OWNER};`,
    ]),
    `CREATE OR REPLACE FUNCTION ${s}.activity() RETURNS SETOF pg_catalog.pg_stat_activity ${definer} AS '${ACTIVITY_SQL}';`,
    `ALTER FUNCTION ${s}.activity() OWNER TO ${STATS_OWNER};`,
    `CREATE OR REPLACE VIEW ${s}.pg_stat_activity AS SELECT * FROM ${s}.activity();`,
    `ALTER VIEW ${s}.pg_stat_activity OWNER TO ${STATS_OWNER};`,
    ...LISTINGS.flatMap((fn) => [
      `CREATE OR REPLACE FUNCTION ${s}.${fn}() RETURNS TABLE (name text, size bigint, modification timestamptz) ${definer} AS 'SELECT * FROM pg_catalog.${fn}()';`,
      `ALTER FUNCTION ${s}.${fn}() OWNER TO ${STATS_OWNER};`,
    ]),
    `REVOKE ALL ON SCHEMA ${s} FROM PUBLIC;`,
    `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${s} FROM PUBLIC;`,
    `GRANT USAGE ON SCHEMA ${s} TO ${appRole};`,
    `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${s} TO ${appRole};`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${appRole};`,
  ];
}

/**
 * Both parts as one psql script, for a running writer whose bootstrap ran before this version (the local backend's
 * `local up` runs it on every start; the statefulset engine's bootstrap hook at the writer's next start).
 */
export function statsAccessScript(database: string, appRole: string): string {
  // Acknowledged locally: a synchronous standby that is down must not hold up a catalog change made again each time.
  const local = "SET synchronous_commit = local;";
  return [
    "\\set ON_ERROR_STOP on",
    local,
    ...statsRolesSql(appRole),
    `\\connect ${database}`,
    local,
    ...statsSchemaSql(appRole),
    "",
  ].join("\n");
}
