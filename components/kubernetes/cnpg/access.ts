/**
 * Who may connect, on the cloudnative-pg engine: each Cluster's pg_hba lines and
 * the NetworkPolicies of its instances and poolers. CloudNativePG puts its own
 * rules first (local peer, streaming_replica and its pooler's user by client
 * certificate) and appends `host all all all <method>`: the lines here admit the
 * application user from the region's client CIDRs and, by label, the stack's Poolers
 * and verification Job, and refuse the rest before that catch-all. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { Region, SelfHostedTopology } from "../../topology/types";
import { LABEL_PREFIX, baseLabels } from "../conventions";
import { MONITORING_LABEL, clientPeers } from "../manifests/networkPolicies";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { CNPG_POOLER } from "../../facts/cnpg/pooler";
import { isDistributed } from "./distributed";

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

/** The verification Job's pods (manifests/verifyJob.ts labels them so). */
function verifyPods(topology: SelfHostedTopology): Record<string, string> {
  return { "app.kubernetes.io/instance": topology.name, "app.kubernetes.io/name": "verify" };
}

/** Names of the pod selectors pg_hba admits by label (spec.podSelectorRefs). */
export const HBA_SELECTORS = { poolers: "poolers", verify: "verify" } as const;

/**
 * pg_hba and the pod selectors it names: the application user from the region's client CIDRs, and from the stack's
 * Poolers and the verification Job by label (the operator writes each matching pod's IP, so an overlay pod network
 * outside the CIDRs still reaches the instances); everything else refused before CloudNativePG's catch-all.
 */
export function hbaAccess(
  topology: SelfHostedTopology,
  region: Region,
): { pg_hba: string[]; podSelectorRefs: Array<{ name: string; selector: { matchLabels: Record<string, string> } }> } {
  const hostType = topology.access.requireTls ? "hostssl" : "host";
  const line = (address: string) => `${hostType} ${topology.database} ${topology.user} ${address} scram-sha-256`;
  return {
    pg_hba: [
      ...(topology.access.requireTls ? ["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject"] : []),
      ...clientCidrs(topology, region).map(line),
      ...Object.values(HBA_SELECTORS).map((name) => line(`\${podselector:${name}}`)),
      // CloudNativePG appends `host all all all <method>` after these: refuse first what it would admit.
      "host all all 0.0.0.0/0 reject",
      "host all all ::/0 reject",
    ],
    podSelectorRefs: [
      { name: HBA_SELECTORS.poolers, selector: { matchLabels: podsOf(topology, "pooler") } },
      { name: HBA_SELECTORS.verify, selector: { matchLabels: verifyPods(topology) } },
    ],
  };
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
 * Other regions that stream from this one: every other region from the primary's; in the distributed topology also,
 * from another region's, the primary's region (replicationCidrs) and the rest, any of which may follow it once it is
 * the primary.
 */
function otherRegionsCidrs(topology: SelfHostedTopology, region: Region): string[] {
  if (!region.primary && !isDistributed(topology)) return [];
  return topology.regions
    .filter((r) => r.name !== region.name)
    .flatMap((r) => (r.primary ? topology.access.replicationCidrs : r.access.cidrs));
}

/**
 * Instances: PostgreSQL from the stack's own pods, the verification Job, the region's application pods by selector
 * (allowedClients, as on the statefulset engine) and its client (and, on the primary's side, other regions') CIDRs;
 * the instance manager's status port from the operator (it calls every instance) and other instances; metrics from
 * monitoring. The monitoring label is one any pod can give itself: it opens only the metrics ports.
 */
export function instanceNetworkPolicy(
  topology: SelfHostedTopology,
  region: Region,
  operatorNamespace: string,
): k8s.networking.v1.NetworkPolicyArgs {
  const remote = otherRegionsCidrs(topology, region);
  const instances: Peer = { podSelector: { matchLabels: podsOf(topology, "instance") } };
  const postgres: Peer[] = [
    // Every pod the operator runs for this stack's Clusters and Poolers: instances, poolers, and the
    // bootstrap Jobs that clone a replica cluster (inheritedMetadata puts the stack label on all of them).
    { podSelector: { matchLabels: stackLabel(topology) } },
    { podSelector: { matchLabels: verifyPods(topology) } },
    ...clientPeers(topology, region),
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

/** Poolers: from the region's clients (by selector and CIDR) and the verification Job; metrics from monitoring. */
export function poolerNetworkPolicy(topology: SelfHostedTopology, region: Region): k8s.networking.v1.NetworkPolicyArgs {
  const verify: Peer = { podSelector: { matchLabels: verifyPods(topology) } };
  return policy(topology, `${topology.name}-pgbouncer`, podsOf(topology, "pooler"), [
    {
      from: [verify, ...clientPeers(topology, region), ...cidrs(clientCidrs(topology, region))],
      ports: [{ protocol: "TCP", port: CNPG_POOLER.port.value }],
    },
    { from: [monitoring], ports: [{ protocol: "TCP", port: CNPG_POOLER.metricsPort.value }] },
  ]);
}
