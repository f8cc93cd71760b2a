/**
 * The StatefulSet controller's next move on a changed template, as a test double modelled from its
 * source (kubernetes/kubernetes pkg/controller/statefulset/stateful_set_control.go: processReplica,
 * updateStatefulSet; facts/kubernetes/statefulSetController.ts cites each rule): the harness has no
 * controller, so a test asks this what Kubernetes would do and carries it out on the pods.
 */
import { createHash } from "node:crypto";
import { STATEFULSET_CONTROLLER } from "../../components/facts/kubernetes";
import type { PodTemplate } from "./objects";

export interface ControlledSet {
  podManagementPolicy: "OrderedReady" | "Parallel";
  updateStrategy: "RollingUpdate" | "OnDelete";
  /** The revision of the newest template. */
  updateRevision: string;
}

export interface ControlledPod {
  ordinal: number;
  /** The revision of the template the pod was created from (its controller-revision-hash). */
  revision: string;
  ready: boolean;
}

export type ControllerStep = { delete: number } | { wait: string } | { done: true };

/** A template's revision: the controller hashes the template it stores in a ControllerRevision. */
export function revisionOf(template: PodTemplate): string {
  return createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 10);
}

export function nextStep(set: ControlledSet, pods: readonly ControlledPod[]): ControllerStep {
  const byOrdinal = [...pods].sort((a, b) => a.ordinal - b.ordinal);
  // processReplica, monotonic: an unready pod stops everything, the rolling update included (forced rollback).
  if (set.podManagementPolicy === STATEFULSET_CONTROLLER.orderedReadyBlocksOnUnready.value) {
    const unready = byOrdinal.find((pod) => !pod.ready);
    if (unready) return { wait: `pod ${unready.ordinal} is not Running and Ready (OrderedReady)` };
  }
  if (set.updateStrategy === STATEFULSET_CONTROLLER.onDeleteReplacesNothing.value) return { done: true };
  // updateStatefulSet: the highest ordinal not at the update revision is deleted (whatever its health); an unready
  // pod at the update revision makes the controller wait.
  for (const pod of [...byOrdinal].reverse()) {
    if (pod.revision !== set.updateRevision) return { delete: pod.ordinal };
    if (!pod.ready) return { wait: `pod ${pod.ordinal} is at the update revision but not ready` };
  }
  return { done: true };
}
