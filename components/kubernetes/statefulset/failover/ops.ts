/**
 * The cluster operations a failover needs, as an interface: kubectl carries
 * them out on a real cluster (kubectl.ts), the Kubernetes harness here.
 */
import type { PodLabeller } from "../roleLabels";

/** A pod as the API server reports it, with its node's Ready condition. */
export interface PodState {
  uid: string;
  /** The node it is bound to ("" when not scheduled). */
  node: string;
  /**
   * The node's Ready condition: "True", "False", "Unknown" (the node controller's value once the kubelet stops
   * reporting), or "Absent" when the Node object is gone.
   */
  nodeReady: string;
  /** status.phase: "Running" once its containers started; "Pending" while an init container (the start guard) fails. */
  phase: string;
  /** metadata.deletionTimestamp is set: deletion asked for, waiting for the kubelet to confirm. */
  terminating: boolean;
  /** The revision of the template it was made from (its `controller-revision-hash` label), when read. */
  revision?: string;
  /** Its Ready condition is True (every readiness probe passes), when read. */
  ready?: boolean;
}

export interface ClusterOps extends PodLabeller {
  readConfigMap(name: string): Promise<Record<string, string> | undefined>;
  patchConfigMap(name: string, data: Record<string, string>): Promise<void>;
  /** The pod and its node's readiness; undefined when the API server has no such pod. */
  podState(pod: string): Promise<PodState | undefined>;
  /** Sets a StatefulSet's replicas; returns without waiting for its pods. */
  scaleStatefulSet(name: string, replicas: number): Promise<void>;
  /** Asks for a pod's graceful deletion; returns without waiting (its StatefulSet recreates it). */
  deletePod(pod: string): Promise<void>;
  /**
   * Removes the pod from the API server without the kubelet's confirmation (grace period 0, --force). Only for a pod
   * whose node the operator has confirmed down: if the node still runs, so do the pod's containers.
   */
  forceDeletePod(pod: string): Promise<void>;
  serviceExists(name: string): Promise<boolean>;
  /** Replaces the Service's selector and sets publishNotReadyAddresses. */
  patchService(name: string, selector: Record<string, string>, publishNotReadyAddresses: boolean): Promise<void>;
  /** psql as the database superuser over the pod's socket (container postgres); one statement per entry. */
  sql(pod: string, statements: readonly string[]): Promise<string>;
  /** Restarts a Deployment's pods and waits for the rollout. */
  rolloutRestart(deployment: string): Promise<void>;
  /** The names of the running pods a label selector matches (a Deployment's, by its pod labels). */
  listPods(selector: Record<string, string>): Promise<string[]>;
  /** Runs a command in one container of a pod (kubectl exec); resolves with its output, rejects when it fails. */
  execInPod(pod: string, container: string, command: readonly string[]): Promise<string>;
  /** Runs a command in one of a Deployment's pods. */
  execInDeployment(deployment: string, command: readonly string[]): Promise<string>;
}

/** What `kubernetes roll` needs beyond the failover's operations. */
export interface RollOps extends ClusterOps {
  /** The StatefulSet's newest template revision (status.updateRevision). */
  updateRevision(statefulSet: string): Promise<string>;
}
