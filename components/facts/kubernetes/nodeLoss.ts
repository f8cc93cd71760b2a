/**
 * What Kubernetes does with a pod whose node stops answering, read from its docs and the pod garbage collector: the
 * failover (kubernetes/statefulset/failover/oldWriter.ts) decides from these whether the old writer is gone, and the
 * harness's node double (test/harness/nodes.ts) behaves by them.
 */
import { cite, fact } from "../fact";

export const NODE_LOSS = {
  /**
   * A pod on an unreachable node is not removed: a graceful deletion (scaling its StatefulSet down included) only marks
   * it Terminating. It goes when the kubelet confirms, the Node object is deleted, or someone force-deletes it; nothing
   * force-deletes a StatefulSet's pod on its own.
   */
  unreachablePodStays: fact(
    ["kubelet confirms", "Node deleted", "force deletion"],
    cite(
      "forceDeleteStatefulSetPodDocs",
      "#delete-pods",
      "'A Pod is not deleted automatically when a node is unreachable'; removed only when 'The Node object is deleted', 'The kubelet on the unresponsive node starts responding, kills the Pod and removes the entry from the apiserver', or by 'Force deletion of the Pod by the user'",
    ),
  ),
  /** Force deletion removes the API object at once, without waiting for the kubelet: the containers may still run. */
  forceDeleteArgs: fact(
    ["--grace-period=0", "--force"],
    cite(
      "forceDeleteStatefulSetPodDocs",
      "#force-deletion",
      "'kubectl delete pods <pod> --grace-period=0 --force'; 'force deletions do not wait for confirmation from the kubelet that the Pod has been terminated'",
    ),
  ),
  /**
   * The out-of-service taint, set by hand on a node confirmed shut down: the pod GC then force-deletes the node's
   * terminating pods (and volumes detach), only while the node is also not Ready.
   */
  outOfServiceTaint: fact(
    "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute",
    cite(
      "nodeShutdownDocs",
      "#non-graceful-node-shutdown",
      "'the user can manually add the taint node.kubernetes.io/out-of-service'; 'pods on the node will be forcefully deleted if there are no matching tolerations'",
    ),
    cite(
      "podGcController",
      "gcTerminating",
      "terminating pods are garbage-collected when '!nodeutil.IsNodeReady(node) && taints.TaintKeyExists(node.Spec.Taints, v1.TaintNodeOutOfService)'",
    ),
  ),
  /** Deleting the Node object makes its pods orphans, which the pod GC force-deletes (grace period 0). */
  deletedNodeOrphansPods: fact(
    true,
    cite(
      "podGcController",
      "gcOrphaned",
      "'deletes pods that are bound to nodes that don't exist' with NewDeleteOptions(0)",
    ),
  ),
} as const;
