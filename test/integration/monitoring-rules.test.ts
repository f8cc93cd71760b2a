/**
 * The alert rules under promtool: `check rules`, then unit tests with synthetic
 * series for each alert, firing when it should and silent when it should
 * (the idle primary above all). Expectations are written as queries on ALERTS,
 * so each names the alert, its state and the series it concerns.
 * Skipped against a deployed stack (STACK_OUTPUTS): promtool runs on rules rendered from the suite's own topology
 * and synthetic series, not on the stack in the outputs file; npm test runs it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { againstADeployedStack } from "./support";
import { stringify } from "yaml";
import { MONITORING_BINARIES } from "../../components/local/monitoring";
import { renderAlertRules } from "../../components/monitoring/alertRules";
import { certificateRules } from "../../components/monitoring/certificateRules";
import { lagTiers } from "../../components/monitoring/lagTiers";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import type { LocalTopology } from "../../components/topology/types";
import { integrationConfig } from "../support/integrationTopology";
import { runPromtoolTest } from "../support/promtool";

const topology = topologyFromConfig(integrationConfig()).topology as LocalTopology;
const dir = mkdtempSync(join(tmpdir(), "pgrr-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "rules.yml"), renderAlertRules(topology));

const C = 'pgrr_cluster="it"';
const STANDBYS = ["it-replica-0", "it-replica-1", "it-olap-0"];
const SLOTS = ["it_replica_0", "it_replica_1", "it_olap_0"];

type Series = { series: string; values: string };
type Check = { alert: string; at: string; firing: boolean; labels?: string };

/** A healthy stack for `minutes`: the writer streams to every standby, nothing lags, pools idle, exporters up. */
function healthy(minutes: number, except: (series: string) => boolean = () => false): Series[] {
  const n = (minutes * 60) / 5;
  const steady = (value: number | string) => `${value}x${n}`;
  const series: Series[] = [
    { series: `up{${C}, job="pgrr-postgres", pg_node="it-primary-0"}`, values: steady(1) },
    { series: `pg_up{${C}, job="pgrr-postgres", pg_node="it-primary-0", role="primary"}`, values: steady(1) },
    { series: `pgrr_node_in_recovery{${C}, pg_node="it-primary-0", role="primary"}`, values: steady(0) },
    { series: `pgrr_primary_streaming_replicas{${C}, pg_node="it-primary-0"}`, values: steady(STANDBYS.length) },
    ...STANDBYS.flatMap((name, i) => [
      {
        series: `pgrr_replication_replay_lag_bytes{${C}, application_name="${name}", state="streaming"}`,
        values: steady(0),
      },
      {
        series: `pgrr_replication_replay_lag_seconds{${C}, application_name="${name}", state="streaming"}`,
        values: steady(0),
      },
      { series: `pgrr_slot_active{${C}, slot_name="${SLOTS[i]}", slot_type="physical"}`, values: steady(1) },
      {
        series: `pgrr_node_in_recovery{${C}, pg_node="${name}", role="${name.includes("olap") ? "olap" : "oltp"}"}`,
        values: steady(1),
      },
      { series: `pgrr_standby_wal_receiver_streaming{${C}, pg_node="${name}"}`, values: steady(1) },
      // An idle primary: everything received is replayed, so the standby's time lag is 0, however old the last commit.
      { series: `pgrr_standby_lag_seconds{${C}, pg_node="${name}"}`, values: steady(0) },
    ]),
    {
      series: `pgbouncer_pools_server_active_connections{${C}, pool="read", instance="p", database="app"}`,
      values: steady(1),
    },
    {
      series: `pgbouncer_pools_client_waiting_connections{${C}, pool="read", instance="p", database="app"}`,
      values: steady(0),
    },
  ];
  return series.filter((s) => !except(s.series));
}

function promtoolTest(name: string, series: Series[], checks: Check[]): void {
  const test = {
    rule_files: [join(dir, "rules.yml")],
    evaluation_interval: "5s",
    tests: [
      {
        name,
        interval: "5s",
        input_series: series,
        promql_expr_test: checks.map((c) => ({
          expr: `count(ALERTS{alertname="${c.alert}", alertstate="firing"${c.labels ? `, ${c.labels}` : ""}})`,
          eval_time: c.at,
          exp_samples: c.firing ? [{ labels: "{}", value: 1 }] : [],
        })),
      },
    ],
  };
  runPromtoolTest(dir, name, test);
}

