/**
 * Admission rules of the cloudnative-pg engine: what CloudNativePG would refuse, as ConfigIssues
 * before any resource exists. Of the resolved config: names, images, the writer and pool mode;
 * of the built topology: parameters it manages or its webhooks refuse (per Cluster), and pool
 * settings its Pooler cannot take. Pure.
 */
import type { ConfigIssue } from "../../config/errors";
import type { ResolvedSelfHosted } from "../../config/resolve";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { poolServiceName } from "../../topology/names";
import { POOL_NAMES } from "../../topology/roles";
import type { Check } from "../../topology/validate/rule";
import { imageIssue } from "./image";
import type { SelfHostedTopology } from "../../topology/types";
import { clusterParameters } from "./parameters";
import { clusterPlans } from "./plan";
import { poolModeIssue, poolerIssues } from "./pooler";
import { BARMAN_PLUGIN } from "../../facts/backup/barmanPlugin";

export function cnpgTopologyIssues(topology: SelfHostedTopology): ConfigIssue[] {
  const issues = topology.regions.flatMap((region) => [
    ...clusterPlans(topology, region).flatMap((plan) => clusterParameters(plan).issues),
    ...region.pools.flatMap((pool) => poolerIssues(topology, pool)),
  ]);
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const id = `${issue.key}\u0000${issue.problem}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** CloudNativePG elects the writer itself, and its Pooler has no statement mode. */
function writerAndPoolMode(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
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
  };
}

/**
 * CloudNativePG names: a Cluster name is a DNS-1035 label of at most 50 characters, and no Pooler may share a Cluster's
 * name.
 */
function clusterNames(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
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
    const issue = imageIssue(config.kubernetes.images.postgres, config.postgresVersion);
    if (issue) issues.push(issue);
  };
}

/**
 * The dashboard is the statefulset engine's: its panels read the exporter sidecars' metrics (pgrr_*, pgbouncer_*),
 * which CloudNativePG's pods do not carry. Refused like kubernetes.writer, rather than ignored. (The PodMonitors and
 * the PrometheusRule exist on both engines: cnpg/monitoring.ts.)
 */
function engineMonitoring(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    if (!config.monitoring.enabled || !config.kubernetes.monitoring.grafanaDashboard) return;
    issues.push({
      key: "monitoring.grafanaDashboard",
      value: true,
      problem:
        "is for the statefulset engine: on cloudnative-pg the stack creates no Grafana dashboard (its panels read the exporter sidecars' pgrr_* and pgbouncer_* metrics, which the operator's pods do not have)",
      fix: "remove monitoring.grafanaDashboard (import CloudNativePG's own dashboard, which reads its cnpg_* metrics: charts/cluster/grafana-dashboard.json in github.com/cloudnative-pg/grafana-dashboards), or use kubernetes.engine statefulset",
    });
  };
}

/** One resources block per CloudNativePG Cluster: every instance of the main one is sized as the primary. */
function engineSizing(config: ResolvedSelfHosted): Check {
  return ({ warnings }) => {
    const { primary, replica } = config.resources;
    if (primary.cpu !== replica.cpu || primary.memory !== replica.memory || primary.storage !== replica.storage) {
      warnings.push(
        "kubernetes.engine cloudnative-pg sizes every instance of the main Cluster as resources.primary (any of them may become the primary); resources.replica applies to no instance there",
      );
    }
  };
}

/**
 * What the Barman Cloud plugin cannot do: keep a count of backups (its retentionPolicy is a recovery window), read a
 * bucket without keys, or run where a stack-installed operator is not (its release manifest installs into cnpg-system).
 */
function engineBackup(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const { backup, restore } = config;
    if (!backup.enabled && !restore) return;
    if (backup.enabled && backup.retention.type === "count")
      issues.push({
        key: "backup.retention",
        value: backup.retention.value,
        problem:
          "is a count of base backups, but the Barman Cloud plugin keeps backups by a recovery window (its ObjectStore retentionPolicy)",
        fix: `write a number of days, e.g. ${backup.retention.value * 7}d`,
      });
    // A restore without the source bucket's keys (restore.s3.secretName, else backup.s3.secretName) is refused for
    // every engine in topology/validate/backup.ts.
    const { engine } = config.kubernetes;
    const fixed = BARMAN_PLUGIN.installNamespace.value;
    if (engine.name === "cloudnative-pg" && engine.installOperator && engine.operatorNamespace !== fixed)
      issues.push({
        key: "kubernetes.cloudnativePg.operatorNamespace",
        value: engine.operatorNamespace,
        problem: `is where the stack installs the operator, but the Barman Cloud plugin (backup, restore) must run in the operator's namespace and its release manifest installs into ${fixed}`,
        fix: `set it to ${fixed}, or install the operator and the plugin yourself and set installOperator to false`,
      });
  };
}

/**
 * The distributed topology: primaryRegion must name a region with an OLTP Cluster; the Clusters that stream from
 * another region's (the main one, and the rest, once primaryRegion names that region) need its address; hosts only
 * for regions the stack has.
 */
function distributedTopology(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const { engine } = config.kubernetes;
    if (engine.name !== "cloudnative-pg") return;
    const remote = config.crossRegion.filter((entry) => entry.replicas > 0).map((entry) => entry.region);
    const { primaryRegion, promotionToken, regionHosts } = engine;
    if (primaryRegion !== undefined && primaryRegion !== config.region && !remote.includes(primaryRegion)) {
      issues.push({
        key: "kubernetes.cloudnativePg.primaryRegion",
        value: primaryRegion,
        problem: `is not a region with an OLTP Cluster (${[config.region, ...remote].join(", ")})`,
        fix: `name one of them, or remove the key (the primary stays in ${config.region})`,
      });
    } else if (
      primaryRegion !== undefined &&
      primaryRegion !== config.region &&
      regionHosts[primaryRegion] === undefined
    ) {
      issues.push({
        key: `kubernetes.cloudnativePg.regionHosts.${primaryRegion}`,
        value: undefined,
        problem: `is required while primaryRegion is ${primaryRegion}: the other regions' Clusters stream from that region's exposed primary (${config.name}-rw-external in its cluster)`,
        fix: `set it to that Service's load balancer address (kubectl --context <${primaryRegion}'s> -n ${config.kubernetes.namespace} get service ${config.name}-rw-external)`,
      });
    }
    for (const region of Object.keys(regionHosts).filter((r) => !remote.includes(r)))
      issues.push({
        key: `kubernetes.cloudnativePg.regionHosts.${region}`,
        value: regionHosts[region],
        problem: `names no crossRegion region with replicas (${remote.join(", ") || "none"})`,
        fix: "remove it, or add that region under crossRegion",
      });
    if (promotionToken !== undefined && remote.length === 0)
      issues.push({
        key: "kubernetes.cloudnativePg.promotionToken",
        value: "(set)",
        problem: "promotes a Cluster of a distributed topology, but the stack has no other region",
        fix: "remove it",
      });
  };
}

/** What CloudNativePG's webhooks and managed settings refuse of the resolved config. */
export function cnpgRules(config: ResolvedSelfHosted): Check[] {
  return [
    writerAndPoolMode(config),
    engineSizing(config),
    engineImage(config),
    engineMonitoring(config),
    clusterNames(config),
    engineBackup(config),
    distributedTopology(config),
  ];
}
