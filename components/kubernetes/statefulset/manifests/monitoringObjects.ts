/**
 * kube-prometheus-stack's objects for a stack: a PodMonitor per component in
 * every region's cluster (relabelled to the targets' labels the rules use), the
 * PrometheusRule in the primary's, and the dashboard ConfigMap for Grafana's
 * sidecar. Plain specs: the prometheus-operator models validate them in tests.
 */
import { alertRules } from "../../../monitoring/alertRules";
import { type CertificateExpiry, certificateRules } from "../../../monitoring/certificateRules";
import { dashboardJson } from "../../../monitoring/dashboard";
import { JOBS, TARGET_LABELS } from "../../../monitoring/targets";
import type { Region, SelfHostedTopology } from "../../../topology/types";
import { LABEL_PREFIX, baseLabels } from "../../conventions";

type Topology = SelfHostedTopology;

export interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

const MONITORING_API = "monitoring.coreos.com/v1";
/** How a pod label reaches relabelling: every character outside [a-zA-Z0-9_] becomes "_". */
const podLabel = (label: string) => `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;

function operatorLabels(topology: Topology, component: "postgresql" | "pgbouncer"): Record<string, string> {
  // kube-prometheus-stack's Prometheus selects monitors and rules by its Helm release's name.
  return { ...baseLabels(topology, component), release: topology.kubernetes.monitoring.releaseLabel };
}

function podMonitor(topology: Topology, region: Region, component: "postgresql" | "pgbouncer"): CustomObject {
  const job = component === "postgresql" ? JOBS.postgres : JOBS.pgbouncer;
  const perPod =
    component === "postgresql"
      ? [
          { sourceLabels: [podLabel(`${LABEL_PREFIX}/role`)], targetLabel: TARGET_LABELS.role },
          { sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: TARGET_LABELS.node },
        ]
      : [{ sourceLabels: [podLabel(`${LABEL_PREFIX}/pool`)], targetLabel: TARGET_LABELS.pool }];
  return {
    apiVersion: MONITORING_API,
    kind: "PodMonitor",
    metadata: {
      name: `${topology.name}-${component}`,
      namespace: topology.kubernetes.namespace,
      labels: operatorLabels(topology, component),
    },
    spec: {
      jobLabel: "pgrr_job",
      selector: { matchLabels: { "app.kubernetes.io/instance": topology.name, "app.kubernetes.io/name": component } },
      podMetricsEndpoints: [
        {
          port: "metrics",
          interval: `${Math.round(topology.monitoring.scrapeIntervalMs / 1000)}s`,
          relabelings: [
            { targetLabel: "job", replacement: job },
            { targetLabel: TARGET_LABELS.cluster, replacement: topology.name },
            { targetLabel: TARGET_LABELS.region, replacement: region.name },
            ...perPod,
          ],
        },
      ],
    },
  };
}

export function podMonitors(topology: Topology, region: Region): CustomObject[] {
  return [podMonitor(topology, region, "postgresql"), podMonitor(topology, region, "pgbouncer")];
}

export function prometheusRule(topology: Topology): CustomObject {
  return {
    apiVersion: MONITORING_API,
    kind: "PrometheusRule",
    metadata: {
      name: `${topology.name}-alerts`,
      namespace: topology.kubernetes.namespace,
      labels: operatorLabels(topology, "postgresql"),
    },
    spec: { groups: alertRules(topology) },
  };
}

/** The certificates' expiry series and alerts (monitoring/certificateRules.ts), beside the stack's other rules. */
export function certificateRule(topology: Topology, certificates: readonly CertificateExpiry[]): CustomObject {
  return {
    apiVersion: MONITORING_API,
    kind: "PrometheusRule",
    metadata: {
      name: `${topology.name}-certificate-alerts`,
      namespace: topology.kubernetes.namespace,
      labels: operatorLabels(topology, "postgresql"),
    },
    spec: { groups: [certificateRules(topology.name, certificates)] },
  };
}

/**
 * Grafana's dashboard sidecar (kube-prometheus-stack: label grafana_dashboard "1", any namespace) loads *.json keys.
 */
export function dashboardConfigMap(topology: Topology) {
  return {
    metadata: {
      name: `${topology.name}-dashboard`,
      namespace: topology.kubernetes.namespace,
      labels: { ...baseLabels(topology, "postgresql"), grafana_dashboard: "1" },
    },
    data: { "pg-read-replicas.json": dashboardJson(topology.name) },
  };
}
