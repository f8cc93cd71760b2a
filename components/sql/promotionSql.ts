/**
 * The SQL of a promotion, shared by the local runner and `pg-read-replicas kubernetes failover`:
 * choosing the most advanced standby, promoting it, giving it a writer's settings and its
 * followers' slots, pointing a follower at it, and the write that proves the write pool reaches it.
 */
import type { StandbyNode } from "../topology/types";
import { HEARTBEAT_DDL, IDENTITY_SQL, ensureSlotsSql, heartbeatWriteSql } from "./replicationSql";
import { recordWantedSql } from "./synchronousKeeper";

/** Promotion waits (up to 60 s) until the server accepts writes. */
export const PROMOTE_SQL = "SELECT pg_promote(true, 60)";
/** How far a standby has received: the most advanced candidate loses the least. */
export const RECEIVED_LSN_SQL = "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint";
/** The same distance alone (the local runner's candidates are its own standbys). */
export const RECEIVED_BYTES_SQL = "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint";

/** The writer's current end of WAL, as text (pg_lsn). */
export const WRITER_LSN_SQL = "SELECT pg_current_wal_lsn()";

/** On a standby: 't' once it has replayed up to `lsn` (everything the writer had written then is applied). */
export function replayedUpToSql(lsn: string): string {
  if (!/^[0-9A-F]+\/[0-9A-F]+$/i.test(lsn)) throw new Error(`not an LSN: ${lsn}`);
  return `SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`;
}

/** On a standby whose upstream stopped: 't' once it has replayed all it received (nothing left to apply). */
export const REPLAYED_ALL_RECEIVED_SQL =
  "SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()";

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Run on the promoted server, after pg_promote. Its configuration is a replica's
 * (default_transaction_read_only = on, no synchronous settings); ALTER SYSTEM
 * persists the writer's in its data directory, with what the stack asks for when
 * that is more than can be had now (sql/synchronousKeeper.ts). Run in one session.
 * Each followers' slot is made here, so they keep streaming with their WAL retained.
 */
export function promotedWriterSql(
  synchronous: { commit: string; names: string; wanted?: { commit: string; names: string } },
  followers: readonly StandbyNode[],
): string[] {
  return [
    "ALTER SYSTEM SET default_transaction_read_only = off",
    "ALTER SYSTEM RESET primary_conninfo",
    "ALTER SYSTEM RESET primary_slot_name",
    `ALTER SYSTEM SET synchronous_commit = '${synchronous.commit}'`,
    `ALTER SYSTEM SET synchronous_standby_names = ${literal(synchronous.names)}`,
    ...recordWantedSql(synchronous.wanted),
    "SELECT pg_reload_conf()",
    ensureSlotsSql(followers.map((f) => f.slot)),
  ];
}

/** Points a standby at the new writer; primary_conninfo reloads without a restart (PostgreSQL 13+). */
export function followWriterSql(conninfo: string): string[] {
  return [`ALTER SYSTEM SET primary_conninfo = ${literal(conninfo)}`, "SELECT pg_reload_conf()"];
}

/**
 * A heartbeat written through the write pool, then the identity of the server it landed on (the last row): promotion
 * is done when that is the new writer, out of recovery.
 */
export function provingWriteSql(token: string): string[] {
  return [...HEARTBEAT_DDL, heartbeatWriteSql(token), IDENTITY_SQL];
}
