/**
 * Regions with addresses of their own. As root, each region of a rehearsed stack
 * runs in its own network namespace; a hub namespace routes between them and the
 * host, so a remote region's replicas reach the primary from that region's
 * addresses and pg_hba's per-region rules see real source addresses. The host
 * (where clients, tests and the verifier run) reaches every region through the
 * hub, from the client subnet. Everything is in 198.18.0.0/15, the range set aside
 * for benchmarking, and is removed with the stack (namespaces take their links
 * and routes with them).
 *
 * Per stack a /21: X.Y.t.0/24 links host and hub (host .1, hub .2); region i gets
 * X.Y.(t+1+i).0/24 (hub .1, servers .10 and up, pools .200 and up).
 */
import { createHash } from "node:crypto";
import type { Endpoint } from "../contract/stackOutputs";
import { LocalError } from "./errors";
import { run } from "./exec";
import { NETWORK_LOCK_FILE, withHostLock } from "./hostLock";
import type { RunAs } from "./identity";

const ROOT: RunAs = { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false };

export interface RegionNet {
  region: string;
  namespace: string;
  /** The region's subnet: its clients and replicas connect from here. */
  cidr: string;
  /** Third octet of the subnet. */
  octets: [number, number, number];
}

export interface NamespacePlan {
  kind: "namespaces";
  id: string;
  hub: string;
  /** Where the host's clients (tests, verifier, the read pool controller) connect from. */
  clientCidr: string;
  hostAddress: string;
  hubAddress: string;
  block: string;
  regions: RegionNet[];
}

export interface LoopbackPlan {
  kind: "loopback";
  /** Why regions share loopback here (shown by local status). */
  reason: string;
}

export type NetworkPlan = NamespacePlan | LoopbackPlan;

/**
 * Names derive from the state directory, so a crashed run's namespaces are found and removed by the next `local down`.
 */
export function networkId(stateRoot: string): string {
  return createHash("sha256").update(stateRoot).digest("hex").slice(0, 6);
}

export function namespacePrefix(stateRoot: string): string {
  return `pgrr-${networkId(stateRoot)}-`;
}

async function ip(args: string[]): Promise<string> {
  return (await run("ip", args, { runAs: ROOT, timeoutMs: 30_000 })).stdout;
}

/**
 * Held from picking a block (freeBlock) until the host's address in it exists, by every stack and harness on this
 * host: two of them brought up side by side would otherwise both find the same block free, and the second's
 * host address and route would steal the first's traffic. Creating a network takes a few seconds; two minutes is
 * a hang guard.
 */
export function withNetworkLock<T>(work: () => Promise<T>): Promise<T> {
  return withHostLock(NETWORK_LOCK_FILE, 120_000, work);
}

/** 198.18.0.0/15 split into /21 blocks; the first one free on this host, starting from the stack's own. */
export async function freeBlock(id: string): Promise<[number, number, number]> {
  const used = `${await ip(["-4", "route", "show"])}\n${await ip(["-4", "-o", "addr", "show"])}`;
  const start = parseInt(id, 16) % 64;
  for (let step = 0; step < 64; step++) {
    const index = (start + step) % 64;
    const second = 18 + Math.floor((index * 8) / 256);
    const third = (index * 8) % 256;
    const taken = Array.from({ length: 8 }, (_, k) => `198.${second}.${third + k}.`).some((prefix) =>
      used.includes(prefix),
    );
    if (!taken) return [198, second, third];
  }
  throw new LocalError(
    "no free /21 left in 198.18.0.0/15 for this stack's regions; run local down on other stacks first",
  );
}

export async function planNamespaces(stateRoot: string, regions: readonly string[]): Promise<NamespacePlan> {
  if (regions.length > 7) throw new LocalError(`${regions.length} regions do not fit one address block (at most 7)`);
  const id = networkId(stateRoot);
  const [a, b, t] = await freeBlock(id);
  const prefix = namespacePrefix(stateRoot);
  return {
    kind: "namespaces",
    id,
    hub: `${prefix}hub`,
    clientCidr: `${a}.${b}.${t}.0/24`,
    hostAddress: `${a}.${b}.${t}.1`,
    hubAddress: `${a}.${b}.${t}.2`,
    block: `${a}.${b}.${t}.0/21`,
    regions: regions.map((region, index) => ({
      region,
      namespace: `${prefix}r${index}`,
      cidr: `${a}.${b}.${t + 1 + index}.0/24`,
      octets: [a, b, t + 1 + index],
    })),
  };
}

export function regionNet(plan: NamespacePlan, region: string): RegionNet {
  const net = plan.regions.find((r) => r.region === region);
  if (!net) throw new LocalError(`no network for region ${region}`);
  return net;
}

