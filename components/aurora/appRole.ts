/**
 * The application role on Aurora, as the self-hosted backends make theirs (render/bootstrapSql.ts): LOGIN, no
 * superuser, no CREATEROLE, owner of the application database, and no pg_monitor: the statistics it reads come through
 * the definer functions of schema pgrr_stats (sql/statsAccess.ts), as on the self-hosted backends, so it never reads
 * another role's query text. The master user stays for administration. The statements run in one transaction through
 * the RDS Data API as the master user (appRoleRun.ts).
 *
 * The password never reaches PostgreSQL: the role gets the SCRAM verifier computed here (sql/scramVerifier.ts), which
 * PostgreSQL stores as it is (facts/postgres SCRAM_SECRET). It travels as a Data API parameter, and a bound parameter
 * is written to the server log beside its statement under log_statement = all (facts/postgres STATEMENT_LOGGING), so
 * the log and Aurora's exported log group hold at most the verifier.
 */
import { STATEMENT_STATISTICS } from "../facts/postgres";
import { scramVerifier } from "../sql/scramVerifier";
import { STATS_OWNER, STATS_SCHEMA, statsSchemaSql } from "../sql/statsAccess";

/** The attributes the self-hosted backends give their application user, kept equal by a test. */
export const APP_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEROLE";

/** What a later run sets again: all but NOSUPERUSER, which only a superuser may name (checked instead). */
const ALTER_ATTRIBUTES = APP_ROLE_ATTRIBUTES.replace("NOSUPERUSER ", "");

/** The setting the verifier travels in, local to the transaction. */
const VERIFIER_SETTING = "pg_read_replicas.app_verifier";

export interface AppRoleStatement {
  sql: string;
  /** Named parameters (Data API style, :name); only the role's SCRAM verifier, never in the text. */
  parameters: Record<string, string>;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * A stack made before the application role existed let the application log in as the master user, so its tables,
 * sequences, views and functions are the master's; the new role could not read them. When the role is created, what
 * the master owns in the application database becomes the role's (REASSIGN OWNED), and any other database the master
 * owned is given back to it (REASSIGN OWNED also moves shared objects). It runs only when the role is new, so an
 * administrator's later objects stay theirs.
 */
function adoptMasterObjects(role: string): string[] {
  return [
    "  IF created THEN",
    "    SELECT array_agg(datname) INTO others FROM pg_database",
    "      WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = CURRENT_USER) AND datname <> current_database();",
    `    EXECUTE format('REASSIGN OWNED BY CURRENT_USER TO %I', ${role});`,
    "    FOREACH other IN ARRAY coalesce(others, '{}') LOOP",
    "      EXECUTE format('ALTER DATABASE %I OWNER TO CURRENT_USER', other);",
    "    END LOOP;",
    "  END IF;",
  ];
}

/**
 * The role owning the statistics functions (NOLOGIN, pg_monitor), and pg_monitor taken from the application role
 * (granted by earlier versions). The master becomes a member of the owner so it may create objects for it: from
 * PostgreSQL 16 a role's creator holds only ADMIN OPTION on it (createrole_self_grant is empty by default).
 */
function statsOwnerSql(role: string): string[] {
  const owner = literal(STATS_OWNER);
  return [
    `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${owner}) THEN`,
    `    EXECUTE format('CREATE ROLE %I NOLOGIN', ${owner});`,
    "  END IF;",
    `  EXECUTE format('GRANT pg_monitor TO %I', ${owner});`,
    `  EXECUTE format('GRANT %I TO CURRENT_USER', ${owner});`,
    `  IF pg_has_role(${role}, 'pg_monitor', 'MEMBER') THEN`,
    `    EXECUTE format('REVOKE pg_monitor FROM %I', ${role});`,
    "  END IF;",
  ];
}

/**
 * Aurora's reader status for the verifier (sql/replicationSql.ts AURORA_REPLICA_STATUS_SQL), through a definer function
 * of the same name in pgrr_stats: its columns the verifier reads, whatever privilege Aurora asks of the caller (its
 * documentation names none). Made only where the function is a built-in (pg_catalog); elsewhere the verifier's call
 * finds Aurora's own.
 */
function auroraReplicaStatusSql(user: string): string {
  const fn = `${STATS_SCHEMA}.aurora_replica_status()`;
  return [
    "DO $$",
    "BEGIN",
    "  IF to_regprocedure('pg_catalog.aurora_replica_status()') IS NOT NULL THEN",
    `    CREATE OR REPLACE FUNCTION ${fn} RETURNS TABLE (server_id text, session_id text, replica_lag_in_msec double precision)`,
    "      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog",
    "      AS 'SELECT server_id::text, session_id::text, replica_lag_in_msec::float8 FROM pg_catalog.aurora_replica_status()';",
    `    ALTER FUNCTION ${fn} OWNER TO ${STATS_OWNER};`,
    `    REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC;`,
    `    EXECUTE format('GRANT EXECUTE ON FUNCTION ${fn} TO %I', ${literal(user)});`,
    "  END IF;",
    "END $$",
  ].join("\n");
}

/**
 * Idempotent: re-running sets the verifier again (a rotation) and changes nothing else. The verifier reaches ALTER
 * ROLE through a transaction-local setting and dynamic SQL, so no statement text holds it either.
 */
export function appRoleStatements(user: string, database: string, password: string): AppRoleStatement[] {
  const role = literal(user);
  const verifier = `current_setting('${VERIFIER_SETTING}')`;
  return [
    {
      sql: `SELECT set_config('${VERIFIER_SETTING}', :verifier, true)`,
      parameters: { verifier: scramVerifier(user, password) },
    },
    {
      sql: [
        "DO $$",
        "DECLARE",
        `  found pg_roles := (SELECT r FROM pg_roles r WHERE rolname = ${role});`,
        "  created boolean := found IS NULL;",
        "  others name[];",
        "  other name;",
        "BEGIN",
        "  IF created THEN",
        `    EXECUTE format('CREATE ROLE %I WITH ${APP_ROLE_ATTRIBUTES}', ${role});`,
        "  ELSIF found.rolsuper THEN",
        `    RAISE EXCEPTION 'role % exists and is a superuser, which the application role must not be; choose another aurora.appUser', ${role};`,
        "  END IF;",
        // Not NOSUPERUSER again: naming that attribute in ALTER ROLE needs a superuser (ROLE_ADMINISTRATION).
        `  EXECUTE format('ALTER ROLE %I WITH ${ALTER_ATTRIBUTES} PASSWORD %L', ${role}, ${verifier});`,
        ...statsOwnerSql(role),
        // ALTER DATABASE … OWNER and REASSIGN OWNED need the master to hold the new owner's privileges (rds_superuser
        // is not a superuser); from PostgreSQL 16 the creator holds ADMIN OPTION on the role and may grant itself that.
        `  EXECUTE format('GRANT %I TO CURRENT_USER', ${role});`,
        `  EXECUTE format('ALTER DATABASE %I OWNER TO %I', ${literal(database)}, ${role});`,
        ...adoptMasterObjects(role),
        "END $$",
      ].join("\n"),
      parameters: {},
    },
    ...statsSchemaSql(user).map((sql) => ({ sql, parameters: {} })),
    { sql: auroraReplicaStatusSql(user), parameters: {} },
    // Aurora loads the library by default but the view is per database (STATEMENT_STATISTICS); the master creates it
    // (rds_superuser may add extensions), after the adoption above, so it stays the master's.
    {
      sql: `CREATE EXTENSION IF NOT EXISTS ${STATEMENT_STATISTICS.preloadLibrary.value}`,
      parameters: {},
    },
  ];
}
