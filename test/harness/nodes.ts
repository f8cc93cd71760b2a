/**
 * Node loss, as a test double modelled from Kubernetes' sources (components/facts/kubernetes/nodeLoss.ts): each pod on
 * a node of its own, whose kubelet can stop reporting. Then, as the API server, the node lifecycle controller and the
 * pod garbage collector behave:
 *  - the node's Ready condition is Unknown and its pods are marked not ready (out of every Service's endpoints);
 *  - a graceful deletion (a StatefulSet scaled down included) only marks the pod Terminating: it stays until the
 *    kubelet confirms (the node answers again), the Node object is deleted, or someone force-deletes it, or the node is
 *    tainted out of service (the pod GC then force-deletes it);
 *  - a force deletion removes the API object at once, and a partitioned node's containers keep running: the harness
 *    cuts the pod's network namespace off (nftables drops everything but loopback), so a PostgreSQL there still takes
 *    writes from clients on its own node and from nobody else;
 *  - when the node answers again its kubelet stops every container whose pod the API server no longer has.
 * kubectl exec, which the API server proxies to the kubelet, fails for a pod on a node that does not answer.
 */
import { execFile } from "node:child_process";
import type { PodState } from "../../components/kubernetes/statefulset/failover/ops";
import type { Harness } from "./cluster";
import { sh } from "./net";

interface PodObject {
  uid: string;
  node: string;
  terminating: boolean;
  /** Recreated away from a lost node: its volume is still attached there (ReadWriteOnce), so it never starts. */
  waitingForVolume: boolean;
}

const PARTITION_TABLE = "pgrh_partition";
const PARTITION_RULES = `table inet ${PARTITION_TABLE} {
  chain input { type filter hook input priority 0; policy drop; iif "lo" accept; }
  chain output { type filter hook output priority 0; policy drop; oif "lo" accept; }
}
`;

export class HarnessNodes {
  private readonly objects = new Map<string, PodObject>();
  private readonly lost = new Map<string, "partitioned" | "down">();
  private readonly outOfService = new Set<string>();
  /** StatefulSets scaled to zero: their deleted pods are not recreated. */
  private readonly zeroed = new Set<string>();
  private generation = 0;

  constructor(private readonly harness: Harness) {}

  private object(pod: string): PodObject | undefined {
    if (!this.harness.pods.has(pod) || this.harness.deleted.has(pod)) return undefined;
    let found = this.objects.get(pod);
    if (!found) {
      found = { uid: `${pod}-${++this.generation}`, node: `node-${pod}`, terminating: false, waitingForVolume: false };
      this.objects.set(pod, found);
    }
    return found;
  }

  nodeOf(pod: string): string {
    return this.object(pod)?.node ?? `node-${pod}`;
  }

  reachable(pod: string): boolean {
    return !this.lost.has(this.nodeOf(pod));
  }

  podState(pod: string): PodState | undefined {
    const object = this.object(pod);
    if (!object) return undefined;
    const running = !object.waitingForVolume && this.harness.pod(pod).running();
    return {
      uid: object.uid,
      node: object.node,
      nodeReady: this.lost.has(object.node) ? "Unknown" : "True",
      phase: running ? "Running" : "Pending",
      terminating: object.terminating,
    };
  }

  /** The pod's node stops answering while it keeps running: its network is cut, its processes go on. */
  async partition(pod: string): Promise<string> {
    const node = this.nodeOf(pod);
    this.lost.set(node, "partitioned");
    await this.cut(pod, true);
    this.harness.notReady.add(pod);
    await this.harness.sync();
    return node;
  }

  /** The node answers again: its kubelet stops the containers of pods deleted meanwhile (or terminating). */
  async heal(pod: string): Promise<void> {
    const node = this.nodeOf(pod);
    this.lost.delete(node);
    this.outOfService.delete(node);
    await this.cut(pod, false);
    this.harness.notReady.delete(pod);
    const object = this.objects.get(pod);
    if (this.harness.deleted.has(pod) || object?.terminating) {
      await this.harness.pod(pod).stop();
      if (object?.terminating) this.remove(pod);
    }
    await this.harness.sync();
  }

