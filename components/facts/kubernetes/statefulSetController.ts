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
} as const;
