/**
 * The role label after a failover or switchover: the promoted pod is relabelled `primary`, so its readiness probe
 * passes (healthy in the role it holds: render/probes.ts), the StatefulSet controller's OrderedReady walk goes on past
 * it, the ro Service (which selects `oltp`) never has it as an endpoint, the primary's PodDisruptionBudget (which
 * selects the role) keeps drains off it, and its metrics say `role="primary"`. The StatefulSet's selector is the
 * group's, not the role, so the pod stays its StatefulSet's. The old writer needs nothing: it is deleted, and a pod
 * created again takes its template's role. As Patroni labels its pods role=master|replica
 * (facts/kubernetes/downwardApi.ts).
 *
 * To be called by `kubernetes failover` and `kubernetes switchover` right after the fence names the target (before
 * the promotion: the pod then leaves ro while still a standby, since label and state disagree), with kubectl's argv
 * below or the harness's stand-in.
 */
import type { NodeGroup } from "../../topology/types";
import { ROLE_LABEL, WRITER_ROLE } from "../conventions";

export interface PodLabeller {
  /** Sets labels on one pod, overwriting values it has (`kubectl label --overwrite`). */
  labelPod(pod: string, labels: Record<string, string>): Promise<void>;
}

/** kubectl's argv (after the context and namespace flags) for one pod's labels. */
export function labelPodArgs(pod: string, labels: Record<string, string>): string[] {
  return ["label", "pod", pod, "--overwrite", ...Object.entries(labels).map(([key, value]) => `${key}=${value}`)];
}

/** Labels the new writer's pod with the writer's role. Idempotent: a retried failover labels it again. */
export async function markWriter(labeller: PodLabeller, pod: string): Promise<void> {
  await labeller.labelPod(pod, { [ROLE_LABEL]: WRITER_ROLE });
}

/** Gives a pod its group's role back (a writer that rejoined without being recreated; not needed otherwise). */
export async function markStandby(labeller: PodLabeller, pod: string, group: NodeGroup): Promise<void> {
  await labeller.labelPod(pod, { [ROLE_LABEL]: group.role });
}
