/**
 * The application role on Aurora, as the self-hosted backends make theirs (render/bootstrapSql.ts): LOGIN, no
 * superuser, no CREATEROLE, pg_monitor, owner of the application database; the master user stays for
 * administration. The statements run in one transaction through the RDS Data API as the master user (appRoleRun.ts).
 *
 * The password never reaches PostgreSQL: the role gets the SCRAM verifier computed here (sql/scramVerifier.ts), which
 * PostgreSQL stores as it is (facts/postgres SCRAM_SECRET). It travels as a Data API parameter, and a bound parameter
 * is written to the server log beside its statement under log_statement = all (facts/postgres STATEMENT_LOGGING), so
 * the log and Aurora's exported log group hold at most the verifier.
 */
import { STATEMENT_STATISTICS } from "../facts/postgres";
import { scramVerifier } from "../sql/scramVerifier";

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
        `  EXECUTE format('GRANT pg_monitor TO %I', ${role});`,
        // ALTER DATABASE … OWNER and REASSIGN OWNED need the master to hold the new owner's privileges (rds_superuser
        // is not a superuser); from PostgreSQL 16 the creator holds ADMIN OPTION on the role and may grant itself that.
        `  EXECUTE format('GRANT %I TO CURRENT_USER', ${role});`,
        `  EXECUTE format('ALTER DATABASE %I OWNER TO %I', ${literal(database)}, ${role});`,
        ...adoptMasterObjects(role),
        "END $$",
      ].join("\n"),
      parameters: {},
    },
    // Aurora loads the library by default but the view is per database (STATEMENT_STATISTICS); the master creates it
    // (rds_superuser may add extensions), after the adoption above, so it stays the master's.
    {
      sql: `CREATE EXTENSION IF NOT EXISTS ${STATEMENT_STATISTICS.preloadLibrary.value}`,
      parameters: {},
    },
  ];
}
