/** Services for database groups and roles. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type { NodeGroup, NodeRole, SelfHostedTopology } from "../../topology/types";
import { baseLabels, groupSelector, names, roleSelector, writerSelector } from "../conventions";

type Topology = SelfHostedTopology;

/** Headless: gives each pod of a group a stable DNS name (pod.group-hl.ns.svc). */
export function headlessServiceManifest(topology: Topology, group: NodeGroup): k8s.core.v1.ServiceArgs {
  return {
    metadata: {
      name: names.headless(group),
      namespace: topology.kubernetes.namespace,
      labels: baseLabels(topology, "postgresql"),
    },
    spec: {
      clusterIP: "None",
      // Seeding and verification must reach pods before they are ready.
      publishNotReadyAddresses: true,
      selector: groupSelector(topology, group),
      ports: [{ name: "postgres", port: topology.port, targetPort: "postgres" }],
    },
  };
}

function failedOver(topology: Topology): boolean {
  return topology.kubernetes.writer !== topology.primary.name;
}

/**
 * rw → the writer pod, by name, so it follows a failover (a role label cannot: every pod of a
 * StatefulSet carries the same labels). A promoted replica fails its group's standby readiness,
 * so after a failover rw publishes it regardless; the start guard keeps any other writer down.
 * ro → OLTP replicas (the OLAP replica's role label differs, so it is never an endpoint here);
 * olap → the OLAP replica. Readiness decides membership: a replica not streaming or lagging past
 * the bound, or promoted, leaves ro until it recovers.
 */
export function roleServiceManifest(topology: Topology, role: NodeRole): k8s.core.v1.ServiceArgs {
  const writer = role === "primary";
  return {
    metadata: {
      name: names.roleService(topology, role),
      namespace: topology.kubernetes.namespace,
      labels: baseLabels(topology, "postgresql"),
    },
    spec: {
      type: "ClusterIP",
      selector: writer ? writerSelector(topology) : roleSelector(topology, role),
      ...(writer && failedOver(topology) ? { publishNotReadyAddresses: true } : {}),
      ports: [{ name: "postgres", port: topology.port, targetPort: "postgres" }],
    },
  };
}

/**
 * The writer, for other regions' replicas (TLS enforced by pg_hba). Internal load balancer by
 * default; externalTrafficPolicy Local keeps the client's address, so pg_hba's per-region
 * rules see the remote region's CIDR rather than a node's.
 */
export function exposedPrimaryManifest(topology: Topology, sourceRanges: readonly string[]): k8s.core.v1.ServiceArgs {
  return {
    metadata: {
      name: names.exposedPrimary(topology),
      namespace: topology.kubernetes.namespace,
      labels: baseLabels(topology, "postgresql"),
      annotations: { ...topology.kubernetes.loadBalancerAnnotations },
    },
    spec: {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      loadBalancerSourceRanges: [...sourceRanges],
      selector: writerSelector(topology),
      ...(failedOver(topology) ? { publishNotReadyAddresses: true } : {}),
      ports: [{ name: "postgres", port: topology.port, targetPort: "postgres" }],
    },
  };
}
