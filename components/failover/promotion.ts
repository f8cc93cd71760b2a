/**
 * What promoting an OLTP replica means for its settings, shared by the local
 * runner and `pg-read-replicas kubernetes failover`: the stack's synchronous
 * commit carried over to the survivors. The statements that apply it are in
 * sql/promotionSql.ts. Pure.
 */
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
