/**
 * Monitoring on real servers: the local Prometheus scraping the real exporters
 * of the suite's topology. Every series an alert or a dashboard panel reads
 * exists; a stopped replica fires its alert within the rule's `for` plus two
 * scrapes and resolves once it is back; the OLAP replica's held replay fires the
 * informational alert and nothing about the OLTP replicas.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { alertsPageUrl, prometheusUrl, refreshMonitoring } from "../../components/local/monitoring";
import { alertRules } from "../../components/monitoring/alertRules";
import { dashboardQueries } from "../../components/monitoring/dashboard";
import { metricSelectors } from "../../components/monitoring/selectors";
import type { LocalTopology } from "../../components/topology/types";
import { client, eventually, external, outputs, runner, sql } from "./support";

interface Alert {
  labels: Record<string, string>;
  state: string;
}

function prometheus(): { url: string; topology: LocalTopology; scrapeMs: number } {
  const state = runner().state()!;
  if (!state.monitoring) throw new Error("the suite's topology runs without monitoring");
  return {
    url: prometheusUrl(state.monitoring.prometheus),
    topology: state.topology,
    scrapeMs: state.topology.monitoring.scrapeIntervalMs,
  };
}

async function query(url: string, expr: string): Promise<unknown[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data!.result;
}

async function alerts(url: string): Promise<Alert[]> {
  const body = (await (await fetch(`${url}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } };
  return body.data.alerts;
}

const firing = (all: Alert[], name: string, labels: Record<string, string> = {}) =>
  all.some(
    (a) =>
      a.labels.alertname === name &&
      a.state === "firing" &&
      Object.entries(labels).every(([k, v]) => a.labels[k] === v),
  );

function forMs(topology: LocalTopology, alert: string): number {
  const rule = alertRules(topology)
    .flatMap((g) => g.rules)
    .find((r) => "alert" in r && r.alert === alert);
  if (!rule || !("alert" in rule) || !rule.for) throw new Error(`no alert ${alert} with a for`);
  const match = /^(\d+)([smh])$/.exec(rule.for)!;
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "s" | "m" | "h"];
}

describe.skipIf(external)("monitoring, from the local Prometheus scraping the real exporters", () => {
  // Files run in any order: alerts raised by what ran before (a replica stopped, a slot lost) resolve first, or a
  // PgReplicaNotStreaming still firing would answer the stopped-replica test below before its replica stopped.
  beforeAll(async () => {
    const { url } = prometheus();
    await eventually("no alert pending or firing", 120_000, async () => {
      const active = await alerts(url);
      if (active.length > 0) throw new Error(active.map((a) => `${a.labels.alertname} ${a.state}`).join(", "));
      return true;
    });
  });

  it("has series for every selector of every alert and every dashboard panel", async () => {
    const { url, topology, scrapeMs } = prometheus();
    // Right after up, Prometheus needs a few scrapes for rate() over its window.
    await new Promise((resolve) => setTimeout(resolve, 3 * scrapeMs));
    const expressions = [
      ...alertRules(topology).flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboardQueries(topology.name),
    ];
    const selectors = [...new Set(expressions.flatMap(metricSelectors))];
    const empty: string[] = [];
    for (const selector of selectors) if ((await query(url, selector)).length === 0) empty.push(selector);
    expect(empty, "selectors with no series (a metric that does not exist, or a renamed label)").toEqual([]);
    const emptyPanels: string[] = [];
    for (const panel of dashboardQueries(topology.name))
      if ((await query(url, panel)).length === 0) emptyPanels.push(panel);
    expect(emptyPanels).toEqual([]);
    expect(selectors.length).toBeGreaterThan(30);
  });

  it("offers no lifecycle API to whoever reaches its port, and reloads its rules on the runner's SIGHUP", async () => {
    const { url } = prometheus();
    // Prometheus answers 403 "Lifecycle API is not enabled" unless started with --web.enable-lifecycle.
    expect((await fetch(`${url}/-/quit`, { method: "POST" })).status).toBe(403);
    expect((await fetch(`${url}/-/reload`, { method: "POST" })).status).toBe(403);
    const reloadedAt = async () =>
      Number(
        /^prometheus_config_last_reload_success_timestamp_seconds (\S+)$/m.exec(
          await (await fetch(`${url}/metrics`)).text(),
        )![1],
      );
    const before = await reloadedAt();
    await refreshMonitoring(runner().layout, runner().state()!);
    expect(await reloadedAt()).toBeGreaterThan(before);
    expect((await fetch(`${url}/-/healthy`)).status).toBe(200);
  });

  it("prints an alerts page this Prometheus serves", async () => {
    const { url } = prometheus();
    const page = await fetch(await alertsPageUrl(url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("PgReplicaNotStreaming");
  });

  it("fires PgReplicaNotStreaming for a stopped replica within its `for` plus two scrapes, and resolves once it is back", async () => {
    const { url, topology, scrapeMs } = prometheus();
    const replica = "it-replica-1";
    const bound = forMs(topology, "PgReplicaNotStreaming") + 2 * scrapeMs + scrapeMs; // + one rule evaluation
    await runner().stopNodeByName(replica);
    const stopped = Date.now();
    try {
      await eventually(`PgReplicaNotStreaming for ${replica}`, bound, async () =>
        firing(await alerts(url), "PgReplicaNotStreaming", { application_name: replica }) ? true : undefined,
      );
      console.log(
        `monitoring: PgReplicaNotStreaming fired ${Date.now() - stopped} ms after ${replica} stopped (for ${forMs(topology, "PgReplicaNotStreaming")} ms, scrape ${scrapeMs} ms)`,
      );
      const now = await alerts(url);
      expect(firing(now, "PgReplicaNotStreaming", { application_name: "it-replica-0" })).toBe(false);
    } finally {
      await runner().startNodeByName(replica);
    }
    const started = Date.now();
    await eventually(`PgReplicaNotStreaming resolved for ${replica}`, 3 * scrapeMs + 30_000, async () =>
      (await alerts(url)).some((a) => a.labels.alertname === "PgReplicaNotStreaming") ? undefined : true,
    );
    console.log(`monitoring: resolved ${Date.now() - started} ms after ${replica} started again`);
  });

  it("fires the informational OLAP alert while analytics hold its replay, and no alert about OLTP replicas", async () => {
    const { url, topology, scrapeMs } = prometheus();
    const olap = topology.standbys.find((s) => s.role === "olap")!;
    const olapEndpoint = outputs.readers.find((r) => r.name === olap.name)!;
    await sql(outputs.pools.write, "CREATE TABLE monitoring_conflict (id int PRIMARY KEY, v int)");
    await sql(outputs.pools.write, "INSERT INTO monitoring_conflict SELECT g, 0 FROM generate_series(1, 5000) g");
    await eventually("the table on the OLAP replica", 10_000, async () =>
      (await sql<{ n: number }>(olapEndpoint, "SELECT count(*)::int AS n FROM monitoring_conflict"))[0]?.n === 5000
        ? true
        : undefined,
    );
    const analytic = client(olapEndpoint);
    await analytic.connect();
    try {
      await analytic.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await analytic.query("SELECT sum(v) FROM monitoring_conflict");
      await sql(outputs.pools.write, "UPDATE monitoring_conflict SET v = v + 1");
      // The OLTP replicas' hot_standby_feedback must move past the UPDATE before VACUUM may remove its rows.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await sql(outputs.writer, "VACUUM monitoring_conflict");
      const bound = topology.monitoring.olapReplayPausedForMs + 3 * scrapeMs;
      await eventually("PgOlapReplayPaused", bound + 10_000, async () =>
        firing(await alerts(url), "PgOlapReplayPaused", { pg_node: olap.name, severity: "info" }) ? true : undefined,
      );
      const now = await alerts(url);
      const aboutOltp = now.filter(
        (a) =>
          a.labels.alertname !== "PgOlapReplayPaused" && Object.values(a.labels).some((v) => /it-replica-\d/.test(v)),
      );
      expect(aboutOltp.map((a) => `${a.labels.alertname} ${a.state}`)).toEqual([]);
      expect(
        now.filter((a) => a.state === "firing" && a.labels.severity !== "info").map((a) => a.labels.alertname),
      ).toEqual([]);
    } finally {
      await analytic.query("COMMIT").catch(() => undefined);
      await analytic.end();
    }
  });
});
