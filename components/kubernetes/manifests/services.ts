/** Services for database groups and roles. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type { NodeGroup, NodeRole, SelfHostedTopology } from "../../topology/types";
import { servingStandbys } from "../../topology/queries";
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
 * rw → the writer pod, by name, so it follows a failover (the failover patches the selector before anything
 * relabels the pod). After a failover rw publishes it even while unready: the promoted pod is Ready only once the
 * kubelet has brought its relabelled labels and the fence into its files (render/probes.ts); the start guard keeps
 * any other writer down.
 * ro → OLTP replicas by their role label, which leaves the OLAP replica out and the promoted writer too: the failover
 * relabels it `primary` (roleLabels.ts), and it is Ready in its replica group (readiness means healthy in the role
 * held now), so a selector on the group's role alone would make it an endpoint.
 * olap → the OLAP replica. Readiness decides membership: a replica not streaming or lagging past the bound leaves ro
 * until it recovers.
 */
export function roleServiceManifest(topology: Topology, role: NodeRole): k8s.core.v1.ServiceArgs {
  const writer = role === "primary";
  return {
    metadata: {
      name: names.roleService(topology, role),
      namespace: topology.kubernetes.namespace,
      labels: baseLabels(topology, "postgresql"),
      ...(awaitsNoEndpoint(topology, role) ? { annotations: { "pulumi.com/skipAwait": "true" } } : {}),
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
 * pulumi-kubernetes awaits a Service with a selector until it has an endpoint: ro has none once the failover has
 * promoted its region's only OLTP replica, and would fail every later update after ten minutes.
 */
function awaitsNoEndpoint(topology: Topology, role: NodeRole): boolean {
  if (role !== "oltp") return false;
  const inRegion = topology.standbys.filter((node) => node.role === "oltp" && node.region === topology.region);
  return inRegion.length > 0 && !servingStandbys(topology).some((node) => inRegion.includes(node));
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
