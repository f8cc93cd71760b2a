/**
 * The replication dashboard, built with Grafana's typed builder. It reads only
 * the metrics the rules read (pgrr_* from the queries file, upstream
 * pgbouncer_exporter names), so a renamed series fails the same test that
 * checks the rules. `$cluster` picks the stack, `$datasource` the Prometheus.
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
} from "@grafana/grafana-foundation-sdk/dashboard";
import {
  BigValueColorMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  VizLegendOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { Panel as PanelModel } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";

export const DASHBOARD_UID = "pg-read-replicas";
const DS = { type: "prometheus", uid: "${datasource}" };
const SEL = 'pgrr_cluster="$cluster"';

type Panel = cog.Builder<PanelModel>;

const prom = (expr: string, legend: string) => new DataqueryBuilder().datasource(DS).expr(expr).legendFormat(legend);

function timeseries(title: string, unit: string, ...targets: DataqueryBuilder[]): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(title)
    .datasource(DS)
    .unit(unit)
    .min(0)
    .height(8)
    .span(12)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .calcs(["lastNotNull", "max"]),
    );
  for (const target of targets) panel.withTarget(target);
  return panel;
}

function stat(title: string, expr: string, unit: string, red: number): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(title)
    .datasource(DS)
    .unit(unit)
    .height(4)
    .span(6)
    .colorMode(BigValueColorMode.Background)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: "green" },
        { value: red, color: "red" },
      ]),
    )
    .withTarget(prom(expr, ""));
}

export function buildDashboard(defaultCluster: string): DashboardBuilder {
  const dashboard = new DashboardBuilder("pg-read-replicas: replication and pools")
    .uid(DASHBOARD_UID)
    .tags(["pg-read-replicas", "postgresql", "pgbouncer"])
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh("30s")
    .time({ from: "now-3h", to: "now" })
    .withVariable(new DatasourceVariableBuilder("datasource").label("Prometheus").type("prometheus"))
    .withVariable(
      new QueryVariableBuilder("cluster")
        .label("Stack")
        .datasource(DS)
        .query("label_values(pgrr_node_in_recovery, pgrr_cluster)")
        .current({ text: defaultCluster, value: defaultCluster })
        .refresh(VariableRefresh.OnTimeRangeChanged),
    );
  const rows: Array<[title: string, panels: Panel[]]> = [
    ["Overview", overviewPanels()],
    ["Replication", replicationPanels()],
    ["WAL and slots", walPanels()],
    ["Load", loadPanels()],
    ["PgBouncer", pgbouncerPanels()],
  ];
  for (const [title, panels] of rows) {
    dashboard.withRow(new RowBuilder(title));
    for (const panel of panels) dashboard.withPanel(panel);
  }
  return dashboard;
}

function overviewPanels(): Panel[] {
  return [
    stat("Standbys streaming", `sum(pgrr_primary_streaming_replicas{${SEL}})`, "none", -1),
    stat("Standbys declared", `count(pgrr:standby_declared{${SEL}})`, "none", -1),
    stat("Servers accepting writes", `count(pgrr_node_in_recovery{${SEL}} == 0)`, "none", 2),
    stat(
      "Clients waiting (all pools)",
      `sum(pgbouncer_pools_client_waiting_connections{${SEL}, database!="pgbouncer"})`,
      "none",
      1,
    ),
  ];
}

function replicationPanels(): Panel[] {
  return [
    timeseries(
      "Replay lag per standby (bytes, from the writer)",
      "bytes",
      prom(`max by (application_name) (pgrr_replication_replay_lag_bytes{${SEL}})`, "{{application_name}}"),
    ),
    timeseries(
      "Replay lag per standby (seconds)",
      "s",
      prom(
        `max by (application_name) (pgrr_replication_replay_lag_seconds{${SEL}})`,
        "{{application_name}} (writer's view)",
      ),
      prom(`pgrr_standby_lag_seconds{${SEL}}`, "{{pg_node}} (standby's view, idle-safe)"),
    ),
    timeseries(
      "OLAP replica: replay held by analytic queries",
      "s",
      prom(`pgrr_standby_lag_seconds{${SEL}, role="olap"}`, "{{pg_node}} replay delay"),
      prom(
        `pgrr_standby_replay_blocked{${SEL}, role="olap"} + pgrr_node_replay_paused{${SEL}, role="olap"}`,
        "{{pg_node}} replay held (1)",
      ),
    ),
    timeseries(
      "WAL written vs replayed (bytes/s)",
      "Bps",
      prom(`rate(pgrr_primary_wal_written_bytes_total{${SEL}}[$__rate_interval])`, "writer"),
      prom(`rate(pgrr_standby_wal_replayed_bytes_total{${SEL}}[$__rate_interval])`, "{{pg_node}} replays"),
    ),
  ];
}

function walPanels(): Panel[] {
  return [
    timeseries(
      "WAL retained per slot vs max_slot_wal_keep_size",
      "bytes",
      prom(`pgrr_slot_retained_bytes{${SEL}}`, "{{slot_name}}"),
      prom(`max(pgrr_slot_max_slot_wal_keep_size_bytes{${SEL}})`, "max_slot_wal_keep_size"),
    ),
    timeseries("pg_wal size per server", "bytes", prom(`pgrr_wal_dir_bytes{${SEL}}`, "{{pg_node}}")),
  ];
}

function loadPanels(): Panel[] {
  return [
    timeseries(
      "Transactions per second per server",
      "ops",
      prom(`rate(pgrr_database_transactions_total{${SEL}}[$__rate_interval])`, "{{pg_node}} ({{role}})"),
    ),
    timeseries(
      "Read distribution across OLTP replicas",
      "percentunit",
      prom(
        `rate(pgrr_database_transactions_total{${SEL}, role="oltp"}[$__rate_interval]) / ignoring(pg_node, instance, server, region) group_left sum without (pg_node, instance, server, region) (rate(pgrr_database_transactions_total{${SEL}, role="oltp"}[$__rate_interval]))`,
        "{{pg_node}}",
      ),
    ),
  ];
}

function pgbouncerPanels(): Panel[] {
  return [
    timeseries(
      "Clients active / waiting per pool",
      "none",
      prom(
        `sum by (pool) (pgbouncer_pools_client_active_connections{${SEL}, database!="pgbouncer"})`,
        "{{pool}} active",
      ),
      prom(
        `sum by (pool) (pgbouncer_pools_client_waiting_connections{${SEL}, database!="pgbouncer"})`,
        "{{pool}} waiting",
      ),
    ),
    timeseries(
      "Server connections per pool",
      "none",
      prom(
        `sum by (pool) (pgbouncer_pools_server_active_connections{${SEL}, database!="pgbouncer"})`,
        "{{pool}} active",
      ),
      prom(`sum by (pool) (pgbouncer_pools_server_idle_connections{${SEL}, database!="pgbouncer"})`, "{{pool}} idle"),
      prom(`max by (pool) (pgrr:pgbouncer_pool_utilisation:ratio{${SEL}})`, "{{pool}} share of pool size"),
    ),
  ];
}

/** The dashboard JSON Grafana imports (and the sidecar ConfigMap carries). */
export function dashboardJson(defaultCluster: string): string {
  return JSON.stringify(buildDashboard(defaultCluster).build(), null, 2);
}

/** Every panel query, as Prometheus would run it for one stack (variables substituted). */
export function dashboardQueries(cluster: string, rateInterval = "1m"): string[] {
  const dashboard = buildDashboard(cluster).build();
  return (dashboard.panels ?? []).flatMap((panel) =>
    ("targets" in panel ? ((panel.targets ?? []) as Array<{ expr?: string }>) : []).flatMap((t) =>
      t.expr ? [t.expr.replaceAll("$cluster", cluster).replaceAll("$__rate_interval", rateInterval)] : [],
    ),
  );
}
