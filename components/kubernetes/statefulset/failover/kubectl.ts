/** ClusterOps carried out with kubectl; each operation's argv comes from a pure function (tested as text). */
import { execFile } from "node:child_process";
import { NODE_LOSS, STATEFULSET_CONTROLLER } from "../../../facts/kubernetes";
import { UserError } from "../../../ground/errors";
import { PATHS } from "../../conventions";
import { labelPodArgs } from "../roleLabels";
import type { PodState, RollOps } from "./ops";

export interface KubectlTarget {
  context?: string;
  namespace: string;
  /** How long to wait for a pod to go or a rollout to finish. */
  timeoutS: number;
}

export class KubectlError extends UserError {
  override name = "KubectlError";
}

/** Every argv the failover and the switchover send to kubectl. */
export const kubectlArgs = {
  base: (t: KubectlTarget) => [...(t.context ? ["--context", t.context] : []), "--namespace", t.namespace],
  getConfigMap: (name: string) => ["get", "configmap", name, "--ignore-not-found", "-o", "jsonpath={.data}"],
  patchConfigMap: (name: string, data: Record<string, string>) => [
    "patch",
    "configmap",
    name,
    "--type",
    "merge",
    "-p",
    JSON.stringify({ data }),
  ],
  scale: (statefulSet: string, replicas: number) => ["scale", "statefulset", statefulSet, `--replicas=${replicas}`],
  getPod: (pod: string) => ["get", "pod", pod, "--ignore-not-found", "-o", "json"],
  nodeReady: (node: string) => [
    "get",
    "node",
    node,
    "--ignore-not-found",
    "-o",
    'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
  ],
  // The failover polls the pod's uid itself: `kubectl wait --for=delete` waits for a recreated pod of the same name.
  deletePod: (pod: string) => ["delete", "pod", pod, "--wait=false"],
  forceDeletePod: (pod: string) => ["delete", "pod", pod, ...NODE_LOSS.forceDeleteArgs.value, "--wait=false"],
  getService: (name: string) => ["get", "service", name, "--ignore-not-found", "-o", "name"],
  // A JSON merge patch replaces the selector map only when the old keys are removed: null deletes them.
  patchService: (name: string, selector: Record<string, string | null>, publish: boolean) => [
    "patch",
    "service",
    name,
    "--type",
    "merge",
    "-p",
    JSON.stringify({ spec: { selector, publishNotReadyAddresses: publish } }),
  ],
  sql: (pod: string, statements: readonly string[]) => [
    "exec",
    pod,
    "-c",
    "postgres",
    "--",
    "psql",
    "-h",
    PATHS.socketDir,
    "-U",
    "postgres",
    "-d",
    "postgres",
    "-XAtq",
    "-v",
    "ON_ERROR_STOP=1",
    ...statements.flatMap((statement) => ["-c", statement]),
  ],
  rolloutRestart: (deployment: string) => ["rollout", "restart", `deployment/${deployment}`],
  rolloutStatus: (deployment: string, timeoutS: number) => [
    "rollout",
    "status",
    `deployment/${deployment}`,
    `--timeout=${timeoutS}s`,
  ],
  listPods: (selector: Record<string, string>) => [
    "get",
    "pods",
    "-l",
    Object.entries(selector)
      .map(([key, value]) => `${key}=${value}`)
      .join(","),
    "--field-selector=status.phase=Running",
    "-o",
    "jsonpath={.items[*].metadata.name}",
  ],
  execInPod: (pod: string, container: string, command: readonly string[]) => [
    "exec",
    pod,
    "-c",
    container,
    "--",
    ...command,
  ],
  exec: (deployment: string, command: readonly string[]) => ["exec", `deployment/${deployment}`, "--", ...command],
  getSelector: (name: string) => ["get", "service", name, "-o", "jsonpath={.spec.selector}"],
  updateRevision: (statefulSet: string) => [
    "get",
    "statefulset",
    statefulSet,
    "-o",
    `jsonpath={.status.${STATEFULSET_CONTROLLER.podRevision.value.statusField}}`,
  ],
};

interface PodJson {
  metadata: { uid: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** The pod's part of PodState; its node's readiness is read separately. */
export function podStateOf(pod: PodJson): Omit<PodState, "nodeReady"> {
  const revision = pod.metadata.labels?.[STATEFULSET_CONTROLLER.podRevision.value.podLabel];
  return {
    uid: pod.metadata.uid,
    node: pod.spec.nodeName ?? "",
    phase: pod.status?.phase ?? "Unknown",
    terminating: pod.metadata.deletionTimestamp !== undefined,
    ...(revision !== undefined ? { revision } : {}),
    ready: pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
  };
}

export type KubectlRunner = (args: readonly string[]) => Promise<string>;

export function kubectlRunner(binary = "kubectl"): KubectlRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(binary, [...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new KubectlError(`kubectl ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
    });
}

export function kubectlOps(target: KubectlTarget, run: KubectlRunner = kubectlRunner()): RollOps {
  const k = (args: readonly string[]) => run([...kubectlArgs.base(target), ...args]);
  return {
    async readConfigMap(name) {
      const out = (await k(kubectlArgs.getConfigMap(name))).trim();
      return out ? (JSON.parse(out) as Record<string, string>) : undefined;
    },
    async patchConfigMap(name, data) {
      await k(kubectlArgs.patchConfigMap(name, data));
    },
    async labelPod(pod, labels) {
      await k(labelPodArgs(pod, labels));
    },
    async podState(pod) {
      const out = (await k(kubectlArgs.getPod(pod))).trim();
      if (!out) return undefined;
      const state = podStateOf(JSON.parse(out) as PodJson);
      if (!state.node) return { ...state, nodeReady: "Unscheduled" };
      const ready = (await k(kubectlArgs.nodeReady(state.node))).trim();
      return { ...state, nodeReady: ready || "Absent" };
    },
    async scaleStatefulSet(name, replicas) {
      await k(kubectlArgs.scale(name, replicas));
    },
    async deletePod(pod) {
      await k(kubectlArgs.deletePod(pod));
    },
    async forceDeletePod(pod) {
      await k(kubectlArgs.forceDeletePod(pod));
    },
    async serviceExists(name) {
      return (await k(kubectlArgs.getService(name))).trim() !== "";
    },
    async patchService(name, selector, publish) {
      const current = JSON.parse((await k(kubectlArgs.getSelector(name))).trim() || "{}") as Record<string, string>;
      const removed = Object.fromEntries(
        Object.keys(current)
          .filter((key) => !(key in selector))
          .map((key) => [key, null]),
      );
      await k(kubectlArgs.patchService(name, { ...removed, ...selector }, publish));
    },
    async sql(pod, statements) {
      return (await k(kubectlArgs.sql(pod, statements))).trim();
    },
    async rolloutRestart(deployment) {
      await k(kubectlArgs.rolloutRestart(deployment));
      await k(kubectlArgs.rolloutStatus(deployment, target.timeoutS));
    },
    async listPods(selector) {
      return (await k(kubectlArgs.listPods(selector))).trim().split(/\s+/).filter(Boolean);
    },
    async execInPod(pod, container, command) {
      return (await k(kubectlArgs.execInPod(pod, container, command))).trim();
    },
    async execInDeployment(deployment, command) {
      return (await k(kubectlArgs.exec(deployment, command))).trim();
    },
    async updateRevision(statefulSet) {
      return (await k(kubectlArgs.updateRevision(statefulSet))).trim();
    },
  };
}
