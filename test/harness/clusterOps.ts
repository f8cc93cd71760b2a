/**
 * The failover's and switchover's cluster operations carried out on the harness (kubectl's stand-in), with the node
 * model's rules (nodes.ts) for deletions and for exec into a pod whose node does not answer.
 */
import type { ClusterOps } from "../../components/kubernetes/statefulset/failover/ops";
import type { PodLabeller } from "../../components/kubernetes/statefulset/roleLabels";
import type { Harness } from "./cluster";
import { nodesOf } from "./nodes";

/** `kubectl label pod --overwrite` on the harness: the pod's labels, its downward API files, then Services. */
export function harnessLabeller(harness: Harness): PodLabeller {
  return {
    async labelPod(pod, labels) {
      harness.pod(pod).label(labels);
      await harness.sync();
    },
  };
}

export function harnessOps(harness: Harness, cluster = 0): ClusterOps {
  const objects = harness.objects(cluster);
  const nodes = nodesOf(harness);
  const podOf = (deployment: string) => harness.pod(`${deployment}-h${cluster}`);
  // kubectl exec goes through the API server to the pod's kubelet.
  const reach = (pod: string) => {
    if (!nodes.podState(pod)) throw new Error(`Error from server (NotFound): pods "${pod}" not found`);
    if (!nodes.reachable(pod))
      throw new Error(`Error from server: error dialing backend: dial tcp ${nodes.nodeOf(pod)}:10250: i/o timeout`);
    return harness.pod(pod);
  };
  return {
    ...harnessLabeller(harness),
    async readConfigMap(name) {
      const data = objects.configMaps.get(name);
      return data ? { ...data } : undefined;
    },
    async patchConfigMap(name, data) {
      const existing = objects.configMaps.get(name);
      if (!existing) throw new Error(`configmaps "${name}" not found`);
      Object.assign(existing, data);
    },
    async podState(pod) {
      return nodes.podState(pod);
    },
    async scaleStatefulSet(name, replicas) {
      await nodes.scale(cluster, name, replicas);
      await harness.sync();
    },
    async deletePod(pod) {
      await nodes.deleteGracefully(pod);
    },
    async forceDeletePod(pod) {
      await nodes.forceDelete(pod);
      await harness.sync();
    },
    async serviceExists(name) {
      return objects.services.some((s) => s.name === name);
    },
    async patchService(name, selector, publish) {
      const service = objects.services.find((s) => s.name === name);
      if (!service) throw new Error(`services "${name}" not found`);
      service.selector = { ...selector };
      service.publishNotReadyAddresses = publish;
      await harness.sync();
    },
    async sql(pod, statements) {
      return reach(pod).psql(statements, 120_000);
    },
    async rolloutRestart(deployment) {
      await harness.rollDeployment(podOf(deployment).name, 120_000);
    },
    async listPods(selector) {
      return [...harness.pods]
        .filter(([name, entry]) => entry.cluster === cluster && entry.pod.running() && nodes.podState(name))
        .filter(([, entry]) => Object.entries(selector).every(([key, value]) => entry.pod.labels[key] === value))
        .map(([name]) => name);
    },
    async execInPod(pod, container, command) {
      // The harness runs commands in the pod's main container (the server's); the switchover asks for no other.
      const main = harness.pods.get(pod)?.workload.template.spec.containers[0]?.name;
      if (main !== container) throw new Error(`exec ${pod} -c ${container}: the harness execs in ${main} only`);
      const result = await reach(pod).exec([...command], 300_000);
      if (result.code !== 0) throw new Error(`exec ${pod}: ${result.output}`);
      return result.output;
    },
    async execInDeployment(deployment, command) {
      const result = await podOf(deployment).exec([...command], 60_000);
      if (result.code !== 0) throw new Error(`exec deployment/${deployment}: ${result.output}`);
      return result.output;
    },
  };
}
