/**
 * A stack's rendered objects brought to life here, one cluster per region:
 * StatefulSets' pods in order (each Ready before the next, OrderedReady),
 * Deployments, Jobs; Services as virtual IPs that follow readiness, headless
 * and load balancer names in every pod's hosts file.
 */
import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { DEPLOYMENT_ROLLOUT } from "../../components/facts/kubernetes";
import { serviceHost } from "../../components/kubernetes/conventions";
import { type ImageRuntime } from "./images";
import { type PolicyPod, allows, connects } from "../support/networkPolicyModel";
import type { Backend, HarnessNet } from "./net";
import type { ClusterObjects, ServiceObject, Workload } from "./objects";
import { type Identity, Pod } from "./pod";

interface ClusterPod {
  pod: Pod;
  cluster: number;
  workload: Workload;
  ready: boolean;
}

export interface ClusterOptions {
  clusters: ClusterObjects[];
  net: HarnessNet;
  root: string;
  images: Record<"postgres" | "pgbouncer", ImageRuntime>;
  identity: Identity;
  /** kubernetes.clusterDomain of the stack: cluster DNS answers <service>.<namespace>.svc.<clusterDomain>. */
  clusterDomain: string;
}

/** Whether a TCP handshake with address:port completes within 3 s. */
function tcpConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 3000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("completes");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("times out after 3 s");
    });
    socket.once("error", (error) => resolve(`fails: ${error.message}`));
  });
}

/** The pods' readinessProbe periodSeconds (databasePod.ts, pgbouncer.ts): how often endpoints follow readiness. */
const PROBE_PERIOD_MS = 5000;

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

export class Harness {
  readonly pods = new Map<string, ClusterPod>();
  /** Pods the node lifecycle controller marked not ready: their node stopped reporting (test/harness/nodes.ts). */
  readonly notReady = new Set<string>();
  /** Pods the API server no longer has, whose processes may still run behind a partition: no endpoints, no names. */
  readonly deleted = new Set<string>();
  private readonly vips = new Map<string, string>();
  /** Deployment pods in a rolling restart: the old pod keeps the Service's endpoint until the new one is Ready. */
  private readonly rolling = new Set<string>();
  /** One sync at a time: a test's and the periodic one take turns. */
  private syncing: Promise<void> = Promise.resolve();
  private periodic: NodeJS.Timeout | undefined;

  constructor(private readonly options: ClusterOptions) {
    options.clusters.forEach((objects, cluster) => {
      for (const service of objects.services) {
        if (service.clusterIP !== "None") this.vips.set(`${cluster}/${service.name}`, options.net.allocateVip(cluster));
      }
    });
  }

  /**
   * The kubelet's readiness probes, the endpoints controller and kube-proxy do not wait for a test to ask: a pod
   * that turns Ready (a follower whose WAL receiver reconnected after a failover) joins its Services' endpoints
   * within a probe period, and one that turns unready leaves them. Without this, a Service left with no endpoints
   * at a test's last sync stayed so (stop 33's CI: the read pool's logins waited out client_login_timeout with
   * "server down" while every replica had long been Ready again).
   */
  startControllers(periodMs = PROBE_PERIOD_MS): void {
    this.stopControllers();
    let busy = false;
    this.periodic = setInterval(() => {
      if (busy) return;
      busy = true;
      this.sync()
        .catch(() => undefined) // the next tick tries again; a test's own sync reports its errors
        .finally(() => (busy = false));
    }, periodMs);
    this.periodic.unref();
  }

  stopControllers(): void {
    if (this.periodic) clearInterval(this.periodic);
    this.periodic = undefined;
  }

  cluster(region: string): number {
    const index = this.options.clusters.findIndex((c) => c.region === region);
    if (index < 0) throw new Error(`no cluster for region ${region}`);
    return index;
  }

  objects(cluster: number): ClusterObjects {
    return this.options.clusters[cluster]!;
  }