/** The last octets a region's /24 gives its servers and its pools (the hub is .1). */
export const REGION_HOSTS = { servers: { first: 10, last: 199 }, pools: { first: 200, last: 254 } } as const;

/** Every address of a region's /24 that one role may take, in order. */
export function regionAddresses(net: RegionNet, role: keyof typeof REGION_HOSTS): string[] {
  const { first, last } = REGION_HOSTS[role];
  return Array.from({ length: last - first + 1 }, (_, k) => `${net.octets.join(".")}.${first + k}`);
}

/** The k-th server address of a region (port 5432, as in a pod). */
export function serverEndpoint(net: RegionNet, k: number): Endpoint {
  return { host: regionAddresses(net, "servers")[k]!, port: 5432 };
}

/** The k-th pool address of a region (port 6432). */
export function poolEndpoint(net: RegionNet, k: number): Endpoint {
  return { host: regionAddresses(net, "pools")[k]!, port: 6432 };
}

/** Creates the namespaces, links, addresses and routes; `addresses` per region are put on its interface. */
export async function createNetwork(plan: NamespacePlan, addresses: Record<string, string[]>): Promise<void> {
  const link = `pgrr${plan.id}`;
  await ip(["netns", "add", plan.hub]);
  await ip(["-n", plan.hub, "link", "set", "lo", "up"]);
  // host <-> hub
  await ip(["link", "add", `${link}c`, "type", "veth", "peer", "name", `${link}h`]);
  await ip(["link", "set", `${link}h`, "netns", plan.hub]);
  await ip(["-n", plan.hub, "link", "set", `${link}h`, "name", "host"]);
  await ip(["addr", "add", `${plan.hostAddress}/24`, "dev", `${link}c`]);
  await ip(["link", "set", `${link}c`, "up"]);
  await ip(["-n", plan.hub, "addr", "add", `${plan.hubAddress}/24`, "dev", "host"]);
  await ip(["-n", plan.hub, "link", "set", "host", "up"]);
  await run("ip", ["netns", "exec", plan.hub, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], { runAs: ROOT });
  for (const [index, net] of plan.regions.entries()) {
    const [hubEnd, regionEnd] = [`${link}r${index}a`, `${link}r${index}b`];
    const gateway = `${net.octets.join(".")}.1`;
    await ip(["netns", "add", net.namespace]);
    await ip(["-n", net.namespace, "link", "set", "lo", "up"]);
    await ip(["link", "add", hubEnd, "type", "veth", "peer", "name", regionEnd]);
    await ip(["link", "set", hubEnd, "netns", plan.hub]);
    await ip(["-n", plan.hub, "link", "set", hubEnd, "name", `r${index}`]);
    await ip(["link", "set", regionEnd, "netns", net.namespace]);
    await ip(["-n", net.namespace, "link", "set", regionEnd, "name", "eth0"]);
    await ip(["-n", plan.hub, "addr", "add", `${gateway}/24`, "dev", `r${index}`]);
    await ip(["-n", plan.hub, "link", "set", `r${index}`, "up"]);
    for (const address of addresses[net.region] ?? [])
      await ip(["-n", net.namespace, "addr", "add", `${address}/24`, "dev", "eth0"]);
    await ip(["-n", net.namespace, "link", "set", "eth0", "up"]);
    await ip(["-n", net.namespace, "route", "add", "default", "via", gateway]);
  }
  // The host reaches every region through the hub (the client /24 itself is directly connected).
  await ip(["route", "add", plan.block, "via", plan.hubAddress]);
}

/** Puts one more address on a region's interface (a server added to a running stack). */
export async function addRegionAddress(plan: NamespacePlan, region: string, address: string): Promise<void> {
  const net = regionNet(plan, region);
  const listed = await ip(["-n", net.namespace, "-4", "-o", "addr", "show", "dev", "eth0"]);
  if (listed.includes(` ${address}/`)) return;
  await ip(["-n", net.namespace, "addr", "add", `${address}/24`, "dev", "eth0"]);
}

/** Cuts a region off (its link to the hub down), or brings it back: the partition drill. */
export async function setRegionLink(plan: NamespacePlan, region: string, up: boolean): Promise<void> {
  const index = plan.regions.findIndex((r) => r.region === region);
  if (index < 0) throw new LocalError(`no region ${region} in this stack's network`);
  await ip(["-n", plan.hub, "link", "set", `r${index}`, up ? "up" : "down"]);
}

/** Every namespace of this state directory, planned or left by a crash. Deleting them takes their links and routes. */
export async function removeNetwork(stateRoot: string): Promise<string[]> {
  const prefix = namespacePrefix(stateRoot);
  const listed = await ip(["netns", "list"]).catch(() => "");
  const mine = listed
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(prefix));
  for (const name of mine) await ip(["netns", "del", name]);
  return mine;
}
