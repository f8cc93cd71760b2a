/**
 * The libpq key words of every standby's connection to its upstream (primary_conninfo, seeding, after a promotion),
 * in one place: bounded connects, keepalives and tcp_user_timeout (facts/postgres/standbyLink.ts says why).
 */
import { STANDBY_LINK } from "../facts/postgres";

export function standbyConnectionKeywords(): string {
  return Object.entries(STANDBY_LINK.connection.value)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}
