/**
 * What guards the primary cluster, the one resource of the stack that holds data of its own. Pure.
 *
 * A production stack (aurora.deletionProtection, on by default) protects it twice: RDS's deletion protection, and
 * Pulumi's protect option on the cluster and on the random suffix of its identifier. The engine refuses to replace a
 * protected resource, already at preview, so a change of database, user, aurora.kmsKeyId or restore (each replaces the
 * cluster, create-before-delete, with a new one, empty or restored anew) fails before anything is touched instead of
 * going live. The suffix is guarded too: its replacement comes first and, if it went through, a reverted config could
 * never find the old identifier again. aurora.allowReplacement lifts both guards for as long as it is set.
 */
import type { AuroraSettings } from "../topology/types";

export interface ClusterProtection {
  /** Pulumi's protect option: no replacement, no delete. */
  protect: boolean;
  /** RDS deletion protection. */
  deletionProtection: boolean;
}

export function clusterProtection(
  aurora: Pick<AuroraSettings, "deletionProtection" | "allowReplacement">,
): ClusterProtection {
  const guarded = aurora.deletionProtection && !aurora.allowReplacement;
  return { protect: guarded, deletionProtection: guarded };
}

/**
 * The arguments of the primary cluster that stack config feeds and that replace it, by config key. A restore block
 * replaces it when added, changed or removed (restore.ts): a restore happens only as a cluster is created.
 */
export const CLUSTER_REPLACING_KEYS = ["database", "user", "aurora.kmsKeyId", "restore"] as const;

const REPLACING = CLUSTER_REPLACING_KEYS.join(", ");

/** For the notes output and the deploy log: what protects the cluster, and the key that lifts it. */
export function protectionNote(aurora: Pick<AuroraSettings, "deletionProtection" | "allowReplacement">): string {
  if (clusterProtection(aurora).protect)
    return `The cluster is protected (aurora.deletionProtection): a change of ${REPLACING}, which would replace it with a new cluster (empty, or restored anew), is refused by Pulumi ("unable to replace resource … as it is currently marked for protection"), and so is pulumi destroy. Revert the change, or set aurora.allowReplacement: true and run pulumi up with nothing else changed first.`;
  if (aurora.deletionProtection)
    return `aurora.allowReplacement is set: the cluster has neither RDS deletion protection nor Pulumi protect, so a change of ${REPLACING} replaces it with a new cluster (the old one's final snapshot keeps its data). Remove aurora.allowReplacement when done.`;
  return `aurora.deletionProtection is off (a scratch stack): a change of ${REPLACING} replaces the cluster with a new one (empty, or restored again from restore:).`;
}
