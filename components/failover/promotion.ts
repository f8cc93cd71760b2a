/**
 * What promoting an OLTP replica means for its settings, shared by the local
 * runner and `pg-read-replicas kubernetes failover`: the stack's synchronous
 * commit carried over to the survivors, and the ALTER SYSTEM statements that
 * turn a read-only standby's configuration into a writer's. Pure.
 */
import { ensureSlotsSql } from "../sql/replicationSql";
import type { StandbyNode, Topology } from "../topology/types";

export interface SynchronousPlan {
  commit: string;
  names: string;
  /** For the operator: what commits wait for now. */
  description: string;
}

/**
 * ANY k of the primary region's surviving OLTP replicas (k capped at how many survive, so
 * commits never wait for a standby that is gone).
 */
export function synchronousAfterPromotion(topology: Topology, followers: readonly StandbyNode[]): SynchronousPlan {
  const { synchronousCommit, synchronousReplicas } = topology.replication;
  if (synchronousReplicas === 0)
    return {
      commit: synchronousCommit,
      names: "",
      description: `asynchronous, as the stack (synchronous_commit = ${synchronousCommit})`,
    };
  const survivors = followers.filter((f) => f.role === "oltp" && !f.remote).map((f) => f.name);
  const k = Math.min(synchronousReplicas, survivors.length);
  if (k === 0)
    return {
      commit: "local",
      names: "",
      description: "asynchronous: no OLTP replica of the primary region survives to be synchronous",
    };
  const names = `ANY ${k} (${survivors.map((n) => `"${n}"`).join(", ")})`;
  const capped =
    k < synchronousReplicas ? ` (the stack asks for ${synchronousReplicas}; only ${survivors.length} survive)` : "";
  return {
    commit: synchronousCommit,
    names,
    description: `synchronous_commit = ${synchronousCommit}, synchronous_standby_names = ${names}${capped}`,
  };
}

/**
 * Run on the promoted server, after pg_promote. Its configuration is a replica's
 * (default_transaction_read_only = on, no synchronous settings); ALTER SYSTEM
 * persists the writer's in its data directory. Each followers' slot is made here,
 * so they keep streaming with their WAL retained.
 */
export function promotedWriterSql(plan: SynchronousPlan, followers: readonly StandbyNode[]): string[] {
  return [
    "ALTER SYSTEM SET default_transaction_read_only = off",
    "ALTER SYSTEM RESET primary_conninfo",
    "ALTER SYSTEM RESET primary_slot_name",
    `ALTER SYSTEM SET synchronous_commit = '${plan.commit}'`,
    `ALTER SYSTEM SET synchronous_standby_names = '${plan.names.replace(/'/g, "''")}'`,
    "SELECT pg_reload_conf()",
    ensureSlotsSql(followers.map((f) => f.slot)),
  ];
}

/** Promotion waits (up to 60 s) until the server accepts writes. */
export const PROMOTE_SQL = "SELECT pg_promote(true, 60)";
/** How far a standby has received: the most advanced candidate loses the least. */
export const RECEIVED_LSN_SQL = "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint";
