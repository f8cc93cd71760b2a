/**
 * The application role on Aurora, as the self-hosted backends make theirs (render/bootstrapSql.ts): LOGIN, no
 * superuser, no CREATEROLE, pg_monitor, owner of the application database; the master user stays for
 * administration. The statements run in one transaction through a connection as the master user (the post-create
 * step; see the report of issue 24 for how it is to be wired), with the password as the only parameter.
 */

/** The attributes the self-hosted backends give their application user, kept equal by a test. */
export const APP_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEROLE";

/** The setting the password travels in, local to the transaction. */
const PASSWORD_SETTING = "pg_read_replicas.app_password";

export interface AppRoleStatement {
  sql: string;
  /** Named parameters (Data API style, :name); only the password, never in the text. */
  parameters: Record<string, string>;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Idempotent: re-running sets the password again (a rotation) and changes nothing else. The password reaches
 * ALTER ROLE through a transaction-local setting and dynamic SQL, so no statement text holds it (log_statement
 * logs a DO block's text, not what it EXECUTEs).
 */
export function appRoleStatements(user: string, database: string, password: string): AppRoleStatement[] {
  const role = literal(user);
  return [
    { sql: `SELECT set_config('${PASSWORD_SETTING}', :password, true)`, parameters: { password } },
    {
      sql: [
        "DO $$ BEGIN",
        `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${role}) THEN`,
        `    EXECUTE format('CREATE ROLE %I WITH ${APP_ROLE_ATTRIBUTES}', ${role});`,
        "  END IF;",
        `  EXECUTE format('ALTER ROLE %I WITH ${APP_ROLE_ATTRIBUTES} PASSWORD %L', ${role}, current_setting('${PASSWORD_SETTING}'));`,
        `  EXECUTE format('GRANT pg_monitor TO %I', ${role});`,
        // ALTER DATABASE … OWNER needs the master to be able to SET ROLE to the new owner (rds_superuser is not a
        // superuser); from PostgreSQL 16 the creator holds ADMIN OPTION on the role and may grant itself that.
        `  EXECUTE format('GRANT %I TO CURRENT_USER', ${role});`,
        `  EXECUTE format('ALTER DATABASE %I OWNER TO %I', ${literal(database)}, ${role});`,
        "END $$",
      ].join("\n"),
      parameters: {},
    },
  ];
}