  workload(cluster: number, name: string): Workload {
    const found = this.objects(cluster).workloads.find((w) => w.name === name);
    if (!found)
      throw new Error(
        `cluster ${this.objects(cluster).region} has no workload ${name}: ${this.objects(cluster)
          .workloads.map((w) => w.name)
          .join(", ")}`,
      );
    return found;
  }

  /** The Service's virtual IP, as a client in the cluster (or the host) connects to it. */
  serviceAddress(cluster: number, service: string): string {
    const vip = this.vips.get(`${cluster}/${service}`);
    if (!vip) throw new Error(`no Service ${service} with a cluster IP in ${this.objects(cluster).region}`);
    return vip;
  }

  pod(name: string): Pod {
    const found = this.pods.get(name);
    if (!found) throw new Error(`no pod ${name}`);
    return found.pod;
  }

  private async createPod(cluster: number, workload: Workload, name: string): Promise<ClusterPod> {
    const existing = this.pods.get(name);
    if (existing) return existing;
    const net = await this.options.net.addPod(cluster);
    const dir = join(this.options.root, "pods", name);
    mkdirSync(dir, { recursive: true });
    const claims = Object.fromEntries(
      workload.volumeClaimTemplates.map((t) => [
        t.metadata.name,
        join(this.options.root, "claims", `${t.metadata.name}-${name}`),
      ]),
    );
    const pod = new Pod({
      name,
      template: workload.template,
      objects: this.objects(cluster),
      net,
      dir,
      claims,
      images: this.options.images,
      identity: this.options.identity,
    });
    const entry = { pod, cluster, workload, ready: false };
    this.pods.set(name, entry);
    await this.sync();
    return entry;
  }

  /** OrderedReady: pod k starts when pods 0..k-1 are Ready. */
  async startStatefulSet(cluster: number, name: string, timeoutMs = 300_000): Promise<Pod[]> {
    const workload = this.workload(cluster, name);
    const pods: Pod[] = [];
    for (let ordinal = 0; ordinal < workload.replicas; ordinal++) {
      const entry = await this.createPod(cluster, workload, `${name}-${ordinal}`);
      await entry.pod.start();
      await this.waitReady(entry.pod.name, timeoutMs);
      pods.push(entry.pod);
    }
    return pods;
  }

  async startDeployment(cluster: number, name: string, timeoutMs = 120_000): Promise<Pod> {
    const entry = await this.createPod(cluster, this.workload(cluster, name), `${name}-h${cluster}`);
    await entry.pod.start();
    await this.waitReady(entry.pod.name, timeoutMs);
    return entry.pod;
  }

  async runJob(cluster: number, name: string): Promise<{ code: number; output: string }> {
    const entry = await this.createPod(cluster, this.workload(cluster, name), `${name}-h${cluster}`);
    return entry.pod.runJob();
  }

  /**
   * The StatefulSet controller scaling a set down, as it does under OrderedReady (the test double for it): the
   * condemned pods, highest ordinal first, each deleted only once the one before has terminated
   * (kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees: "When Pods are
   * being deleted, they are terminated in reverse order, from {N-1..0}"; pkg/controller/statefulset/
   * stateful_set_control.go processCondemned waits for a terminating pod in monotonic mode). Claims stay.
   */
  async scaleStatefulSetDown(cluster: number, name: string, replicas: number): Promise<string[]> {
    const condemned = [...this.pods.values()]
      .filter((e) => e.cluster === cluster && e.workload.kind === "StatefulSet" && e.workload.name === name)
      .map((e) => e.pod.name)
      .filter((pod) => Number(pod.slice(name.length + 1)) >= replicas)
      .sort((a, b) => Number(b.slice(name.length + 1)) - Number(a.slice(name.length + 1)));
    for (const pod of condemned) {
      await this.pods.get(pod)!.pod.stop();
      this.pods.delete(pod);
      await this.sync();
    }
    this.workload(cluster, name).replicas = replicas;
    return condemned;
  }