describe.skipIf(againstADeployedStack)("the alert rules, under promtool", () => {
  it("pass promtool check rules", () => {
    const out = execFileSync(MONITORING_BINARIES.promtool, ["check", "rules", join(dir, "rules.yml")], {
      encoding: "utf8",
    });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("stay silent on a healthy, idle stack (no lag alert while the last commit grows old)", () => {
    const alerts = [
      "PgReplicaNotStreaming",
      "PgReplicationStreamingInterrupted",
      "PgReplicationLagHigh",
      "PgReplicationLagBytesHigh",
      "PgFewerStreamingReplicasThanDeclared",
      "PgReplicationSlotInactive",
      "PgMoreThanOneWriter",
      "PgbouncerClientsWaiting",
    ];
    promtoolTest(
      "idle",
      healthy(15),
      alerts.map((alert) => ({ alert, at: "14m", firing: false })),
    );
  });

  it("name the replica that stops streaming, after its `for`, and count fewer than declared", () => {
    const gone = (s: string) => s.includes('application_name="it-replica-1"');
    const series = healthy(10, (s) => gone(s) || s.startsWith("pgrr_primary_streaming_replicas"));
    series.push({ series: `pgrr_primary_streaming_replicas{${C}, pg_node="it-primary-0"}`, values: "2x120" });
    promtoolTest("replica stopped", series, [
      { alert: "PgReplicaNotStreaming", at: "50s", firing: false },
      { alert: "PgReplicaNotStreaming", at: "70s", firing: true, labels: 'application_name="it-replica-1"' },
      { alert: "PgReplicaNotStreaming", at: "70s", firing: false, labels: 'application_name="it-replica-0"' },
      { alert: "PgFewerStreamingReplicasThanDeclared", at: "2m10s", firing: true },
    ]);
  });

  it("fire on lag past verification.maxLag for an OLTP replica, never for the OLAP replica", () => {
    const lagging = (s: string) =>
      s.startsWith("pgrr_replication_replay_lag_seconds") && (s.includes("it-replica-0") || s.includes("it-olap-0"));
    const series = healthy(5, lagging);
    series.push({
      series: `pgrr_replication_replay_lag_seconds{${C}, application_name="it-replica-0", state="streaming"}`,
      values: "9x60",
    });
    series.push({
      series: `pgrr_replication_replay_lag_seconds{${C}, application_name="it-olap-0", state="streaming"}`,
      values: "900x60",
    });
    promtoolTest("lag", series, [
      {
        alert: "PgReplicationLagHigh",
        at: "2m",
        firing: true,
        labels: 'application_name="it-replica-0", severity="critical"',
      },
      { alert: "PgReplicationLagHigh", at: "2m", firing: false, labels: 'application_name="it-olap-0"' },
    ]);
  });

  it("fire each lag tier just above its threshold and not at it, in seconds and in bytes", () => {
    const { warning, critical } = lagTiers(topology);
    const lag = (s: string) => s.startsWith("pgrr_replication_replay_lag_");
    const sender = (unit: "seconds" | "bytes", name: string, value: number) => ({
      series: `pgrr_replication_replay_lag_${unit}{${C}, application_name="${name}", state="streaming"}`,
      values: `${value}x60`,
    });
    // The two OLTP replicas sit at one tier's bound and just above it; then the other tier.
    const edges = (at: "warning" | "critical", step: number): Series[] => [
      sender("seconds", "it-replica-0", (at === "warning" ? warning : critical).seconds),
      sender("seconds", "it-replica-1", (at === "warning" ? warning : critical).seconds + step / 1000),
      sender("bytes", "it-replica-0", (at === "warning" ? warning : critical).bytes),
      sender("bytes", "it-replica-1", (at === "warning" ? warning : critical).bytes + step),
    ];
    const firing = (alert: string, severity: string, name: string, fires: boolean): Check => ({
      alert,
      at: "3m",
      firing: fires,
      labels: `application_name="${name}", severity="${severity}"`,
    });
    for (const tier of ["warning", "critical"] as const) {
      const checks = ["PgReplicationLagHigh", "PgReplicationLagBytesHigh"].flatMap((alert) => [
        firing(alert, tier, "it-replica-0", false),
        firing(alert, tier, "it-replica-1", true),
      ]);
      promtoolTest(`lag ${tier} edge`, [...healthy(5, lag), ...edges(tier, 1)], checks);
    }
    expect([warning.seconds, critical.seconds]).toEqual([1, topology.verification.maxLagMs / 1000]);
  });

  it("fire at once on a second writer, and on a lost slot", () => {
    const series = healthy(3, (s) => s.includes('pgrr_node_in_recovery{pgrr_cluster="it", pg_node="it-replica-0"'));
    series.push({ series: `pgrr_node_in_recovery{${C}, pg_node="it-replica-0", role="oltp"}`, values: "0x36" });
    series.push({
      series: `pgrr_slot_wal_status_current{${C}, slot_name="it_olap_0", wal_status="lost"}`,
      values: "1x36",
    });
    promtoolTest("writers", series, [
      { alert: "PgMoreThanOneWriter", at: "1m", firing: true },
      { alert: "PgReplicaNotInRecovery", at: "1m", firing: true, labels: 'pg_node="it-replica-0"' },
      { alert: "PgSlotWalLost", at: "10s", firing: true, labels: 'slot_name="it_olap_0"' },
    ]);
  });

  it("fire on clients waiting and a saturated pool, and on an exporter that is down", () => {
    const series = healthy(5, (s) => s.startsWith("pgbouncer_") || s.startsWith("up{"));
    series.push({
      series: `pgbouncer_pools_client_waiting_connections{${C}, pool="read", instance="p", database="app"}`,
      values: "3x60",
    });
    series.push({
      series: `pgbouncer_pools_server_active_connections{${C}, pool="read", instance="p", database="app"}`,
      values: `${topology.pools.read.defaultPoolSize}x60`,
    });
    series.push({ series: `up{${C}, job="pgrr-postgres", pg_node="it-primary-0"}`, values: "0x60" });
    promtoolTest("pools", series, [
      { alert: "PgbouncerClientsWaiting", at: "2m", firing: true, labels: 'pool="read"' },
      { alert: "PgbouncerPoolSaturated", at: "2m", firing: true, labels: 'pool="read"' },
      { alert: "PgExporterDown", at: "2m", firing: true },
    ]);
  });

  it("warn on a broken queries file after 5 minutes, as on cloudnative-pg, and not on one failed load", () => {
    const series = healthy(10);
    const loadError = (pgNode: string, values: string) => ({
      series: `pg_exporter_user_queries_load_error{${C}, pg_node="${pgNode}", filename="queries.yaml"}`,
      values,
    });
    // it-replica-0's file fails once and loads again; the writer's stays broken.
    series.push(loadError("it-replica-0", "0x10 1 0x100"), loadError("it-primary-0", "0x10 1x110"));
    promtoolTest("queries file", series, [
      { alert: "PgExporterQueriesFileBroken", at: "4m", firing: false },
      { alert: "PgExporterQueriesFileBroken", at: "6m", firing: true, labels: 'pg_node="it-primary-0"' },
      { alert: "PgExporterQueriesFileBroken", at: "9m", firing: false, labels: 'pg_node="it-replica-0"' },
    ]);
  });

  it("mark the OLAP replica's held replay as information after its bound, never paging", () => {
    const series = healthy(3);
    series.push({ series: `pgrr_standby_replay_blocked{${C}, pg_node="it-olap-0"}`, values: "1x36" });
    series.push({ series: `pgrr_node_replay_paused{${C}, pg_node="it-olap-0"}`, values: "0x36" });
    const bound = topology.monitoring.olapReplayPausedForMs / 1000;
    promtoolTest("olap", series, [
      { alert: "PgOlapReplayPaused", at: `${bound - 5}s`, firing: false },
      { alert: "PgOlapReplayPaused", at: `${bound + 10}s`, firing: true, labels: 'severity="info"' },
    ]);
  });
});

describe.skipIf(againstADeployedStack)("the certificate expiry alerts, under promtool", () => {
  const DAY = 86_400;
  const file = join(dir, "certificates.yml");
  writeFileSync(
    file,
    stringify({
      groups: [
        certificateRules("it", [
          { name: "ca", notAfter: 400 * DAY },
          { name: "server-a", notAfter: 40 * DAY },
          { name: "server-b", notAfter: 20 * DAY },
        ]),
      ],
    }),
  );
  const firing = (alert: string, at: string, certificates: string[]) => ({
    expr: `count by (certificate) (ALERTS{alertname="${alert}", alertstate="firing", pgrr_cluster="it"})`,
    eval_time: at,
    exp_samples: certificates.map((certificate) => ({ labels: `{certificate="${certificate}"}`, value: 1 })),
  });

  it("warn 30 days before a certificate expires and page in its last week, naming it", () => {
    const test = {
      rule_files: [file],
      evaluation_interval: "1h",
      tests: [
        {
          name: "certificates",
          interval: "1h",
          input_series: [],
          promql_expr_test: [
            firing("PgCertificateExpiresSoon", "1h", ["server-b"]),
            firing("PgCertificateExpiring", "1h", []),
            firing("PgCertificateExpiresSoon", "14d", ["server-a", "server-b"]),
            firing("PgCertificateExpiring", "14d", ["server-b"]),
          ],
        },
      ],
    };
    const spec = join(dir, "certificates-test.yml");
    writeFileSync(spec, stringify(test));
    expect(execFileSync(MONITORING_BINARIES.promtool, ["check", "rules", file], { encoding: "utf8" })).toMatch(
      /SUCCESS: 5 rules found/,
    );
    try {
      execFileSync(MONITORING_BINARIES.promtool, ["test", "rules", spec], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`promtool test rules (certificates) failed:\n${stdout ?? ""}${stderr ?? ""}`);
    }
  });
});
