/**
 * The StatefulSet controller's next move, as a test double modelled from its source (kubernetes/kubernetes
 * pkg/controller/statefulset/stateful_set_control.go: updateStatefulSet, runForAll, processReplica;
 * facts/kubernetes/statefulSetController.ts cites each rule): the harness has no controller, so a test asks this what
 * Kubernetes would do and carries it out on the pods. One step per call: a test applies it and asks again.
 */
import { createHash } from "node:crypto";
import { STATEFULSET_CONTROLLER } from "../../components/facts/kubernetes";
import type { PodTemplate } from "./objects";

export interface ControlledSet {
  podManagementPolicy: "OrderedReady" | "Parallel";
  updateStrategy: "RollingUpdate" | "OnDelete";
  /** The revision of the newest template. */
  updateRevision: string;
  /** spec.replicas; by default one pod per ordinal given. */
  replicas?: number;
  /** RollingUpdate's partition: ordinals below it keep (and are recreated at) the current revision. */
  partition?: number;
  currentRevision?: string;
}

export interface ControlledPod {
  ordinal: number;
  /** The revision of the template the pod was created from (its controller-revision-hash). */
  revision: string;
  ready: boolean;
  /** Phase Failed or Succeeded (its containers all exited for good). */
  failed?: boolean;
  terminating?: boolean;
}

export type ControllerStep =
  { create: number; revision: string } | { delete: number } | { wait: string } | { done: true };

/** A template's revision: the controller hashes the template it stores in a ControllerRevision. */
export function revisionOf(template: PodTemplate): string {
  return createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 10);
}

function monotonic(set: ControlledSet): boolean {
  return set.podManagementPolicy === STATEFULSET_CONTROLLER.ordinalWalk.value.monotonic;
}

/** newVersionedStatefulSetPod: the update revision, except below a RollingUpdate's partition. */
function revisionForNew(set: ControlledSet, ordinal: number): string {
  const held = set.updateStrategy === "RollingUpdate" && set.partition !== undefined && ordinal < set.partition;
  return held ? (set.currentRevision ?? set.updateRevision) : set.updateRevision;
}

/** runForAll(processReplica) over ordinals 0..replicas-1: a step, or undefined when the walk passes every pod. */
function walkReplicas(set: ControlledSet, byOrdinal: Map<number, ControlledPod>, replicas: number) {
  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const pod = byOrdinal.get(ordinal);
    if (pod?.failed) return { delete: ordinal };
    // Under Parallel the walk creates every missing pod; one step at a time here, in ordinal order.
    if (!pod) return { create: ordinal, revision: revisionForNew(set, ordinal) };
    if (!monotonic(set)) continue;
    if (pod.terminating) return { wait: `pod ${ordinal} is terminating (OrderedReady)` };
    if (!pod.ready) return { wait: `pod ${ordinal} is not Running and Ready (OrderedReady)` };
  }
  return undefined;
}

export function nextStep(set: ControlledSet, pods: readonly ControlledPod[]): ControllerStep {
  const byOrdinal = new Map(pods.map((pod) => [pod.ordinal, pod]));
  const replicas = set.replicas ?? Math.max(-1, ...pods.map((pod) => pod.ordinal)) + 1;
  const walked = walkReplicas(set, byOrdinal, replicas);
  if (walked) return walked;
  // processCondemned: ordinals at or past replicas go, highest first.
  const condemned = pods.filter((pod) => pod.ordinal >= replicas).sort((a, b) => b.ordinal - a.ordinal);
  if (condemned[0]) return { delete: condemned[0].ordinal };
  if (set.updateStrategy === STATEFULSET_CONTROLLER.onDeleteReplacesNothing.value) return { done: true };
  // The rolling update: the highest ordinal not at the update revision is deleted (whatever its health); an
  // unavailable pod at the update revision makes the controller wait.
  for (let ordinal = replicas - 1; ordinal >= (set.partition ?? 0); ordinal--) {
    const pod = byOrdinal.get(ordinal)!;
    if (pod.revision !== set.updateRevision && !pod.terminating) return { delete: ordinal };
    if (!pod.ready) return { wait: `pod ${ordinal} is at the update revision but not ready` };
  }
  return { done: true };
}

/**
 * Runs the controller to a fixed point on a model of the pods: a created pod is at the step's revision and as ready
 * as `readyAt` says for it (a deleted one is created again on the next step). Returns the steps taken and the
 * final one (`done`, or the `wait` it cannot get past).
 */
export function settle(
  set: ControlledSet,
  pods: ControlledPod[],
  readyAt: (ordinal: number, revision: string) => boolean,
  maxSteps = 100,
): { steps: ControllerStep[]; last: ControllerStep; pods: ControlledPod[] } {
  const steps: ControllerStep[] = [];
  let current = [...pods];
  for (let i = 0; i < maxSteps; i++) {
    const step = nextStep(set, current);
    if ("done" in step || "wait" in step) return { steps, last: step, pods: current };
    steps.push(step);
    if ("delete" in step) current = current.filter((pod) => pod.ordinal !== step.delete);
    else
      current = [
        ...current,
        { ordinal: step.create, revision: step.revision, ready: readyAt(step.create, step.revision) },
      ];
  }
  throw new Error(`the controller model did not settle in ${maxSteps} steps: ${JSON.stringify(steps.slice(-5))}`);
}
