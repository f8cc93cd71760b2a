/** The failover's and switchover's cluster operations carried out on the harness (kubectl's stand-in). */
import type { ClusterOps } from "../../components/kubernetes/statefulset/failover/ops";
import type { PodLabeller } from "../../components/kubernetes/statefulset/roleLabels";
import type { Harness } from "./cluster";

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
  const podOf = (deployment: string) => harness.pod(`${deployment}-h${cluster}`);
  return {
    async readConfigMap(name) {
      const data = objects.configMaps.get(name);
      return data ? { ...data } : undefined;
    },
    async patchConfigMap(name, data) {
      const existing = objects.configMaps.get(name);
      if (!existing) throw new Error(`configmaps "${name}" not found`);
      Object.assign(existing, data);
    },
    async scaleStatefulSetToZero(name) {
      for (const [podName, entry] of harness.pods)
        if (entry.cluster === cluster && entry.workload.name === name) await harness.pod(podName).stop();
      await harness.sync();
    },
    async deletePod(pod) {
      await harness.restart(pod).catch(() => undefined);
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
      return harness.pod(pod).psql(statements, 120_000);
    },
    async rolloutRestart(deployment) {
      await harness.restart(podOf(deployment).name);
      await harness.waitReady(podOf(deployment).name, 120_000);
    },
    async listPods(selector) {
      return [...harness.pods]
        .filter(([, entry]) => entry.cluster === cluster && entry.pod.running())
        .filter(([, entry]) => Object.entries(selector).every(([key, value]) => entry.pod.labels[key] === value))
        .map(([name]) => name);
    },
    async execInPod(pod, container, command) {
      // The harness runs commands in the pod's main container (the server's); the switchover asks for no other.
      const main = harness.pods.get(pod)?.workload.template.spec.containers[0]?.name;
      if (main !== container) throw new Error(`exec ${pod} -c ${container}: the harness execs in ${main} only`);
      const result = await harness.pod(pod).exec([...command], 300_000);
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
