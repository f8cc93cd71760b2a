/**
 * What PostgreSQL's statement logging writes: with log_statement = all a bound parameter's value is logged beside its
 * statement, so a secret sent as a parameter is no safer in the log than one in the statement's text. The Aurora
 * application role's step sends the role's SCRAM verifier, never its password (aurora/appRole.ts).
 */
import { cite, fact } from "../fact";

export const STATEMENT_LOGGING = {
  /** An extended-protocol statement logged by log_statement carries its bound values in full by default. */
  bindParametersLogged: fact(
    { setting: "log_parameter_max_length", default: -1 },
    cite(
      "postgres",
      "src/backend/tcop/postgres.c: exec_execute_message",
      'if (check_log_statement(portal->stmts)) ereport(LOG, (errmsg("… execute …: %s", …), errhidestmt(true), errdetail_params(portalParams)))',
    ),
    cite(
      "loggingConfigDocs",
      "log_parameter_max_length",
      "-1 (the default) allows bind parameters to be logged in full; it is settable by superusers only",
    ),
  ),
} as const;
