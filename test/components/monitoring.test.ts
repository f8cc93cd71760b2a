/**
 * Monitoring objects of the selfHosted stacks under mocks: exporter sidecars,
 * PodMonitors and the PrometheusRule (validated against the prometheus-operator
 * schema), the dashboard ConfigMap; and the metric contract: every metric the
 * rules and the dashboard read is one the shipped exporters produce.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { alertRules } from "../../components/monitoring/alertRules";
import { dashboardQueries } from "../../components/monitoring/dashboard";
import { exporterMetrics } from "../../components/monitoring/exporterQueries";
import { PGBOUNCER_EXPORTER, POSTGRES_EXPORTER } from "../../components/facts/exporters/exporters";
import { pgbouncerExposition } from "../../components/monitoring/pgbouncerMetrics";
import { metricSelectors } from "../../components/monitoring/selectors";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import { readStackConfig } from "../../components/config/stackFile";
import type { SelfHostedTopology } from "../../components/topology/types";
import { TYPES, k8sObject, ofType } from "../support/graph";
import { validateKubernetesObject } from "../support/kubernetesSchema";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

describe("prod's monitoring objects", () => {
  let run: ProgramRun;
  let topology: SelfHostedTopology;
  beforeAll(async () => {
    run = await runProgram("prod");
    topology = topologyFromPulumiConfig(readStackConfig("stacks", "prod"), "prod").topology as SelfHostedTopology;
  });

  it("puts an exporter beside every database server and every pool, reading the stack's queries file", () => {
    for (const set of ofType(run, TYPES.statefulSet)) {
      const exporter = set.inputs.spec.template.spec.containers.find(
        (c: { name: string }) => c.name === "postgres-exporter",
      );
      expect(exporter, set.name).toBeDefined();
      const env = Object.fromEntries(exporter.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      expect(env[POSTGRES_EXPORTER.queriesFileEnv.value]).toBe("/etc/pg-read-replicas/queries.yaml");
      expect(env.DATA_SOURCE_USER).toBe("pgrr_monitor");
    }
    for (const deployment of ofType(run, TYPES.deployment)) {
      expect(deployment.inputs.spec.template.spec.containers.map((c: { name: string }) => c.name)).toContain(
        "pgbouncer-exporter",
      );
    }
    const scripts = k8sObject(run, TYPES.configMap, "pg-scripts", "pg-us-east-1").inputs.data["queries.yaml"] as string;
    for (const metric of exporterMetrics().keys()) expect(scripts).toContain(metric.split("_").slice(0, 2).join("_"));
  });

  it("creates PodMonitors in every region, the rules once, all valid against the operator's schema and selected by its release", () => {
    const monitors = ofType(run, POD_MONITOR);
    expect(monitors).toHaveLength(4);
    // The stack's rules, and the certificates' expiry (certificates.test.ts) beside them.
    const [rules, certificates] = [false, true].map((cert) =>
      ofType(run, PROMETHEUS_RULE).filter((r) => r.inputs.metadata.name.endsWith("-certificate-alerts") === cert),
    ) as [Registered[], Registered[]];
    expect(rules).toHaveLength(1);
    expect(certificates).toHaveLength(1);
    for (const resource of [...monitors, ...rules, ...certificates]) {
      validateKubernetesObject(resource);
      expect(resource.inputs.metadata.labels.release).toBe("kube-prometheus-stack");
    }
    expect(rules[0]!.inputs.spec.groups).toEqual(JSON.parse(JSON.stringify(alertRules(topology))));
    const dashboard = k8sObject(run, TYPES.configMap, "pg-dashboard");
    expect(dashboard.inputs.metadata.labels.grafana_dashboard).toBe("1");
    expect(JSON.parse(dashboard.inputs.data["pg-read-replicas.json"]).uid).toBe("pg-read-replicas");
  });

  it("refuses a malformed monitor (the schema check is not a formality)", () => {
    const [monitor] = ofType(run, POD_MONITOR);
    const broken: Registered = {
      ...monitor!,
      inputs: {
        ...monitor!.inputs,
        spec: { ...monitor!.inputs.spec, podMetricsEndpoints: [{ port: "metrics", interval: "every 5 seconds" }] },
      },
    };
    expect(() => validateKubernetesObject(broken)).toThrow(/interval/);
  });

  it("reads only metrics the shipped exporters produce (queries file, exporters' own, pgbouncer_exporter's, the rules' recordings)", () => {
    const recorded = alertRules(topology).flatMap((g) => g.rules.flatMap((r) => ("record" in r ? [r.record] : [])));
    const produced = new Set([
      ...exporterMetrics().keys(),
      ...POSTGRES_EXPORTER.ownMetrics.value,
      ...PGBOUNCER_EXPORTER.metrics.value,
      "up",
      ...recorded,
    ]);
    const expressions = [
      ...alertRules(topology).flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboardQueries(topology.name),
    ];
    const used = new Set(
      expressions.flatMap(metricSelectors).map((selector) => selector.slice(0, selector.indexOf("{"))),
    );
    expect([...used].filter((metric) => !produced.has(metric))).toEqual([]);
  });

  it("serves from the local PgBouncer exporter only names pgbouncer_exporter v0.12.1 has", () => {
    const text = pgbouncerExposition({
      version: "PgBouncer 1.24.1",
      pools: [
        {
          database: "app",
          user: "app",
          cl_active: 1,
          cl_waiting: 0,
          sv_active: 1,
          sv_idle: 0,
          sv_used: 0,
          sv_tested: 0,
          sv_login: 0,
          maxwait: 0,
        },
      ],
      databases: [
        {
          name: "app",
          host: "h",
          port: 5432,
          database: "app",
          force_user: "",
          pool_mode: "transaction",
          pool_size: 20,
          reserve_pool_size: 5,
          max_connections: 0,
          current_connections: 1,
          paused: 0,
          disabled: 0,
        },
      ],
      statsTotals: [
        {
          database: "app",
          query_count: 3,
          xact_count: 3,
          bytes_received: 1,
          bytes_sent: 1,
          query_time: 1000,
          xact_time: 1000,
          wait_time: 0,
        },
      ],
      lists: [{ list: "used_clients", items: 1 }],
      config: [{ key: "max_client_conn", value: "100" }],
    });
    const names = new Set([...text.matchAll(/^(pgbouncer_[a-z_]+)[{ ]/gm)].map((m) => m[1]!));
    expect(names.size).toBeGreaterThan(20);
    expect([...names].filter((name) => !PGBOUNCER_EXPORTER.metrics.value.includes(name))).toEqual([]);
    expect(text).toMatch(/^pgbouncer_databases_reserve_pool\{.*\} 5$/m);
    expect(pgbouncerExposition(undefined)).toMatch(/^pgbouncer_up 0$/m);
  });
});
