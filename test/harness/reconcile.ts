/**
 * What the controllers would do with a booted stack's pods as they are now: the StatefulSet controller's next step
 * per group (statefulSetController.ts, from the pods' real readiness) and the eviction API's answer to a drain of one
 * pod (evictionModel.ts, over the rendered PodDisruptionBudgets). For the failover drills (writerGroup, nodeLoss).
 */
import { groupDisruptionBudget } from "../../components/kubernetes/statefulset/manifests/disruptionBudgets";
import { statefulSetManifest } from "../../components/kubernetes/statefulset/manifests/statefulSet";
import type { SelfHostedTopology } from "../../components/topology/types";
import type { BootedStack } from "./boot";
import { type BudgetSpec, type EvictablePod, evict } from "./evictionModel";
import { type ControlledPod, nextStep } from "./statefulSetController";

/** The topology as `pulumi up` renders it once kubernetes.writer names `writer`. */
export function withWriter(topology: SelfHostedTopology, writer: string): SelfHostedTopology {
  return { ...topology, kubernetes: { ...topology.kubernetes, writer } };
}

/**
 * The controller's next step for each StatefulSet. `held`: pods the API server has whose init containers hold them
 * (the start guard refusing), which the controller sees although they do not run.
 */
export async function controllerSteps(
  stack: BootedStack,
  topology: SelfHostedTopology,
  writer: string,
  held: readonly string[] = [],
): Promise<Record<string, unknown>> {
  await stack.harness.sync();
  const steps: Record<string, unknown> = {};
  for (const group of topology.regions.flatMap((r) => r.groups)) {
    const spec = statefulSetManifest(withWriter(topology, writer), group, { restart: "r", credentials: "c" })
      .spec as unknown as {
      podManagementPolicy: "OrderedReady";
      updateStrategy: { type: "RollingUpdate" | "OnDelete" };
      replicas: number;
    };
    const pods: ControlledPod[] = [...stack.harness.pods.values()]
      .filter((e) => e.workload.name === group.name && (e.pod.running() || held.includes(e.pod.name)))
      .map((e) => ({
        ordinal: Number(e.pod.name.slice(group.name.length + 1)),
        revision: "r",
        ready: e.ready && e.pod.running(),
      }));
    const set = {
      podManagementPolicy: spec.podManagementPolicy,
      updateStrategy: spec.updateStrategy.type,
      updateRevision: "r",
      replicas: spec.replicas,
    };
    steps[group.name] = nextStep(set, pods);
  }
  return steps;
}

/** The eviction API's answer for `pod` (a drain of its node), with the budgets rendered for `writer`. */
export function evictionOf(stack: BootedStack, topology: SelfHostedTopology, writer: string, pod: string) {
  const t = withWriter(topology, writer);
  const home = t.regions.find((r) => r.primary)!;
  const budgets: BudgetSpec[] = home.groups.flatMap((g) => {
    const b = groupDisruptionBudget(t, g);
    return b ? [{ name: g.name, ...(b.spec as object) } as BudgetSpec] : [];
  });
  const pods: EvictablePod[] = [...stack.harness.pods.values()]
    .filter((e) => e.workload.kind === "StatefulSet" && e.pod.running())
    .map((e) => ({
      name: e.pod.name,
      labels: e.pod.labels,
      ready: e.ready,
      phase: "Running" as const,
      // The primary's StatefulSet is at zero after a failover: its pod is stopped, not listed here.
      owner: { name: e.workload.name, replicas: e.workload.replicas },
    }));
  const target = pods.find((p) => p.name === pod);
  if (!target) throw new Error(`evictionOf: ${pod} is not a running StatefulSet pod`);
  return evict(target, budgets, pods);
}
