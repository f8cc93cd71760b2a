/**
 * Monitoring objects of the cloudnative-pg engine under mocks (prod-cnpg with monitoring.prometheusOperator): a
 * PodMonitor per Cluster and per Pooler in every region, selecting the pods by the labels the operator gives them,
 * and a PrometheusRule per region with that region's rules, all valid against the prometheus-operator schema; and
 * the metric contract: every metric the rules read is one CloudNativePG 1.30.0 exports.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CNPG_OPERATOR } from "../../components/facts/cnpg/operator";
import { CNPG_METRICS, cnpgMetricNames } from "../../components/facts/exporters/cnpgMetrics";
import { watchedClusters } from "../../components/kubernetes/cnpg/monitoring";
import { cnpgNames } from "../../components/kubernetes/cnpg/plan";
import { cnpgAlertRules } from "../../components/monitoring/cnpgRules";
import { metricSelectors } from "../../components/monitoring/selectors";
import type { SelfHostedTopology } from "../../components/topology/types";
import { ofType } from "../support/graph";
import { validateKubernetesObject } from "../support/kubernetesSchema";
import { type ProgramRun, runProgram } from "../support/pulumiMocks";
import { stackTopology } from "../support/topologies";

const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

function withOperatorObjects(config: Record<string, string>): Record<string, string> {
  const monitoring = JSON.parse(config["pg-read-replicas:monitoring"] ?? "{}") as Record<string, unknown>;
  return {
    ...config,
    "pg-read-replicas:monitoring": JSON.stringify({ ...monitoring, prometheusOperator: true }),
  };
}

describe("prod-cnpg's monitoring objects", () => {
  let run: ProgramRun;
  let topology: SelfHostedTopology;
  beforeAll(async () => {
    run = await runProgram("prod-cnpg", withOperatorObjects);
    topology = stackTopology("prod-cnpg", "selfHosted");
  });

  it("creates none without monitoring.prometheusOperator", async () => {
    const plain = await runProgram("prod-cnpg");
    expect([...ofType(plain, POD_MONITOR), ...ofType(plain, PROMETHEUS_RULE)]).toEqual([]);
  });

  it("monitors every Cluster and every Pooler of every region by the operator's pod labels, on the metrics port", () => {
    const labels = CNPG_OPERATOR.labels.value;
    const monitors = ofType(run, POD_MONITOR);
    const selected = monitors.map((m) => m.inputs.spec.selector.matchLabels as Record<string, string>);
    const clusters = topology.regions.flatMap((region) => watchedClusters(topology, region).map((c) => c.name));
    const poolers = topology.regions.flatMap((region) => region.pools.map((pool) => pool.service));
    expect(selected.filter((s) => s[labels.podRole] === "instance").map((s) => s[labels.cluster])).toEqual(clusters);
    expect(selected.filter((s) => s[labels.podRole] === "pooler").map((s) => s[labels.pooler])).toEqual(poolers);
    expect(clusters).toEqual([
      cnpgNames.main(topology),
      cnpgNames.olap(topology),
      cnpgNames.region(topology, "eu-west-1"),
    ]);
    for (const monitor of monitors) {
      validateKubernetesObject(monitor);
      expect(monitor.inputs.metadata.labels.release).toBe("kube-prometheus-stack");
      const [endpoint] = monitor.inputs.spec.podMetricsEndpoints;
      expect(endpoint.port).toBe(CNPG_METRICS.metricsPortName.value);
      const relabelled = endpoint.relabelings.map((r: { targetLabel: string }) => r.targetLabel);
      expect(relabelled).toEqual(expect.arrayContaining(["job", "pgrr_cluster", "region", "pg_node"]));
    }
  });

  it("puts each region's rules in that region, valid for the operator, no Cluster of another region in them", () => {
    const rules = ofType(run, PROMETHEUS_RULE);
    expect(rules).toHaveLength(topology.regions.length);
    topology.regions.forEach((region) => {
      const rule = rules.find((r) => r.inputs.metadata.name === `${topology.name}-${region.name}-alerts`)!;
      validateKubernetesObject(rule);
      expect(rule.inputs.metadata.labels.release).toBe("kube-prometheus-stack");
      const expected = cnpgAlertRules(topology, region.name, watchedClusters(topology, region));
      expect(rule.inputs.spec.groups).toEqual(JSON.parse(JSON.stringify(expected)));
      const text = JSON.stringify(expected);
      expect(text).toContain(`region=\\"${region.name}\\"`);
    });
  });

  it("reads only metrics CloudNativePG 1.30.0 exports (its collector, default queries, Pooler exporter) and up", () => {
    const produced = new Set([...cnpgMetricNames(), "up"]);
    const used = topology.regions.flatMap((region) =>
      cnpgAlertRules(topology, region.name, watchedClusters(topology, region)).flatMap((g) =>
        g.rules.flatMap((r) => metricSelectors(r.expr).map((selector) => selector.slice(0, selector.indexOf("{")))),
      ),
    );
    expect(used.length).toBeGreaterThan(20);
    expect([...new Set(used)].filter((metric) => !produced.has(metric))).toEqual([]);
  });

  it("counts on the main Cluster a WAL sender per standby and per replica cluster, on a replica cluster its own", () => {
    const [home, remote] = topology.regions;
    const main = watchedClusters(topology, home!).find((c) => c.kind === "writer")!;
    const replicaClusters = topology.regions
      .flatMap((r) => watchedClusters(topology, r))
      .filter((c) => c.kind !== "writer");
    const standbys = home!.groups.find((g) => g.role === "oltp")!.members.length;
    expect(main.walSenders).toBe(standbys + replicaClusters.length);
    const remoteStandbys = remote!.groups.find((g) => g.role === "oltp")!.members.length;
    expect(watchedClusters(topology, remote!)).toEqual([expect.objectContaining({ walSenders: remoteStandbys - 1 })]);
  });
});
