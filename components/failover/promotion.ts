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
   * Set when the new writer waits for fewer standbys than the stack asks for, because fewer of its surviving OLTP
   * replicas run now (none: it commits locally rather than hold every commit until one comes back). What the stack
   * asks for over the survivors: the writer's keeper (sql/synchronousKeeper.ts) raises the setting towards it as they
   * stream again.
   */
  wanted?: { commit: string; names: string };
}

/** The new writer commits locally because none of the survivors runs: nothing it acknowledges has a second copy. */
export const commitsLocallyForNow = (plan: SynchronousPlan): plan is SynchronousPlan & { wanted: object } =>
  plan.wanted !== undefined && plan.commit === "local";

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
  const full = Math.min(synchronousReplicas, survivors.length);
  const k = Math.min(full, runningNow.length);
  const wanted = k < full ? { wanted: { commit: synchronousCommit, names: `ANY ${full} (${quoted})` } } : {};
  if (k === 0)
    return {
      commit: "local",
      names: "",
      description: `asynchronous for now: none of the OLTP replicas that follow it (${survivors.join(", ")}) runs to acknowledge a synchronous commit, and every commit would wait for one; commits become synchronous again as they stream`,
      ...wanted,
    };
  const names = `ANY ${k} (${quoted})`;
  const capped =
    k < synchronousReplicas
      ? ` (the stack asks for ${synchronousReplicas}; only ${runningNow.length} of the survivors run${k < full ? `: raised to ${full} as they stream` : ""})`
      : "";
  return {
    commit: synchronousCommit,
    names,
    description: `synchronous_commit = ${synchronousCommit}, synchronous_standby_names = ${names}${capped}`,
    ...wanted,
  };
}
