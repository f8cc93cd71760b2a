/**
 * What an error after COMMIT was sent says about the write. COMMIT and the position query
 * go in one message (sql.ts), so an error may come from either. COMMIT itself fails only on
 * what the transaction did (a deferred constraint, a serialization failure, a deferred
 * trigger's error): then PostgreSQL has rolled it back and says so with that error's
 * SQLSTATE. The position query reads no table and takes no lock: it can fail only as any
 * statement can at any moment (the connection lost, the backend terminated or cancelled,
 * out of memory, an internal error), and such an error may equally have struck after COMMIT
 * succeeded. So only a server error of a class the position query cannot raise proves the
 * rollback; everything else leaves the outcome unknown.
 */
import pg from "pg";

/**
 * SQLSTATE classes any statement can raise regardless of what it does (PostgreSQL's errcodes.txt): 08 connection
 * exception, 53 insufficient resources, 57 operator intervention (query_canceled, admin_shutdown, ...), 58 system
 * error, XX internal error; and 40003 statement_completion_unknown, which says so itself.
 */
const ANY_STATEMENT_CLASSES = new Set(["08", "53", "57", "58", "XX"]);
const UNKNOWN_CODES = new Set(["40003"]);

export type CommitOutcome = "rolled back" | "unknown";

export function commitOutcome(error: unknown): CommitOutcome {
  // A server's ErrorResponse: pg's DatabaseError with a five-character SQLSTATE. Socket errors (EPIPE, ECONNRESET)
  // and pg's own "Connection terminated" carry no SQLSTATE, or a Node error code that is not one.
  if (!(error instanceof pg.DatabaseError) || typeof error.code !== "string" || !/^[0-9A-Z]{5}$/.test(error.code)) {
    return "unknown";
  }
  if (UNKNOWN_CODES.has(error.code) || ANY_STATEMENT_CLASSES.has(error.code.slice(0, 2))) return "unknown";
  return "rolled back";
}
