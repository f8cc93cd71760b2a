/**
 * kube-prometheus-stack's objects on the cloudnative-pg engine (monitoring.prometheusOperator): in every region a
 * PodMonitor per Cluster and per Pooler — CloudNativePG 1.30 deprecates the operator-made one (enablePodMonitor)
 * and recommends these — relabelled to the labels the rules select by, and a PrometheusRule with that region's
 * rules (monitoring/cnpgRules.ts). Each region's Prometheus watches its own Clusters: a replica cluster's standbys
 * stream from its designated primary there, which the primary region's Prometheus does not scrape.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { CNPG_METRICS } from "../../facts/exporters/cnpgMetrics";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { CNPG_CLUSTER_LABEL, type WatchedCluster, cnpgAlertRules } from "../../monitoring/cnpgRules";
import { JOBS, TARGET_LABELS } from "../../monitoring/targets";
import type { Pool, Region, SelfHostedTopology } from "../../topology/types";
import { baseLabels } from "../conventions";
import { members, primaryMember } from "./distributed";
import { clusterPlans, cnpgNames } from "./plan";
import { poolsOf } from "./writerRegion";

const MONITORING_API = "monitoring.coreos.com/v1";

export interface MonitoringObject {
  apiVersion: string;
  kind: "PodMonitor" | "PrometheusRule";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

/**
 * The region's Clusters as the rules count them. `writer` is the Cluster that is the distributed topology's primary
 * (primaryRegion's, the main one until a promotion): every other OLTP Cluster streams from it. The OLAP replica
 * cluster stays a replica of the main Cluster wherever the writer is (distributed.ts), so the main Cluster also
 * counts its WAL sender once demoted.
 */
export function watchedClusters(topology: SelfHostedTopology, region: Region): WatchedCluster[] {
  const writer = primaryMember(topology).cluster;
  const others = members(topology).filter((m) => m.cluster !== writer).length;
  const olap = topology.regions
    .flatMap((r) => clusterPlans(topology, r))
    .filter((p) => p.name === cnpgNames.olap(topology));
  return clusterPlans(topology, region).map((plan) => {
    const fed = (plan.name === writer ? others : 0) + (plan.kind === "main" ? olap.length : 0);
    return {
      name: plan.name,
      kind: plan.name === writer ? "writer" : plan.kind === "main" ? "oltp" : plan.role,
      walSenders: plan.instances - 1 + fed,
      storageBytes: plan.resources.storageBytes,
    };
  });
}

function labelsOf(topology: SelfHostedTopology, component: "postgresql" | "pgbouncer"): Record<string, string> {
  // kube-prometheus-stack's Prometheus selects monitors and rules by its Helm release's name.
  return { ...baseLabels(topology, component), release: topology.kubernetes.monitoring.releaseLabel };
}

function podMonitor(
  topology: SelfHostedTopology,
  region: Region,
  target: { name: string; component: "postgresql" | "pgbouncer"; selector: Record<string, string> },
  labels: Array<{ targetLabel: string; replacement: string }>,
): MonitoringObject {
  return {
    apiVersion: MONITORING_API,
    kind: "PodMonitor",
    metadata: {
      name: `${target.name}-metrics`,
      namespace: topology.kubernetes.namespace,
      labels: labelsOf(topology, target.component),
    },
    spec: {
      selector: { matchLabels: target.selector },
      podMetricsEndpoints: [
        {
          port: CNPG_METRICS.metricsPortName.value,
          interval: `${Math.round(topology.monitoring.scrapeIntervalMs / 1000)}s`,
          relabelings: [
            { targetLabel: "job", replacement: target.component === "postgresql" ? JOBS.postgres : JOBS.pgbouncer },
            { targetLabel: TARGET_LABELS.cluster, replacement: topology.name },
            { targetLabel: TARGET_LABELS.region, replacement: region.name },
            ...labels,
            { sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: TARGET_LABELS.node },
          ],
        },
      ],
    },
  };
}

export function cnpgPodMonitors(topology: SelfHostedTopology, region: Region): MonitoringObject[] {
  const labels = CNPG_OPERATOR.labels.value;
  const roles = CNPG_METRICS.podMonitorRecommended.value;
  const clusters = clusterPlans(topology, region).map((plan) =>
    podMonitor(
      topology,
      region,
      {
        name: plan.name,
        component: "postgresql",
        selector: { [labels.cluster]: plan.name, [labels.podRole]: roles.instanceRole },
      },
      [{ targetLabel: CNPG_CLUSTER_LABEL, replacement: plan.name }],
    ),
  );
  // The region's Poolers: the write pool's where the writer is (writerRegion.ts).
  const poolers = poolsOf(topology, region).map((pool: Pool) =>
    podMonitor(
      topology,
      region,
      {
        name: pool.service,
        component: "pgbouncer",
        selector: { [labels.pooler]: pool.service, [labels.podRole]: roles.poolerRole },
      },
      [{ targetLabel: TARGET_LABELS.pool, replacement: pool.name }],
    ),
  );
  return [...clusters, ...poolers];
}

export function cnpgPrometheusRule(topology: SelfHostedTopology, region: Region): MonitoringObject {
  return {
    apiVersion: MONITORING_API,
    kind: "PrometheusRule",
    metadata: {
      name: `${topology.name}-${region.name}-alerts`,
      namespace: topology.kubernetes.namespace,
      labels: labelsOf(topology, "postgresql"),
    },
    spec: { groups: cnpgAlertRules(topology, region.name, watchedClusters(topology, region)) },
  };
}

/** With monitoring on and monitoring.prometheusOperator: the region's PodMonitors and PrometheusRule. */
export function createCnpgMonitoring(
  name: string,
  topology: SelfHostedTopology,
  region: Region,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource[] {
  if (!topology.monitoring.enabled || !topology.kubernetes.monitoring.prometheusOperator) return [];
  return [...cnpgPodMonitors(topology, region), cnpgPrometheusRule(topology, region)].map(
    (object) => new k8s.apiextensions.CustomResource(`${name}-${object.metadata.name}`, object, opts),
  );
}
