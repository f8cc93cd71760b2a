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
  /**
   * Set when the stack commits synchronously but none of its surviving OLTP replicas runs now: the new writer commits
   * locally rather than hold every commit until one comes back. What to set once one streams again.
   */
  degraded?: { names: string };
}

/**
 * ANY k of the primary region's surviving OLTP replicas, k capped at how many of them run now (`running`): commits
 * never wait for a standby that is gone or cannot start (a refused old writer).
 */
export function synchronousAfterPromotion(
  topology: Topology,
  followers: readonly StandbyNode[],
  running: ReadonlySet<string>,
): SynchronousPlan {
  const { synchronousCommit, synchronousReplicas } = topology.replication;
  if (synchronousReplicas === 0)
    return {
      commit: synchronousCommit,
      names: "",
      description: `asynchronous, as the stack (synchronous_commit = ${synchronousCommit})`,
    };
  const survivors = followers.filter((f) => f.role === "oltp" && !f.remote).map((f) => f.name);
  if (survivors.length === 0)
    return {
      commit: "local",
      names: "",
      description: "asynchronous: no OLTP replica of the primary region survives to be synchronous",
    };
  const quoted = survivors.map((n) => `"${n}"`).join(", ");
  const runningNow = survivors.filter((name) => running.has(name));
  const k = Math.min(synchronousReplicas, runningNow.length);
  if (k === 0)
    return {
      commit: "local",
      names: "",
      description: `asynchronous for now: none of the OLTP replicas that follow it (${survivors.join(", ")}) runs to acknowledge a synchronous commit, and every commit would wait for one`,
      degraded: { names: `ANY ${Math.min(synchronousReplicas, survivors.length)} (${quoted})` },
    };
  const names = `ANY ${k} (${quoted})`;
  const capped =
    k < synchronousReplicas
      ? ` (the stack asks for ${synchronousReplicas}; only ${runningNow.length} of the survivors run)`
      : "";
  return {
    commit: synchronousCommit,
    names,
    description: `synchronous_commit = ${synchronousCommit}, synchronous_standby_names = ${names}${capped}`,
  };
}