  /**
   * A Job of the next render, as `pulumi up` creates it: its ConfigMaps and the Job itself added to the cluster's
   * objects, then run to its end.
   */
  async runNewJob(
    cluster: number,
    next: ClusterObjects,
    job: string,
    as: { name?: string; env?: Record<string, string> } = {},
  ): Promise<{ code: number; output: string }> {
    const objects = this.objects(cluster);
    const found = next.workloads.find((w) => w.kind === "Job" && w.name === job);
    if (!found) throw new Error(`the next render of ${objects.region} has no Job ${job}`);
    // A test may run a copy under another name with more environment (a shorter deadline, say).
    const extra = Object.entries(as.env ?? {}).map(([name, value]) => ({ name, value }));
    const [container, ...rest] = found.template.spec.containers;
    const workload = {
      ...found,
      name: as.name ?? job,
      template: {
        ...found.template,
        spec: {
          ...found.template.spec,
          containers: [{ ...container!, env: [...(container!.env ?? []), ...extra] }, ...rest],
        },
      },
    };
    for (const volume of workload.template.spec.volumes)
      if (volume.configMap) objects.configMaps.set(volume.configMap.name, next.configMaps.get(volume.configMap.name)!);
    if (!objects.workloads.some((w) => w.kind === "Job" && w.name === workload.name)) objects.workloads.push(workload);
    return this.runJob(cluster, workload.name);
  }

  /** A Secret changed by `up`: stored, and its volumes in the running pods rewritten as the kubelet syncs them. */
  updateSecret(cluster: number, name: string, data: Record<string, string>): string[] {
    const secret = this.objects(cluster).secrets.get(name);
    if (!secret) throw new Error(`no Secret ${name} in ${this.objects(cluster).region}`);
    Object.assign(secret, data);
    return [...this.pods.values()]
      .filter((entry) => entry.cluster === cluster && entry.pod.running() && entry.pod.refreshSecretVolumes(name))
      .map((entry) => entry.pod.name);
  }

  async restart(name: string, options: Parameters<Pod["start"]>[0] = {}): Promise<void> {
    const entry = this.pods.get(name);
    if (!entry) throw new Error(`no pod ${name}`);
    await entry.pod.stop();
    // A restart here stands for the pod deleted and created again: its labels are the template's once more.
    entry.pod.recreated();
    await this.sync();
    await entry.pod.start(options);
  }

  /**
   * `kubectl rollout restart` of a one-pod Deployment, then `kubectl rollout status`, as the controllers do them
   * (facts/kubernetes/deploymentRollout.ts): with maxSurge the new pod starts while the old one terminates (its grace
   * period: the template's, or Kubernetes' default), and rollout status is done once the new pod is Ready, whether or
   * not the old one has exited. Here both incarnations share the pod's network namespace: the old one keeps the
   * connections it has, the new one takes new ones (Pod.retire). Without surge, the old pod goes first.
   */
  async rollDeployment(name: string, timeoutMs: number): Promise<void> {
    const entry = this.pods.get(name);
    if (!entry || entry.workload.kind !== "Deployment") throw new Error(`no Deployment pod ${name}`);
    const surge = entry.workload.strategy?.rollingUpdate?.maxSurge;
    if (entry.workload.strategy?.type === "Recreate" || !surge || surge === "0%") {
      await this.restart(name);
    } else {
      const grace =
        entry.workload.template.spec.terminationGracePeriodSeconds ??
        DEPLOYMENT_ROLLOUT.defaultGracePeriodSeconds.value;
      // The Service keeps the endpoint meanwhile: the old pod would leave it only once the new one is Ready.
      this.rolling.add(name);
      try {
        await entry.pod.retire(grace * 1000);
        entry.pod.recreated();
        await entry.pod.start();
        await this.waitReady(name, timeoutMs);
      } finally {
        this.rolling.delete(name);
      }
      return;
    }
    await this.waitReady(name, timeoutMs);
  }

