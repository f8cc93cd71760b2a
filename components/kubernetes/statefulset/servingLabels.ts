/**
 * The serving label after a failover or switchover: the promoted pod is labelled to serve as the writer, so its
 * readiness probe passes (healthy in the role it holds: render/probes.ts), the StatefulSet controller's OrderedReady
 * walk goes on past it, the ro Service (which selects `serving=standby`) never has it as an endpoint, and the writer's
 * own PodDisruptionBudget keeps drains off it. The old writer needs nothing: it is deleted, and a pod created again
 * takes its template's label (standby in a replica group). As Patroni labels its pods role=master|replica
 * (facts/kubernetes/downwardApi.ts).
 *
 * Called by `kubernetes failover` and `kubernetes switchover` right after the fence names the target (before the
 * promotion: the pod then leaves ro while still a standby, since label and state disagree), with kubectl's argv
 * below or the harness's stand-in.
 */
import { SERVING, SERVING_LABEL } from "../conventions";

export interface PodLabeller {
  /** Sets labels on one pod, overwriting values it has (`kubectl label --overwrite`). */
  labelPod(pod: string, labels: Record<string, string>): Promise<void>;
}

/** kubectl's argv (after the context and namespace flags) for one pod's labels. */
export function labelPodArgs(pod: string, labels: Record<string, string>): string[] {
  return ["label", "pod", pod, "--overwrite", ...Object.entries(labels).map(([key, value]) => `${key}=${value}`)];
}

/** Labels the new writer's pod to serve as the writer. Idempotent: a retried failover labels it again. */
export async function markWriter(labeller: PodLabeller, pod: string): Promise<void> {
  await labeller.labelPod(pod, { [SERVING_LABEL]: SERVING.writer });
}

/** Labels a pod to serve as a standby again (a writer that rejoined without being deleted; not needed otherwise). */
export async function markStandby(labeller: PodLabeller, pod: string): Promise<void> {
  await labeller.labelPod(pod, { [SERVING_LABEL]: SERVING.standby });
}
