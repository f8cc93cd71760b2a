/**
 * NetworkPolicies of the statefulset engine, both ways. Every pod of the stack is isolated (a default deny for
 * `app.kubernetes.io/instance: <stack>`), and each role's policy opens what it needs:
 *
 * - in: database pods from this stack's pools, verification and maintenance Jobs and other database pods
 *   (replication), from the application pods of allowedClients and the client and replication CIDRs pg_hba admits;
 *   pools from allowedClients, the client CIDRs and verification; scrapers reach only the exporters' ports (a label any
 *   pod can give itself opens neither 5432 nor 6432). pg_hba still decides who may log in; these decide who may
 *   connect at all.
 * - out: cluster DNS (port 53) for all; database pods to database pods (streaming, seeding, rewind), to other regions'
 *   primaries (their load balancers, outside this cluster) when the stack has regions, and to object storage (443)
 *   with an S3 backup or restore; pools to database pods; verification to pools and database pods (and, outside the
 *   primary's region, the primary); the backup Jobs (kubectl exec) to the API server only. Addresses outside the
 *   cluster are not known when this renders (a load balancer, S3), so those rules hold the port, not the address.
 * Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { Region, SelfHostedTopology } from "../../topology/types";
import type { ClientSelector } from "../../config/clientSelectors";
import { EXPORTER_PORTS } from "../../monitoring/targets";
import { NETWORK_POLICY } from "../../facts/kubernetes";
import { LABEL_PREFIX, baseLabels } from "../conventions";

type Topology = SelfHostedTopology;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** The backup Jobs' pods (kubectl exec into the writer): the only pods of the stack that reach the API server. */
export const API_CLIENT_LABEL = { [`${LABEL_PREFIX}/reaches`]: "kubernetes-api" } as const;

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

/** Every destination outside the cluster, on the given ports: the address is not known when the policy renders. */
function outside(ports: readonly number[]): EgressRule {
  return {
    to: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }],
    ports: ports.map((port) => ({ protocol: "TCP", port })),
  };
}

function toPods(labels: Record<string, string>, port: number): EgressRule {
  return { to: [{ podSelector: { matchLabels: labels } }], ports: [{ protocol: "TCP", port }] };
}

/** Cluster DNS: its Service, a node-local cache or the node itself, so any destination on port 53. */
const DNS: EgressRule = {
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

/** HTTPS to S3 (pgBackRest's repo1-s3-port is 443 unless set, and the renderer does not set it). */
const OBJECT_STORAGE_PORT = 443;

function usesObjectStorage(topology: Topology): boolean {
  const backup = topology.backup?.tool === "pgbackrest" && topology.backup.repository.kind === "s3";
  const restore = topology.restore?.source === "repository" && topology.restore.repository.kind === "s3";
  return backup || restore;
}

function policy(
  topology: Topology,
  name: string,
  podLabels: Record<string, string>,
  ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[],
  egress: EgressRule[],
): k8s.networking.v1.NetworkPolicyArgs {
  return {
    metadata: { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") },
    spec: {
      podSelector: { matchLabels: podLabels },
      policyTypes: [...(ingress.length > 0 ? ["Ingress"] : []), "Egress"],
      ...(ingress.length > 0 ? { ingress } : {}),
      egress,
    },
  };
}

/**
 * Every pod of the stack refuses what no other policy of it allows, both ways: a pod the product adds later is closed
 * until its policy opens it (NETWORK_POLICY.isolationIsPerDirectionAndAdditive).
 */
export function defaultDenyNetworkPolicy(topology: Topology): k8s.networking.v1.NetworkPolicyArgs {
  return {
    metadata: {
      name: `${topology.name}-default-deny`,
      namespace: topology.kubernetes.namespace,
      labels: baseLabels(topology, "postgresql"),
    },
    spec: {
      podSelector: { matchLabels: { "app.kubernetes.io/instance": topology.name } },
      policyTypes: ["Ingress", "Egress"],
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
  const egress: EgressRule[] = [
    DNS,
    toPods(component(topology, "postgresql"), topology.port),
    // Replicas of another region stream from the primary's load balancer (or crossRegion[].primaryHost), and any
    // region's may after a move of the primary.
    ...(topology.regions.length > 1 ? [outside([topology.port])] : []),
    ...(usesObjectStorage(topology) ? [outside([OBJECT_STORAGE_PORT])] : []),
  ];
  return policy(
    topology,
    `${topology.name}-postgresql`,
    component(topology, "postgresql"),
    [{ from, ports: [{ protocol: "TCP", port: topology.port }] }, ...scrapeRule(topology, EXPORTER_PORTS.postgres)],
    egress,
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
    [
      { from, ports: [{ protocol: "TCP", port: topology.poolPort }] },
      ...scrapeRule(topology, EXPORTER_PORTS.pgbouncer),
    ],
    // A pool's servers are this region's database pods, through the role Services.
    [DNS, toPods(component(topology, "postgresql"), topology.port)],
  );
}

/** The verification Job: the region's pools and database pods; outside the primary's region also the primary. */
export function verifyNetworkPolicy(topology: Topology, region: Region): k8s.networking.v1.NetworkPolicyArgs {
  return policy(
    topology,
    `${topology.name}-verify`,
    component(topology, "verify"),
    [],
    [
      DNS,
      toPods(component(topology, "postgresql"), topology.port),
      toPods(component(topology, "pgbouncer"), topology.poolPort),
      ...(region.primary ? [] : [outside([topology.port])]),
    ],
  );
}

/** Maintenance Jobs (passwords, slots) log in to the writer; the backup Jobs' pods reach the API server only. */
export function maintenanceNetworkPolicies(
  topology: Topology,
): Partial<Record<"maintenance" | "kubernetes-api", k8s.networking.v1.NetworkPolicyArgs>> {
  const maintenance = policy(
    topology,
    `${topology.name}-maintenance`,
    component(topology, "maintenance"),
    [],
    [DNS, toPods(component(topology, "postgresql"), topology.port)],
  );
  if (topology.backup?.tool !== "pgbackrest") return { maintenance };
  const api = policy(
    topology,
    `${topology.name}-kubernetes-api`,
    { ...component(topology, "maintenance"), ...API_CLIENT_LABEL },
    [],
    [outside(NETWORK_POLICY.apiServerPorts.value)],
  );
  return { maintenance, "kubernetes-api": api };
}
