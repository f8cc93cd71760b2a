/**
 * Who may connect, on the cloudnative-pg engine: each Cluster's pg_hba lines and
 * the NetworkPolicies of its instances and poolers. CloudNativePG puts its own
 * rules first (local peer, streaming_replica and its pooler's user by client
 * certificate) and appends `host all all all <method>`: the lines here admit the
 * application user from the region's client CIDRs only and refuse the rest before
 * that catch-all. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { Region, SelfHostedTopology } from "../../topology/types";
import { LABEL_PREFIX, baseLabels } from "../conventions";
import { MONITORING_LABEL } from "../manifests/networkPolicies";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { CNPG_POOLER } from "../../facts/cnpg/pooler";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/**
 * Marks every object and pod this stack's Clusters and Poolers create (spec.inheritedMetadata, the Pooler's template).
 */
export function stackLabel(topology: SelfHostedTopology): Record<string, string> {
  return { [`${LABEL_PREFIX}/stack`]: topology.name };
}

function clientCidrs(topology: SelfHostedTopology, region: Region): readonly string[] {
  return region.primary ? topology.access.clientCidrs : region.access.allowedCidrs;
}

export function hbaLines(topology: SelfHostedTopology, region: Region): string[] {
  const hostType = topology.access.requireTls ? "hostssl" : "host";
  return [
    ...(topology.access.requireTls ? ["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject"] : []),
    ...clientCidrs(topology, region).map(
      (cidr) => `${hostType} ${topology.database} ${topology.user} ${cidr} scram-sha-256`,
    ),
    // CloudNativePG appends `host all all all <method>` after these: refuse first what it would admit.
    "host all all 0.0.0.0/0 reject",
    "host all all ::/0 reject",
  ];
}

function cidrs(blocks: readonly string[]): Peer[] {
  return [...new Set(blocks)].map((cidr) => ({ ipBlock: { cidr } }));
}

const operatorPeer = (namespace: string): Peer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
});
const monitoring: Peer = { namespaceSelector: {}, podSelector: { matchLabels: { ...MONITORING_LABEL } } };

function podsOf(topology: SelfHostedTopology, podRole: "instance" | "pooler"): Record<string, string> {
  return { ...stackLabel(topology), [CNPG_OPERATOR.labels.value.podRole]: podRole };
}

function policy(
  topology: SelfHostedTopology,
  name: string,
  pods: Record<string, string>,
  ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[],
): k8s.networking.v1.NetworkPolicyArgs {
  return {
    metadata: { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") },
    spec: { podSelector: { matchLabels: pods }, policyTypes: ["Ingress"], ingress },
  };
}

/**
 * Instances: PostgreSQL from the stack's own pods, the verification Job and the region's
 * client (and, on the primary's side, other regions') CIDRs; the instance manager's status port
 * from the operator (it calls every instance) and other instances; metrics from monitoring.
 */
export function instanceNetworkPolicy(
  topology: SelfHostedTopology,
  region: Region,
  operatorNamespace: string,
): k8s.networking.v1.NetworkPolicyArgs {
  const remote = region.primary ? topology.regions.flatMap((r) => (r.primary ? [] : r.access.cidrs)) : [];
  const instances: Peer = { podSelector: { matchLabels: podsOf(topology, "instance") } };
  const postgres: Peer[] = [
    // Every pod the operator runs for this stack's Clusters and Poolers: instances, poolers, and the
    // bootstrap Jobs that clone a replica cluster (inheritedMetadata puts the stack label on all of them).
    { podSelector: { matchLabels: stackLabel(topology) } },
    {
      podSelector: { matchLabels: { "app.kubernetes.io/instance": topology.name, "app.kubernetes.io/name": "verify" } },
    },
    monitoring,
    ...cidrs([...clientCidrs(topology, region), ...topology.access.replicationCidrs, ...remote]),
  ];
  return policy(topology, `${topology.name}-postgresql`, podsOf(topology, "instance"), [
    { from: postgres, ports: [{ protocol: "TCP", port: topology.port }] },
    {
      from: [operatorPeer(operatorNamespace), instances],
      ports: [{ protocol: "TCP", port: CNPG_OPERATOR.statusPort.value }],
    },
    { from: [monitoring], ports: [{ protocol: "TCP", port: CNPG_OPERATOR.metricsPort.value }] },
  ]);
}

/** Poolers: from the region's clients and the verification Job; metrics from monitoring. */
export function poolerNetworkPolicy(topology: SelfHostedTopology, region: Region): k8s.networking.v1.NetworkPolicyArgs {
  const verify: Peer = {
    podSelector: { matchLabels: { "app.kubernetes.io/instance": topology.name, "app.kubernetes.io/name": "verify" } },
  };
  return policy(topology, `${topology.name}-pgbouncer`, podsOf(topology, "pooler"), [
    {
      from: [verify, monitoring, ...cidrs(clientCidrs(topology, region))],
      ports: [{ protocol: "TCP", port: CNPG_POOLER.port.value }],
    },
    { from: [monitoring], ports: [{ protocol: "TCP", port: CNPG_POOLER.metricsPort.value }] },
  ]);
}
