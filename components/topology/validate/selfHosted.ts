/** Rules of the Kubernetes backend. */
import type { ResolvedSelfHosted } from "../../config/resolve";
import { imageIssue } from "../../kubernetes/cnpg/image";
import { poolModeIssue } from "../../kubernetes/cnpg/pooler";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { poolServiceName } from "../names";
import { POOL_NAMES } from "../roles";
import { pools } from "./common";
import type { Check } from "./rule";

function regionAccess(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    config.crossRegion.forEach((entry, index) => {
      if ((entry.context === undefined) !== (entry.kubeconfig === undefined)) return;
      issues.push({
        key: `crossRegion[${index}].context`,
        value: entry.context ?? entry.kubeconfig,
        problem: "needs exactly one of context or kubeconfig to reach that region's cluster",
        fix: "set context to a kubeconfig context name, or kubeconfig to a kubeconfig path or its contents (as a secret)",
      });
    });
  };
}

/** After a failover the writer is an OLTP replica of the primary's region: one that exists. */
function writer(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    if (config.kubernetes.engine.name === "cloudnative-pg") {
      const poolMode = poolModeIssue(config.pgbouncer.poolMode);
      if (poolMode) issues.push(poolMode);
      if (config.kubernetes.writerGiven) {
        issues.push({
          key: "kubernetes.writer",
          value: config.kubernetes.writer,
          problem: "is for the statefulset engine: CloudNativePG elects the writer itself and moves it on failover",
          fix: "remove kubernetes.writer (the rw Service follows the operator's primary), or use kubernetes.engine statefulset",
        });
      }
      return;
    }
    const primary = `${config.name}-primary-0`;
    const replicas = Array.from({ length: config.replicas.count }, (_, i) => `${config.name}-replica-${i}`);
    if (config.kubernetes.writer === primary || replicas.includes(config.kubernetes.writer)) return;
    issues.push({
      key: "kubernetes.writer",
      value: config.kubernetes.writer,
      problem: "is neither the primary's pod nor an OLTP replica pod of the primary's region",
      fix: `use ${primary} or the replica pg-read-replicas kubernetes failover promoted (one of ${replicas.join(", ")})`,
    });

  };
}

/** A per-change stack lives in a namespace of its own: one the stack creates, with a name Kubernetes accepts. */
function perChangeNamespace(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const { changeId, kubernetes } = config;
    if (changeId === undefined) return;
    if (kubernetes.namespace.length > 63) {
      issues.push({
        key: "changeId",
        value: changeId,
        problem: `makes the namespace ${kubernetes.namespace} (${kubernetes.namespace.length} characters), over Kubernetes' 63`,
        fix: "use a shorter change id or kubernetes.namespace",
      });
    }
    if (!kubernetes.createNamespace) {
      issues.push({
        key: "kubernetes.createNamespace",
        value: false,
        problem: `is false, but changeId gives this stack its own namespace ${kubernetes.namespace}, which nothing else creates`,
        fix: "set kubernetes.createNamespace to true for per-change stacks",
      });
    }
  };
}

/** CloudNativePG names: a Cluster name is a DNS-1035 label of at most 50 characters, and no Pooler may share a Cluster's name. */
function clusterNames(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    if (config.kubernetes.engine.name !== "cloudnative-pg") return;
    const taken = new Set([`${config.name}-olap`, ...POOL_NAMES.map((pool) => poolServiceName(config.name, pool))]);
    config.crossRegion.forEach((entry, index) => {
      const cluster = `${config.name}-${entry.region}`;
      if (cluster.length <= CNPG_OPERATOR.clusterNameMaxLength.value && !taken.has(cluster)) return;
      issues.push({
        key: `crossRegion[${index}].region`,
        value: entry.region,
        problem: `names that region's CloudNativePG Cluster ${cluster}, which ${taken.has(cluster) ? "another Cluster or Pooler of the stack already has" : `is longer than the operator's limit of ${CNPG_OPERATOR.clusterNameMaxLength.value} characters`}`,
        fix: "use a shorter region name that is not olap or pool-<write|read|olap>, or a shorter name",
      });
    });
  };
}

/** CloudNativePG reads the PostgreSQL version from the image's tag and refuses a Cluster whose image has none. */
function engineImage(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    if (config.kubernetes.engine.name !== "cloudnative-pg") return;
    const issue = imageIssue(config.kubernetes.images.postgres, config.postgresVersion);
    if (issue) issues.push(issue);
  };
}

/**
 * The operator's objects for kube-prometheus-stack and the dashboard are the statefulset engine's: their rules and
 * panels read the exporter sidecars' metrics (pgrr_*, pgbouncer_*), which CloudNativePG's pods do not carry, and the
 * cloudnative-pg engine creates none of them. Refused like kubernetes.writer, rather than ignored.
 */
function engineMonitoring(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const { monitoring } = config.kubernetes;
    if (config.kubernetes.engine.name !== "cloudnative-pg" || !config.monitoring.enabled) return;
    const objects = { prometheusOperator: "PodMonitors or PrometheusRule", grafanaDashboard: "Grafana dashboard" } as const;
    for (const key of ["prometheusOperator", "grafanaDashboard"] as const) {
      if (!monitoring[key]) continue;
      issues.push({
        key: `monitoring.${key}`,
        value: true,
        problem: `is for the statefulset engine: on cloudnative-pg the stack creates no ${objects[key]} (they read the exporter sidecars' pgrr_* and pgbouncer_* metrics, which the operator's pods do not have)`,
        fix: `remove monitoring.${key} (CloudNativePG exports its own metrics on port ${CNPG_OPERATOR.metricsPort.value}, which the NetworkPolicies admit to pods labelled pg-read-replicas/access: monitoring), or use kubernetes.engine statefulset`,
      });
    }
  };
}

/** One resources block per CloudNativePG Cluster: every instance of the main one is sized as the primary. */
function engineSizing(config: ResolvedSelfHosted): Check {
  return ({ warnings }) => {
    if (config.kubernetes.engine.name !== "cloudnative-pg") return;
    const { primary, replica } = config.resources;
    if (primary.cpu !== replica.cpu || primary.memory !== replica.memory || primary.storage !== replica.storage) {
      warnings.push("kubernetes.engine cloudnative-pg sizes every instance of the main Cluster as resources.primary (any of them may become the primary); resources.replica applies to no instance there");
    }
  };
}

export function selfHostedRules(config: ResolvedSelfHosted): Check[] {
  return [regionAccess(config), pools(config), writer(config), perChangeNamespace(config), engineSizing(config), engineImage(config), engineMonitoring(config), clusterNames(config)];
}
