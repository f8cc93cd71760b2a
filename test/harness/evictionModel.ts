/**
 * The eviction API's answer to a drain, as a test double modelled from its source (kubernetes/kubernetes
 * pkg/registry/core/pod/storage/eviction.go, and the disruption controller's budget status from
 * pkg/controller/disruption/disruption.go; facts/kubernetes/eviction.ts cites each rule). Budgets are the rendered
 * PodDisruptionBudget specs; pods carry their labels, their readiness and the StatefulSet (and its scale) owning them.
 */
import { EVICTION_API } from "../../components/facts/kubernetes";

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
}

export interface BudgetSpec {
  name: string;
  selector: LabelSelector;
  maxUnavailable?: number;
  minAvailable?: number;
  unhealthyPodEvictionPolicy?: "IfHealthyBudget" | "AlwaysAllow";
}

export interface EvictablePod {
  name: string;
  labels: Record<string, string>;
  ready: boolean;
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  /** The owning StatefulSet's name and spec.replicas (the disruption controller's expected scale). */
  owner: { name: string; replicas: number };
}

export type EvictionAnswer = { evicted: true } | { refused: number; reason: string };

/** metav1.LabelSelectorAsSelector(...).Matches: every matchLabels pair and every expression. */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const pairs = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    pairs &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const value = labels[key];
      if (operator === "In") return value !== undefined && values.includes(value);
      if (operator === "NotIn") return value === undefined || !values.includes(value);
      if (operator === "Exists") return value !== undefined;
      return value === undefined;
    })
  );
}

/** The disruption controller's status for one budget over the pods that exist now. */
export function budgetStatus(budget: BudgetSpec, pods: readonly EvictablePod[]) {
  const selected = pods.filter((pod) => selects(budget.selector, pod.labels));
  const currentHealthy = selected.filter((pod) => pod.ready && pod.phase === "Running").length;
  let desiredHealthy: number;
  if (budget.maxUnavailable !== undefined) {
    // getExpectedScale: the scale of every controller owning a selected pod, each counted once.
    const owners = new Map(selected.map((pod) => [pod.owner.name, pod.owner.replicas]));
    const expected = [...owners.values()].reduce((sum, replicas) => sum + replicas, 0);
    desiredHealthy = expected - budget.maxUnavailable;
  } else desiredHealthy = budget.minAvailable ?? 0;
  return { currentHealthy, desiredHealthy, disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy) };
}

export function evict(
  pod: EvictablePod,
  budgets: readonly BudgetSpec[],
  pods: readonly EvictablePod[],
): EvictionAnswer {
  if (EVICTION_API.terminalOrPendingIgnoresBudgets.value && pod.phase !== "Running") return { evicted: true };
  const matching = budgets.filter((budget) => selects(budget.selector, pod.labels));
  if (matching.length > 1)
    return { refused: EVICTION_API.moreThanOneBudgetRefused.value, reason: "more than one PodDisruptionBudget" };
  const [budget] = matching;
  if (!budget && EVICTION_API.noBudgetEvicts.value) return { evicted: true };
  if (!budget) throw new Error("unreachable: a pod no budget selects is evicted");
  const status = budgetStatus(budget, pods);
  if (!pod.ready) {
    const policy = budget.unhealthyPodEvictionPolicy ?? EVICTION_API.unreadyPodPolicies.value.defaultPolicy;
    if (policy === EVICTION_API.unreadyPodPolicies.value.alwaysAllow) return { evicted: true };
    if (status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) return { evicted: true };
  }
  if (status.disruptionsAllowed === 0)
    return {
      refused: EVICTION_API.disruptionsAllowedDecides.value,
      reason: `the disruption budget ${budget.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy}`,
    };
  return { evicted: true };
}
