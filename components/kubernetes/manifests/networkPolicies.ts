/**
 * NetworkPolicies per role, ingress only. Database pods: from this stack's pools, verification
 * and maintenance Jobs and other database pods (replication), from the application pods of
 * allowedClients and the client and replication CIDRs pg_hba admits. Pools: from allowedClients,
 * the client CIDRs and verification. Scrapers reach only the exporters' ports: a label any pod
 * can give itself opens neither 5432 nor 6432. pg_hba still decides who may log in; these decide
 * who may connect at all. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { Region, SelfHostedTopology } from "../../topology/types";
import type { ClientSelector } from "../../config/clientSelectors";
import { EXPORTER_PORTS } from "../../monitoring/targets";
import { LABEL_PREFIX, baseLabels } from "../conventions";

type Topology = SelfHostedTopology;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/**
 * cloudnative-pg engine: pods in any namespace carrying this label may scrape the operator's metrics port. Any pod can
 * give itself a label, so it admits no connection port (5432, 6432) on either engine.
 */
export const MONITORING_LABEL = { [`${LABEL_PREFIX}/access`]: "monitoring" } as const;

function component(
  topology: Topology,
  name: "postgresql" | "pgbouncer" | "verify" | "maintenance",
): Record<string, string> {
  return { "app.kubernetes.io/instance": topology.name, "app.kubernetes.io/name": name };
}

function cidrs(blocks: readonly string[]): Peer[] {
  return [...new Set(blocks)].map((cidr) => ({ ipBlock: { cidr } }));
}

/** Who connects to a region's clients' side: the primary's region admits clientCidrs, another its allowedCidrs. */
function clientCidrs(topology: Topology, region: Region): readonly string[] {
  return region.primary ? topology.access.clientCidrs : region.access.allowedCidrs;
}

/**
 * The region's application pods, by label (allowedClients): ipBlock is for cluster-external addresses, and Cilium
 * applies no CIDR rule between pods (facts/kubernetes/networkPolicy.ts). Exported for the cloudnative-pg engine's
 * policies.
 */
export function clientPeers(topology: Topology, region: Region): Peer[] {
  const selectors: readonly ClientSelector[] = region.primary
    ? topology.kubernetes.allowedClients
    : (region.access.allowedClients ?? []);
  return selectors.map((s) => ({
    ...(s.namespaceSelector ? { namespaceSelector: { matchLabels: { ...s.namespaceSelector.matchLabels } } } : {}),
    ...(s.podSelector ? { podSelector: { matchLabels: { ...s.podSelector.matchLabels } } } : {}),
  }));
}

function replicationCidrs(topology: Topology, region: Region): readonly string[] {
  if (!region.primary) return [];
  return [...topology.access.replicationCidrs, ...topology.regions.flatMap((r) => (r.primary ? [] : r.access.cidrs))];
}

/** Prometheus (pods with the scrapers' labels, any namespace) reaches the exporter's port. */
function scrapeRule(topology: Topology, port: number) {
  if (!topology.monitoring.enabled) return [];
  return [
    {
      from: [{ namespaceSelector: {}, podSelector: { matchLabels: { ...topology.kubernetes.monitoring.scrapers } } }],
      ports: [{ protocol: "TCP", port }],
    },
  ];
}

function policy(
  topology: Topology,
  name: string,
  podLabels: Record<string, string>,
  port: number | string,
  from: Peer[],
  metricsPort: number,
): k8s.networking.v1.NetworkPolicyArgs {
  return {
    metadata: { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") },
    spec: {
      podSelector: { matchLabels: podLabels },
      policyTypes: ["Ingress"],
      ingress: [{ from, ports: [{ protocol: "TCP", port }] }, ...scrapeRule(topology, metricsPort)],
    },
  };
}

export function databaseNetworkPolicy(topology: Topology, region: Region): k8s.networking.v1.NetworkPolicyArgs {
  const from: Peer[] = [
    { podSelector: { matchLabels: component(topology, "pgbouncer") } },
    { podSelector: { matchLabels: component(topology, "verify") } },
    { podSelector: { matchLabels: component(topology, "maintenance") } },
    { podSelector: { matchLabels: component(topology, "postgresql") } },
    ...clientPeers(topology, region),
    ...cidrs([...clientCidrs(topology, region), ...replicationCidrs(topology, region)]),
  ];
  return policy(
    topology,
    `${topology.name}-postgresql`,
    component(topology, "postgresql"),
    topology.port,
    from,
    EXPORTER_PORTS.postgres,
  );
}

export function poolNetworkPolicy(topology: Topology, region: Region): k8s.networking.v1.NetworkPolicyArgs {
  const from: Peer[] = [
    { podSelector: { matchLabels: component(topology, "verify") } },
    ...clientPeers(topology, region),
    ...cidrs(clientCidrs(topology, region)),
  ];
  return policy(
    topology,
    `${topology.name}-pgbouncer`,
    component(topology, "pgbouncer"),
    topology.poolPort,
    from,
    EXPORTER_PORTS.pgbouncer,
  );
}