  private async cut(pod: string, off: boolean): Promise<void> {
    const namespace = this.harness.pod(pod).options.net.namespace;
    if (off) await nftFile(namespace, PARTITION_RULES);
    else await sh("ip", ["netns", "exec", namespace, "nft", "delete", "table", "inet", PARTITION_TABLE]);
  }

  /** The StatefulSet's replicas set; each pod at or above it deleted gracefully, highest ordinal first. */
  async scale(cluster: number, set: string, replicas: number): Promise<void> {
    if (replicas === 0) this.zeroed.add(set);
    const pods = [...this.harness.pods.values()]
      .filter((e) => e.cluster === cluster && e.workload.kind === "StatefulSet" && e.workload.name === set)
      .map((e) => e.pod.name)
      .filter((pod) => Number(pod.slice(set.length + 1)) >= replicas)
      .sort()
      .reverse();
    for (const pod of pods) await this.deleteGracefully(pod);
  }

  /** Graceful deletion: the kubelet stops the pod and the API object goes, unless its node does not answer. */
  async deleteGracefully(pod: string): Promise<void> {
    const object = this.object(pod);
    if (!object) return;
    if (!this.reachable(pod)) {
      object.terminating = true;
      return;
    }
    const entry = this.harness.pods.get(pod)!;
    this.objects.delete(pod); // the next read is the recreated pod: another uid
    if (entry.workload.kind === "StatefulSet" && !this.zeroed.has(entry.workload.name)) {
      // Recreated by its StatefulSet once gone (out of the endpoints meanwhile); the start guard may refuse it.
      await this.harness.restart(pod).catch(() => undefined);
      return;
    }
    await entry.pod.stop();
    this.harness.deleted.add(pod);
    await this.harness.sync();
  }

  /** Force deletion: the API object goes at once; the containers on a partitioned node keep running. */
  async forceDelete(pod: string): Promise<void> {
    if (!this.object(pod)) return;
    const stranded = !this.reachable(pod);
    this.remove(pod);
    await this.recreate(pod, stranded);
  }

  /** The out-of-service taint on a node that is not Ready: the pod GC force-deletes its terminating pods. */
  async taintOutOfService(pod: string): Promise<void> {
    const node = this.nodeOf(pod);
    this.outOfService.add(node);
    const object = this.objects.get(pod);
    if (this.lost.has(node) && object?.terminating) await this.forceDelete(pod);
  }

  private remove(pod: string): void {
    this.objects.delete(pod);
    this.harness.deleted.add(pod);
  }

  /**
   * The StatefulSet controller recreates a deleted pod of a set that still wants it. Away from a lost node its volume
   * stays attached there, so the new pod waits; otherwise it starts (the start guard may refuse it: then Pending).
   */
  private async recreate(pod: string, stranded: boolean): Promise<void> {
    const entry = this.harness.pods.get(pod)!;
    if (entry.workload.kind !== "StatefulSet" || this.zeroed.has(entry.workload.name)) return;
    this.harness.deleted.delete(pod);
    const object = this.object(pod)!;
    if (stranded) {
      object.node = `${object.node}-replacement`;
      object.waitingForVolume = true;
      return;
    }
    await entry.pod.start().catch(() => undefined);
    await this.harness.sync();
  }
}

async function nftFile(namespace: string, rules: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile("ip", ["netns", "exec", namespace, "nft", "-f", "-"], (error, _out, stderr) =>
      error ? reject(new Error(`nft in ${namespace}: ${stderr}`)) : resolve(),
    );
    child.stdin!.end(rules);
  });
}

const models = new WeakMap<Harness, HarnessNodes>();

/** The one node model of a harness (the failover's ops and the test see the same nodes). */
export function nodesOf(harness: Harness): HarnessNodes {
  let model = models.get(harness);
  if (!model) {
    model = new HarnessNodes(harness);
    models.set(harness, model);
  }
  return model;
}
