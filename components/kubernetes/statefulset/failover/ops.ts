/**
 * The cluster operations a failover needs, as an interface: kubectl carries
 * them out on a real cluster (kubectl.ts), the Kubernetes harness here.
 */
export interface ClusterOps {
  readConfigMap(name: string): Promise<Record<string, string> | undefined>;
  patchConfigMap(name: string, data: Record<string, string>): Promise<void>;
  /** Scales a StatefulSet and returns once the pod is gone. */
  scaleStatefulSetToZero(name: string, pod: string): Promise<void>;
  /** Deletes a pod (its StatefulSet recreates it; the start guard keeps a fenced writer down). */
  deletePod(pod: string): Promise<void>;
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
