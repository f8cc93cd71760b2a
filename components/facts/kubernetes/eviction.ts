/**
 * What the eviction API (a drain's `kubectl drain`, the cluster autoscaler) does with PodDisruptionBudgets, read from
 * its source: kubernetes/kubernetes pkg/registry/core/pod/storage/eviction.go (EvictionREST.Create,
 * checkAndDecrement). The harness's eviction model (test/harness/evictionModel.ts) follows these.
 */
import { cite, fact } from "../fact";

const EVICTION = "pkg/registry/core/pod/storage/eviction.go";

export const EVICTION_API = {
  /** A pod that is Pending, Succeeded, Failed or already terminating is deleted without asking any budget. */
  terminalOrPendingIgnoresBudgets: fact(
    true,
    cite(
      "kubernetesEviction",
      `${EVICTION} canIgnorePDB`,
      "PodSucceeded, PodFailed, PodPending or a DeletionTimestamp",
    ),
  ),
  /** A pod selected by more than one budget is never evicted: the API answers 500. */
  moreThanOneBudgetRefused: fact(
    500,
    cite(
      "kubernetesEviction",
      `${EVICTION} Create`,
      "'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'",
    ),
  ),
  /** A pod no budget selects is evicted. */
  noBudgetEvicts: fact(true, cite("kubernetesEviction", `${EVICTION} Create`, "len(pdbs) == 0: delete")),
  /**
   * An unready pod: with unhealthyPodEvictionPolicy AlwaysAllow it is evicted; with IfHealthyBudget (the default) it is
   * evicted without consuming the budget only while currentHealthy >= desiredHealthy > 0; otherwise it falls through
   * to the budget like a healthy pod.
   */
  unreadyPodPolicies: fact(
    { defaultPolicy: "IfHealthyBudget", alwaysAllow: "AlwaysAllow" },
    cite(
      "kubernetesEviction",
      `${EVICTION} Create`,
      "'If the pod is not ready, it doesn't count towards healthy and we should not decrement'",
    ),
    cite(
      "pdbDocs",
      "#unhealthy-pod-eviction-policy",
      "IfHealthyBudget: running pods that are not yet healthy can be evicted only if the guarded application is not disrupted",
    ),
  ),
  /** Otherwise the budget's disruptionsAllowed decides: 0 refuses (429), more is decremented and the pod goes. */
  disruptionsAllowedDecides: fact(
    429,
    cite(
      "kubernetesEviction",
      `${EVICTION} checkAndDecrement`,
      "'Cannot evict pod as it would violate the pod's disruption budget.' when DisruptionsAllowed == 0",
    ),
  ),
  /**
   * The disruption controller's arithmetic: expected pods are the selected pods' controllers' replicas; maxUnavailable
   * gives desiredHealthy = expected - maxUnavailable; disruptionsAllowed = currentHealthy - desiredHealthy (not < 0).
   */
  budgetArithmetic: fact(
    "maxUnavailable",
    cite("kubernetesDisruption", "pkg/controller/disruption/disruption.go getExpectedPodCount, updatePdbStatus"),
  ),
} as const;
