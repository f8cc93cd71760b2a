/**
 * NetworkPolicies evaluated as the API defines them (facts/kubernetes/networkPolicy.ts): a pod selected by a policy
 * of a direction's type may use only what the union of those policies' rules allows; a connection between pods needs
 * the source's egress and the destination's ingress; an ipBlock matches addresses outside the cluster only (as Cilium
 * matches: NETWORK_POLICY.cidrRulesSkipClusterPods). The component tests and the harness's enforcement both use it.
 */
import { NETWORK_POLICY } from "../../components/facts/kubernetes";

type Labels = Record<string, string>;
/** A NetworkPolicy's inputs, as registered. */
export interface PolicyObject {
  metadata: { name: string; namespace: string };
  spec: { podSelector: { matchLabels?: Labels }; policyTypes: string[]; ingress?: any[]; egress?: any[] };
}
export interface PolicyPod {
  namespace: string;
  labels: Labels;
}
/** The other end: a pod of the same cluster, or an address outside it. */
export type PolicyPeer = { pod: PolicyPod } | { address: string };
export type Protocol = "TCP" | "UDP";

export const selects = (selector: { matchLabels?: Labels } | undefined, labels: Labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

export function inCidr(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/") as [string, string];
  if (address.includes(":") !== base.includes(":")) return false;
  if (base.includes(":")) return Number(bits) === 0;
  const toInt = (a: string) => a.split(".").reduce((n, octet) => (n << 8) + Number(octet), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(address) & mask) === (toInt(base) & mask);
}

function peerMatches(peer: any, policyNamespace: string, other: PolicyPeer): boolean {
  if (peer.ipBlock) {
    if ("pod" in other) return !NETWORK_POLICY.cidrRulesSkipClusterPods.value;
    return (
      inCidr(other.address, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c: string) => inCidr(other.address, c))
    );
  }
  if (!("pod" in other)) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": other.pod.namespace })
    : other.pod.namespace === policyNamespace;
  return namespaceOk && (peer.podSelector === undefined || selects(peer.podSelector, other.pod.labels));
}

/** An empty or missing `ports` or peer list matches everything (NETWORK_POLICY.emptyPeersOrPortsMatchAll). */
const portMatches = (rule: any, protocol: Protocol, port: number) =>
  !rule.ports?.length || rule.ports.some((p: any) => (p.protocol ?? "TCP") === protocol && p.port === port);

/** Whether `pod`'s policies let it open (Egress) or accept (Ingress) a connection with `other` on a port. */
export function allows(
  policies: readonly PolicyObject[],
  direction: "Ingress" | "Egress",
  pod: PolicyPod,
  other: PolicyPeer,
  protocol: Protocol,
  port: number,
): boolean {
  const applying = policies.filter(
    (p) =>
      p.metadata.namespace === pod.namespace &&
      selects(p.spec.podSelector, pod.labels) &&
      p.spec.policyTypes.includes(direction),
  );
  if (applying.length === 0) return true;
  const [rules, peers] = direction === "Egress" ? (["egress", "to"] as const) : (["ingress", "from"] as const);
  return applying.some((p) =>
    (p.spec[rules] ?? []).some(
      (rule: any) =>
        portMatches(rule, protocol, port) &&
        (!rule[peers]?.length || rule[peers].some((peer: any) => peerMatches(peer, p.metadata.namespace, other))),
    ),
  );
}

/** Whether `from` may connect to `to` in one cluster: its egress, and the destination pod's ingress. */
export function connects(
  policies: readonly PolicyObject[],
  from: PolicyPod,
  to: PolicyPeer,
  port: number,
  protocol: Protocol = "TCP",
): boolean {
  const out = allows(policies, "Egress", from, to, protocol, port);
  if (!("pod" in to)) return out;
  return out && allows(policies, "Ingress", to.pod, { pod: from }, protocol, port);
}