  async waitReady(name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const entry = this.pods.get(name)!;
    while (Date.now() < deadline) {
      await this.sync();
      if (entry.ready) return;
      if (!entry.pod.running()) throw new Error(`${name} exited before it was Ready. Its log:\n${entry.pod.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error(`${name} not Ready after ${timeoutMs} ms. Its log:\n${entry.pod.tail()}`);
  }

  /** Readiness of every pod, then Service endpoints and names, as the endpoints controller and kube-proxy would. */
  sync(): Promise<void> {
    const next = this.syncing.then(
      () => this.syncOnce(),
      () => this.syncOnce(),
    );
    this.syncing = next.catch(() => undefined);
    return next;
  }

  private async syncOnce(): Promise<void> {
    for (const [name, entry] of this.pods)
      entry.ready = entry.workload.kind !== "Job" && !this.notReady.has(name) && (await entry.pod.ready());
    const rules: Array<{ vip: string; port: number; backends: Backend[] }> = [];
    this.options.clusters.forEach((objects, cluster) => {
      for (const service of objects.services.filter((s) => s.clusterIP !== "None")) {
        const vip = this.serviceAddress(cluster, service.name);
        for (const port of service.ports)
          rules.push({ vip, port: port.port, backends: this.endpoints(cluster, service, port.targetPort) });
      }
    });
    await this.options.net.programServices(rules);
    await this.options.net.programPolicies(this.allowedConnections());
    this.options.clusters.forEach((_, cluster) => this.options.net.writeHosts(cluster, this.names(cluster)));
  }

  /**
   * What the clusters' NetworkPolicies let each pod open to each other pod, on the ports the destination declares:
   * in one cluster the source's egress and the destination's ingress by labels; across clusters each side sees the
   * other as an address outside its cluster (support/networkPolicyModel.ts).
   */
  private allowedConnections(): Array<{ from: string; to: string; ports: number[] }> {
    const entries = [...this.pods.values()];
    const podOf = (e: ClusterPod): PolicyPod => ({
      namespace: this.objects(e.cluster).namespace,
      labels: e.pod.labels,
    });
    const policiesOf = (e: ClusterPod) => this.objects(e.cluster).policies;
    return entries.flatMap((from) =>
      entries.map((to) => {
        const declared = [...(to.workload.template.spec.initContainers ?? []), ...to.workload.template.spec.containers]
          .flatMap((c) => c.ports ?? [])
          .map((p) => p.containerPort);
        const ports = [...new Set(declared)].filter((port) =>
          from.cluster === to.cluster
            ? connects(policiesOf(from), podOf(from), { pod: podOf(to) }, port)
            : allows(policiesOf(from), "Egress", podOf(from), { address: to.pod.address }, "TCP", port) &&
              allows(policiesOf(to), "Ingress", podOf(to), { address: from.pod.address }, "TCP", port),
        );
        return { from: from.pod.address, to: to.pod.address, ports };
      }),
    );
  }

  private endpoints(cluster: number, service: ServiceObject, targetPort: number | string): Backend[] {
    return [...this.pods.values()]
      .filter((e) => e.cluster === cluster && e.workload.kind !== "Job" && matches(service.selector, e.pod.labels))
      .filter((e) => !this.deleted.has(e.pod.name))
      .filter((e) => e.ready || this.rolling.has(e.pod.name) || (service.publishNotReadyAddresses && e.pod.running()))
      .map((e) => {
        const ports = e.workload.template.spec.containers.flatMap((c) => c.ports ?? []);
        const port =
          typeof targetPort === "number" ? targetPort : ports.find((p) => p.name === targetPort)?.containerPort;
        if (port === undefined)
          throw new Error(`Service ${service.name}: pod ${e.pod.name} has no port named ${targetPort}`);
        return { address: e.pod.address, port };
      });
  }

  /** Cluster DNS as a hosts file: Services, headless pod names, and every cluster's load balancer names. */
  private names(cluster: number): Array<[string, string]> {
    const { namespace, services } = this.objects(cluster);
    const domain = { namespace, clusterDomain: this.options.clusterDomain };
    const entries: Array<[string, string]> = [];
    for (const service of services) {
      if (service.clusterIP !== "None") {
        entries.push([this.serviceAddress(cluster, service.name), serviceHost(service.name, domain)]);
        continue;
      }
      for (const e of this.pods.values()) {
        if (e.cluster === cluster && matches(service.selector, e.pod.labels) && !this.deleted.has(e.pod.name))
          entries.push([e.pod.address, `${e.pod.name}.${serviceHost(service.name, domain)}`]);
      }
    }
    this.options.clusters.forEach((objects, other) => {
      for (const service of objects.services) {
        if (service.loadBalancerHost)
          entries.push([this.serviceAddress(other, service.name), service.loadBalancerHost]);
      }
    });
    return entries;
  }

  /**
   * `pulumi up` of a re-rendered stack as far as running pods see it without a restart: the cluster's ConfigMaps and
   * Secrets take their new data, then the kubelet's sync rewrites every pod's volumes (atomically). Pod
   * templates are left as they were (a changed template is a restart: the tests compare those themselves).
   * Returns, per pod, the volumes whose files changed.
   */
  syncVolumes(cluster: number, next: ClusterObjects): Map<string, string[]> {
    const objects = this.objects(cluster);
    for (const [kind, source] of [
      [objects.configMaps, next.configMaps],
      [objects.secrets, next.secrets],
    ] as const) {
      for (const [name, data] of source) {
        // The fence is the failover's record: the component ignores changes to it after creating it.
        if (name.endsWith("-fence")) continue;
        const existing = kind.get(name);
        if (!existing) kind.set(name, { ...data });
        else if (!name.endsWith("-tls")) Object.assign(existing, data); // TLS keeps the harness's real certificates
      }
    }
    const changed = new Map<string, string[]>();
    // Every pod that exists, running or not: the kubelet syncs a pod's volumes whatever its containers do (a
    // crash-looping container restarted in place reads the new files).
    for (const [name, entry] of this.pods)
      if (entry.cluster === cluster && entry.workload.kind !== "Job") changed.set(name, entry.pod.refreshVolumes());
    return changed;
  }

  /**
   * What a client of a Service meets now, for a failure's message: kube-proxy's rules, a TCP connect to the Service
   * address and to each selected pod, and each pod's readiness (at the last sync and now), sockets and log.
   */
  async explainService(
    cluster: number,
    name: string,
    commands: (podPort: number) => string[][] = () => [],
  ): Promise<string> {
    const service = this.objects(cluster).services.find((s) => s.name === name);
    if (!service) return `no Service ${name}`;
    const [port] = service.ports;
    if (!port) return `Service ${name} has no port`;
    const vip = this.serviceAddress(cluster, name);
    const lines = [
      `Service ${name} ${vip}:${port.port} selector ${JSON.stringify(service.selector)}: TCP connect ${await tcpConnect(vip, port.port)}`,
      await this.options.net.rules(),
    ];
    for (const [podName, entry] of this.pods) {
      if (entry.cluster !== cluster || !matches(service.selector, entry.pod.labels)) continue;
      const podPort =
        typeof port.targetPort === "number"
          ? port.targetPort
          : (entry.workload.template.spec.containers
              .flatMap((c) => c.ports ?? [])
              .find((p) => p.name === port.targetPort)?.containerPort ?? port.port);
      lines.push(
        `pod ${podName} ${entry.pod.address}:${podPort}: running ${entry.pod.running()}, ready at the last sync ${entry.ready}, ready now ${await entry.pod.ready()}, deleted ${this.deleted.has(podName)}; TCP connect ${await tcpConnect(entry.pod.address, podPort)}`,
        await this.options.net.sockets(entry.pod.netNamespace),
      );
      for (const command of commands(podPort)) {
        const result = await entry.pod.exec(command, 15_000).catch((e: Error) => ({ code: -1, output: e.message }));
        lines.push(`$ ${command.join(" ")} (exit ${result.code})\n${result.output}`);
      }
      lines.push(`its log:\n${entry.pod.tail(25)}`);
    }
    return lines.join("\n");
  }

  async stopAll(): Promise<void> {
    this.stopControllers();
    for (const entry of [...this.pods.values()].reverse()) await entry.pod.stop(30_000);
  }
}
