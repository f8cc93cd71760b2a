/** Services for database groups and roles. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type { NodeGroup, NodeRole, SelfHostedTopology } from "../../topology/types";
import { baseLabels, groupSelector, names, roleSelector } from "../conventions";

/** Headless: gives each pod of a group a stable DNS name (pod.group-hl.ns.svc). */
export function headlessServiceManifest(topology: SelfHostedTopology, group: NodeGroup): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name: names.headless(group), namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") },
    spec: {
      clusterIP: "None",
      // Seeding and verification must reach pods before they are ready.
      publishNotReadyAddresses: true,
      selector: groupSelector(topology, group),
      ports: [{ name: "postgres", port: topology.port, targetPort: "postgres" }],
    },
  };
}

/**
 * rw → the primary; ro → OLTP replicas only (the OLAP replica's role label differs, so it
 * can never be an endpoint here); olap → the OLAP replica. Endpoints follow readiness, so a
 * replica not streaming or lagging past the bound leaves ro until it recovers.
 */
export function roleServiceManifest(topology: SelfHostedTopology, role: NodeRole): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name: names.roleService(topology, role), namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") },
    spec: {
      type: "ClusterIP",
      selector: roleSelector(topology, role),
      ports: [{ name: "postgres", port: topology.port, targetPort: "postgres" }],
    },
  };
}

/** The primary, reachable from other regions' clusters only, for their replicas (TLS enforced by pg_hba). */
export function exposedPrimaryManifest(topology: SelfHostedTopology, sourceRanges: readonly string[]): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name: names.exposedPrimary(topology), namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") },
    spec: {
      type: "LoadBalancer",
      loadBalancerSourceRanges: [...sourceRanges],
      selector: roleSelector(topology, "primary"),
      ports: [{ name: "postgres", port: topology.port, targetPort: "postgres" }],
    },
  };
}
