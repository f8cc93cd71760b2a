/**
 * What the StatefulSet controller does on a changed pod template, read from its source: which
 * pods it replaces, in which order, and when it stops. The harness's controller double
 * (test/harness/statefulSetController.ts) follows these.
 */
import { cite, fact } from "../fact";

const CONTROL = "pkg/controller/statefulset/stateful_set_control.go";
const UTILS = "pkg/controller/statefulset/stateful_set_utils.go";

export const STATEFULSET_CONTROLLER = {
  /** OnDelete: a changed template replaces no pod; a pod picks it up only when something deletes it. */
  onDeleteReplacesNothing: fact(
    "OnDelete",
    cite(
      "statefulSetController",
      `${CONTROL} updateStatefulSet`,
      "'for the OnDelete strategy we short circuit. Pods will be updated when they are manually deleted.'",
    ),
    cite(
      "statefulSetDocs",
      "#on-delete",
      "'the StatefulSet controller will not automatically update the Pods in a StatefulSet'",
    ),
  ),
  /**
   * A deleted (or missing) pod is created again from the update revision (the newest template) unless a partition holds
   * it back.
   */
  recreatedAtUpdateRevision: fact(
    true,
    cite(
      "statefulSetController",
      `${UTILS} newVersionedStatefulSetPod`,
      "the current revision only for RollingUpdate ordinals below the partition",
    ),
  ),
  /**
   * RollingUpdate: from the highest ordinal down, the first pod whose revision is not the update revision is deleted;
   * a pod of the update revision that is not available makes the controller wait.
   */
  rollingUpdateHighestFirst: fact(
    "RollingUpdate",
    cite(
      "statefulSetController",
      `${CONTROL} updateStatefulSet`,
      "'we terminate the Pod with the largest ordinal that does not match the update revision'; 'wait for unavailable Pods on update'",
    ),
  ),
  /**
   * OrderedReady: while any pod is not Running and Ready the controller returns before it reaches the rolling update,
   * so a
   * pod stuck on a broken template is not replaced after a revert ("forced rollback") until it becomes Ready or is
   * deleted.
   */
  orderedReadyBlocksOnUnready: fact(
    "OrderedReady",
    cite(
      "statefulSetController",
      `${CONTROL} processReplica`,
      "'If we have a Pod that has been created but is not running and ready we can not make progress' (monotonic)",
    ),
    cite(
      "statefulSetDocs",
      "#forced-rollback",
      "'After reverting the template, you must also delete any Pods that StatefulSet had already attempted to run with the bad configuration'",
    ),
  ),
  /**
   * Parallel lets the rolling update replace an unready pod of an old revision, except where MaxUnavailableStatefulSet
   * is on (1.35.0-1.35.3 by default).
   */
  parallelReplacesUnreadyOldRevision: fact(
    "Parallel",
    cite(
      "statefulSetController",
      `${CONTROL} updateStatefulSet`,
      "burst: processReplica does not block; the legacy branch deletes an old-revision pod whatever its health",
    ),
    cite(
      "statefulSetMaxUnavailableRegression",
      undefined,
      "with the gate on, an unavailable pod counts against maxUnavailable and is not replaced",
    ),
  ),
  /**
   * The ordinal walk (runForAll over processReplica, in ordinal order): in monotonic mode (OrderedReady) a missing pod
   * is created and the walk returns; a pod that is terminating, or created but not Running and Ready, ends the walk.
   * So one unready pod keeps every higher ordinal from being created or recreated, and the update never starts.
   * Parallel ("burst") creates every missing pod and never stops at an unready one.
   */
  ordinalWalk: fact(
    { monotonic: "OrderedReady", burst: "Parallel" },
    cite(
      "statefulSetController",
      `${CONTROL} runForAll, processReplica`,
      "'if the set does not allow bursting, return immediately' after CreateStatefulPod; '!isRunningAndReady(replicas[i]) && monotonic' returns true",
    ),
  ),
  /**
   * A failed or succeeded pod is deleted (and created again on the next sync) before anything else: in both modes.
   */
  failedPodReplaced: fact(
    true,
    cite("statefulSetController", `${CONTROL} processReplica`, "isFailed || isSucceeded: DeleteStatefulPod"),
  ),
  /**
   * The rolling update (without MaxUnavailableStatefulSet) walks from the highest ordinal down to the partition: it
   * deletes the first pod not at the update revision (ready or not) and waits at a pod of the update revision that is
   * unavailable. Under Parallel a never-Ready pod at the update revision stops every lower ordinal; one at an old
   * revision is deleted (the writer's restart, if it is the writer).
   */
  rollingUpdateWaitsOnUnavailable: fact(
    "RollingUpdate",
    cite("statefulSetController", `${CONTROL} updateStatefulSet`, "'wait for unavailable Pods on update'"),
  ),
  /**
   * Labels of a running pod are left as they are: the controller fixes only the identity (pod-name, pod-index) and
   * storage; a pod created again takes the template's labels.
   */
  labelsOfRunningPodKept: fact(
    true,
    cite(
      "statefulSetController",
      `${CONTROL} processReplica; ${UTILS} identityMatches, updateIdentity`,
      "only the identity labels are compared and set",
    ),
  ),
  /**
   * A container that exits is restarted in place (restartPolicy Always) with a growing back-off; init containers do not
   * run again.
   */
  containerRestartInPlace: fact(
    { initialBackoffS: 10, maxBackoffS: 300 },
    cite(
      "podLifecycleDocs",
      "#restart-policy",
      "'the kubelet restarts them with an exponential backoff delay (10s, 20s, 40s, …), that is capped at 300 seconds'",
    ),
    cite(
      "initContainersDocs",
      "#pod-restart-reasons",
      "init containers run again only when the whole Pod restarts (sandbox restart, or the Pod's containers all gone), not when an app container restarts",
    ),
  ),
  /**
   * Which template a pod was made from: the controller labels each pod with its revision's name
   * (`controller-revision-hash`) and reports the newest template's as status.updateRevision; a pod whose label differs
   * takes the newest template only when it is created again (OnDelete: when something deletes it).
   */
  podRevision: fact(
    { podLabel: "controller-revision-hash", statusField: "updateRevision" },
    cite(
      "statefulSetController",
      `${UTILS} getPodRevision, setPodRevision; ${CONTROL} updateStatefulSetStatus`,
      'pod.Labels[apps.StatefulSetRevisionLabel] (= "controller-revision-hash"); status.UpdateRevision = updateRevision.Name',
    ),
  ),
} as const;
