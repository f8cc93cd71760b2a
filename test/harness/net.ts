/**
 * The harness's network, like a cluster's: every pod in its own network
 * namespace with its own address, routed through a hub namespace that also
 * does what kube-proxy does (DNAT from a Service's virtual IP to its ready
 * endpoints, chosen at random). Names resolve through a hosts file per pod
 * (`ip netns exec` binds /etc/netns/<ns>/hosts over /etc/hosts), written like
 * cluster DNS. Addresses come from a free /21 of 198.18.0.0/15.
 *
 * In the block a.b.t.0/21: t.0/24 links host (.1) and hub (.2); cluster i's pods
 * are on (t+1+i).0/24 (gateway .1, pods .10 and up); its Service IPs on (t+4+i).0/24.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { freeBlock, withNetworkLock } from "../../components/local/network";

const exec = promisify(execFile);

export async function sh(command: string, args: readonly string[]): Promise<string> {
  try {
    return (await exec(command, [...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")}: ${stderr?.trim() || message}`);
  }
}

export interface PodNet {
  namespace: string;
  address: string;
  cluster: number;
}

export interface Backend {
  address: string;
  port: number;
}

export class HarnessNet {
  readonly id = randomBytes(2).toString("hex");
  readonly hub = `pgrh-${this.id}-hub`;
  private block: [number, number, number] = [0, 0, 0];
  private pods: PodNet[] = [];
  private nextPod = new Map<number, number>();
  private nextVip = new Map<number, number>();

  get hostCidr(): string {
    return `${this.prefix(0)}.0/24`;
  }

  podCidr(cluster: number): string {
    return `${this.prefix(1 + cluster)}.0/24`;
  }

  private prefix(offset: number): string {
    const [a, b, t] = this.block;
    return `${a}.${b}.${t + offset}`;
  }

  async create(): Promise<void> {
    // Under the host's network lock, as the local runner takes its block: the rehearsal tier runs beside this one.
    await withNetworkLock(() => this.createHub());
  }

  private async createHub(): Promise<void> {
    this.block = await freeBlock(this.id);
    const link = `pgrh${this.id}`;
    await sh("ip", ["netns", "add", this.hub]);
    await sh("ip", ["-n", this.hub, "link", "set", "lo", "up"]);
    await sh("ip", ["link", "add", `${link}c`, "type", "veth", "peer", "name", `${link}h`]);
    await sh("ip", ["link", "set", `${link}h`, "netns", this.hub]);
    await sh("ip", ["addr", "add", `${this.prefix(0)}.1/24`, "dev", `${link}c`]);
    await sh("ip", ["link", "set", `${link}c`, "up"]);
    await sh("ip", ["-n", this.hub, "addr", "add", `${this.prefix(0)}.2/24`, "dev", `${link}h`]);
    await sh("ip", ["-n", this.hub, "link", "set", `${link}h`, "up"]);
    await sh("ip", ["netns", "exec", this.hub, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    await sh("ip", ["route", "add", `${this.block.join(".")}.0/21`, "via", `${this.prefix(0)}.2`]);
  }

  /** A pod's namespace, address, routes and name resolution. */
  async addPod(cluster: number): Promise<PodNet> {
    const n = this.nextPod.get(cluster) ?? 10;
    this.nextPod.set(cluster, n + 1);
    const index = this.pods.length;
    const pod: PodNet = {
      namespace: `pgrh-${this.id}-p${index}`,
      address: `${this.prefix(1 + cluster)}.${n}`,
      cluster,
    };
    const [hubEnd, podEnd] = [`pgrh${this.id}p${index}a`, `pgrh${this.id}p${index}b`];
    const gateway = `${this.prefix(1 + cluster)}.1`;
    await sh("ip", ["netns", "add", pod.namespace]);
    await sh("ip", ["-n", pod.namespace, "link", "set", "lo", "up"]);
    await sh("ip", ["link", "add", hubEnd, "type", "veth", "peer", "name", podEnd]);
    await sh("ip", ["link", "set", hubEnd, "netns", this.hub]);
    await sh("ip", ["link", "set", podEnd, "netns", pod.namespace]);
    await sh("ip", ["-n", pod.namespace, "link", "set", podEnd, "name", "eth0"]);
    await sh("ip", ["-n", this.hub, "addr", "add", `${gateway}/32`, "dev", hubEnd]);
    await sh("ip", ["-n", this.hub, "link", "set", hubEnd, "up"]);
    await sh("ip", ["-n", this.hub, "route", "add", `${pod.address}/32`, "dev", hubEnd]);
    await sh("ip", ["-n", pod.namespace, "addr", "add", `${pod.address}/32`, "dev", "eth0"]);
    await sh("ip", ["-n", pod.namespace, "link", "set", "eth0", "up"]);
    await sh("ip", ["-n", pod.namespace, "route", "add", `${gateway}/32`, "dev", "eth0"]);
    await sh("ip", ["-n", pod.namespace, "route", "add", "default", "via", gateway]);
    mkdirSync(`/etc/netns/${pod.namespace}`, { recursive: true });
    // No DNS server here: names not in hosts fail at once instead of timing out.
    writeFileSync(`/etc/netns/${pod.namespace}/resolv.conf`, "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
    writeFileSync(`/etc/netns/${pod.namespace}/hosts`, "127.0.0.1 localhost\n");
    this.pods.push(pod);
    return pod;
  }

  allocateVip(cluster: number): string {
    const n = this.nextVip.get(cluster) ?? 10;
    this.nextVip.set(cluster, n + 1);
    return `${this.prefix(4 + cluster)}.${n}`;
  }

  /** Rewritten in place: `ip netns exec` bind-mounts the file, so its inode must stay. */
  writeHosts(cluster: number, entries: ReadonlyArray<[address: string, name: string]>): void {
    const text = ["127.0.0.1 localhost", ...entries.map(([address, name]) => `${address} ${name}`), ""].join("\n");
    for (const pod of this.pods.filter((p) => p.cluster === cluster))
      writeFileSync(`/etc/netns/${pod.namespace}/hosts`, text);
  }

  /** kube-proxy: each VIP port to its ready endpoints, at random; no endpoints, no route (refused at once). */
  async programServices(
    rules: ReadonlyArray<{ vip: string; port: number; backends: readonly Backend[] }>,
  ): Promise<void> {
    const lines = rules
      .filter((rule) => rule.backends.length > 0)
      .map(({ vip, port, backends }) =>
        backends.length === 1
          ? `ip daddr ${vip} tcp dport ${port} dnat to ${backends[0]!.address}:${backends[0]!.port}`
          : `ip daddr ${vip} tcp dport ${port} dnat ip to numgen random mod ${backends.length} map { ${backends.map((b, i) => `${i} : ${b.address} . ${b.port}`).join(", ")} }`,
      );
    const ruleset = `table ip harness\ndelete table ip harness\ntable ip harness {\n  chain pre {\n    type nat hook prerouting priority dstnat; policy accept;\n${lines.map((l) => `    ${l}`).join("\n")}\n  }\n}\n`;
    await new Promise<void>((resolve, reject) => {
      const child = execFile("ip", ["netns", "exec", this.hub, "nft", "-f", "-"], (error, _out, stderr) =>
        error ? reject(new Error(`nft: ${stderr}`)) : resolve(),
      );
      child.stdin!.end(ruleset);
    });
  }

  /**
   * The NetworkPolicy plugin: the hub forwards every packet between pods (after kube-proxy's DNAT, so a Service's
   * traffic is matched as going to the pod behind it), and passes a new connection only when `allowed` lists its
   * source, destination and port. The host stands for the nodes, whose traffic with their pods is always allowed;
   * replies to an allowed connection pass (conntrack).
   */
  async programPolicies(allowed: ReadonlyArray<{ from: string; to: string; ports: readonly number[] }>): Promise<void> {
    const host = `${this.prefix(0)}.1`;
    const lines = allowed
      .filter((rule) => rule.ports.length > 0)
      .map((rule) => `ip saddr ${rule.from} ip daddr ${rule.to} tcp dport { ${rule.ports.join(", ")} } accept`);
    const ruleset = [
      "table inet harness_policy",
      "delete table inet harness_policy",
      "table inet harness_policy {",
      "  chain forward {",
      "    type filter hook forward priority filter; policy drop;",
      "    ct state established,related accept",
      `    ip saddr ${host} accept`,
      `    ip daddr ${host} accept`,
      ...lines.map((l) => `    ${l}`),
      "  }",
      "}",
      "",
    ].join("\n");
    await new Promise<void>((resolve, reject) => {
      const child = execFile("ip", ["netns", "exec", this.hub, "nft", "-f", "-"], (error, _out, stderr) =>
        error ? reject(new Error(`nft: ${stderr}`)) : resolve(),
      );
      child.stdin!.end(ruleset);
    });
  }

  /** The NetworkPolicy plugin's rules as the hub holds them now (for a failure's message). */
  async policyRules(): Promise<string> {
    return sh("ip", ["netns", "exec", this.hub, "nft", "list", "table", "inet", "harness_policy"]).catch(
      (e: Error) => e.message,
    );
  }

  /** kube-proxy's rules as the hub holds them now (for a failure's message). */
  async rules(): Promise<string> {
    return sh("ip", ["netns", "exec", this.hub, "nft", "list", "table", "ip", "harness"]).catch(
      (e: Error) => e.message,
    );
  }

  /** The TCP sockets in a pod's network namespace, with their processes (for a failure's message). */
  async sockets(namespace: string): Promise<string> {
    return sh("ip", ["netns", "exec", namespace, "ss", "-tanp"]).catch((e: Error) => e.message);
  }

  async destroy(): Promise<void> {
    // The host's end first: deleting a veth end deletes its peer at once, while a deleted namespace's devices go
    // in the kernel's asynchronous cleanup (a check right after the tests could still see the host's end).
    await sh("ip", ["link", "del", `pgrh${this.id}c`]).catch(() => undefined);
    for (const pod of this.pods) {
      await sh("ip", ["netns", "del", pod.namespace]).catch(() => undefined);
      rmSync(`/etc/netns/${pod.namespace}`, { recursive: true, force: true });
    }
    await sh("ip", ["netns", "del", this.hub]).catch(() => undefined);
    await sh("ip", ["route", "del", `${this.block.join(".")}.0/21`]).catch(() => undefined);
  }
}
