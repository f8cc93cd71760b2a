/** How PostgreSQL 15 reads a restore's recovery target, as pgBackRest writes it into postgresql.auto.conf. */
import { cite, fact } from "../fact";

export const RECOVERY_TARGET = {
  /**
   * recovery_target_time takes timestamptz input but no time zone abbreviation, and RFC 3339's "Z" is one: the server
   * refused to start on '2026-12-06T13:20:24.661Z' (invalid value for parameter "recovery_target_time"); a numeric
   * offset (+00:00) is accepted.
   */
  timeRejectsZoneAbbreviation: fact(
    true,
    cite(
      "pgRecoveryTarget",
      "recovery_target_time",
      "the same format as timestamp with time zone, except that you cannot use a time zone abbreviation; observed FATAL with Z",
    ),
  ),
} as const;
