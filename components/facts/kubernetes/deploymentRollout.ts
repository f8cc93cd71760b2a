/**
 * What `kubectl rollout restart` and `kubectl rollout status` do with a Deployment's pods (the failover restarts the
 * pools so: kubernetes/statefulset/failover/kubectl.ts), read from the API reference and the controllers. The harness's
 * model of that restart (test/harness/cluster.ts rollDeployment) follows these.
 */
import { cite, fact } from "../fact";

export const DEPLOYMENT_ROLLOUT = {
  /** With maxSurge 1 and maxUnavailable 0 (the pools'), a new pod is created and Ready before an old one is deleted. */
  surgesBeforeDeleting: fact(
    true,
    cite(
      "deploymentDocs",
      "#max-surge, #max-unavailable",
      "'Max Surge … the maximum number of Pods that can be created over the desired number of Pods'; maxUnavailable 0: no old Pod is killed before a new one is available",
    ),
  ),
  /**
   * A deleted pod stops counting at once: a ReplicaSet's status.replicas (summed into the Deployment's) counts only
   * pods without a deletionTimestamp, so `rollout status` is done while an old pod is still terminating.
   */
  rolloutStatusSkipsTerminatingPods: fact(
    true,
    cite(
      "kubernetes",
      "pkg/controller/replicaset/replica_set.go syncReplicaSet; replica_set_utils.go calculateStatus",
      "filteredPods := controller.FilterActivePods(…); newStatus.Replicas = int32(len(filteredPods))",
    ),
    cite("kubernetes", "pkg/controller/controller_utils.go IsPodActive", "… && p.DeletionTimestamp == nil"),
    cite(
      "kubernetes",
      "staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go DeploymentStatusViewer",
      "done once UpdatedReplicas = spec.replicas, Replicas = UpdatedReplicas and AvailableReplicas = UpdatedReplicas",
    ),
  ),
  /** A pod whose spec sets no terminationGracePeriodSeconds is killed (SIGKILL) 30 s after its stop signal. */
  defaultGracePeriodSeconds: fact(
    30,
    cite("kubernetesPodApi", "PodSpec.terminationGracePeriodSeconds", "'Defaults to 30 seconds'"),
    cite(
      "podLifecycleDocs",
      "#pod-termination",
      "the kubelet sends the stop signal, and once the grace period expires, KILL to any process still running",
    ),
  ),
} as const;
