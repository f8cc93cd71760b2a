/**
 * The cloudnative-pg engine's alert rules under promtool, on synthetic series named and labelled as CloudNativePG
 * 1.30.0 exports them (facts/exporters/cnpgMetrics.ts) and as the stack's PodMonitors relabel them: prod-cnpg's two
 * regions, each with its own rules. Every alert fires on the state it names and stays silent on a healthy idle stack;
 * the lag tiers are tested at each threshold's edge (at the bound: silent; just above: firing).
 * Skipped against a deployed stack (STACK_OUTPUTS): promtool runs on rules rendered from the prod-cnpg stack file and
 * synthetic series, not on the stack in the outputs file; npm test runs it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { againstADeployedStack } from "./support";
import { MONITORING_BINARIES } from "../../components/local/monitoring";
import { watchedClusters } from "../../components/kubernetes/cnpg/monitoring";
import { renderCnpgAlertRules } from "../../components/monitoring/cnpgRules";
import { lagTiers } from "../../components/monitoring/lagTiers";
import { cnpgMetricNames } from "../../components/facts/exporters/cnpgMetrics";
import { runPromtoolTest } from "../support/promtool";
import { stackTopology } from "../support/topologies";

const topology = stackTopology("prod-cnpg", "selfHosted");
const [home, remote] = topology.regions as [(typeof topology.regions)[0], (typeof topology.regions)[0]];
const dir = mkdtempSync(join(tmpdir(), "pgrr-cnpg-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rulesFile = (region: typeof home) => {
  const file = join(dir, `rules-${region.name}.yml`);
  writeFileSync(file, renderCnpgAlertRules(topology, region.name, watchedClusters(topology, region)));
  return file;
};
const files = { home: rulesFile(home), remote: rulesFile(remote) };
const tiers = lagTiers(topology);

const MAIN = "pg";
const OLAP = "pg-olap";
const REMOTE = "pg-eu-west-1";
const STEP = 5;

type Series = { series: string; values: string };
const steady = (minutes: number) => (value: number | string) => `${value}x${(minutes * 60) / STEP}`;

/** One CloudNativePG series as scraped through the stack's PodMonitor of `cluster`'s pods. */
function metric(name: string, region: string, cluster: string, pod: string, labels = ""): string {
  if (!cnpgMetricNames().has(name) && name !== "up") throw new Error(`${name} is not a CloudNativePG 1.30.0 metric`);
  const scrape = `pgrr_cluster="pg", region="${region}", cnpg_cluster="${cluster}", pg_node="${pod}", job="pgrr-postgres"`;
  return `${name}{${scrape}${labels ? `, ${labels}` : ""}}`;
}

interface Instance {
  cluster: string;
  pod: string;
  writer: boolean;
  senders: number;
}

/** Series of one instance: the collector, pg_replication, and (its own slots) pg_replication_slots. */
function instanceSeries(region: string, i: Instance, at: (v: number | string) => string, slots: string[]): Series[] {
  const m = (name: string, labels = "") => metric(name, region, i.cluster, i.pod, labels);
  return [
    { series: m("up"), values: at(1) },
    { series: m("cnpg_collector_up", `cluster="${i.cluster}"`), values: at(1) },
    { series: m("cnpg_collector_last_collection_error"), values: at(0) },
    { series: m("cnpg_collector_pg_wal", 'value="size"'), values: at(16 * 1024 ** 2 * 20) },
    { series: m("cnpg_pg_replication_in_recovery"), values: at(i.writer ? 0 : 1) },
    { series: m("cnpg_pg_replication_is_wal_receiver_up"), values: at(i.writer ? 0 : 1) },
    { series: m("cnpg_pg_replication_streaming_replicas"), values: at(i.senders) },
    // An idle stack: everything received is replayed, so the standby's lag is 0 however old the last commit.
    { series: m("cnpg_pg_replication_lag"), values: at(0) },
    { series: m("cnpg_pg_settings_setting", 'name="max_slot_wal_keep_size"'), values: at(10240) },
    // The writer's HA slots are active; the operator's copies of them on a standby are not, by design.
    ...slots.flatMap((slot) => [
      {
        series: m("cnpg_pg_replication_slots_active", `slot_name="${slot}", slot_type="physical", database=""`),
        values: at(i.writer ? 1 : 0),
      },
      {
        series: m(
          "cnpg_pg_replication_slots_pg_wal_lsn_diff",
          `slot_name="${slot}", slot_type="physical", database=""`,
        ),
        values: at(0),
      },
    ]),
  ];
}

const pooler = (region: string, pool: string, at: (v: number | string) => string, waiting = 0, active = 1) => {
  const s = `pgrr_cluster="pg", region="${region}", pool="${pool}", pg_node="pg-pool-${pool}-x", job="pgrr-pgbouncer", instance="p"`;
  return [
    { series: `up{${s}}`, values: at(1) },
    { series: `cnpg_pgbouncer_up{${s}}`, values: at(1) },
    { series: `cnpg_pgbouncer_pools_cl_waiting{${s}, database="app", user="app"}`, values: at(waiting) },
    { series: `cnpg_pgbouncer_pools_sv_active{${s}, database="app", user="app"}`, values: at(active) },
    { series: `cnpg_pgbouncer_lists_used_clients{${s}}`, values: at(1) },
  ];
};

const mainPods = [1, 2, 3, 4].map((n) => `${MAIN}-${n}`);
const standbysOfMain = [...mainPods.slice(1), OLAP, REMOTE];

/** The primary region, healthy: the writer streams to its three standbys and both replica clusters. */
function homeHealthy(minutes: number, except: (series: string) => boolean = () => false): Series[] {
  const at = steady(minutes);
  const slots = mainPods.slice(1).map((pod) => `_cnpg_${pod.replace(/-/g, "_")}`);
  const instances: Instance[] = [
    ...mainPods.map((pod, n) => ({ cluster: MAIN, pod, writer: n === 0, senders: n === 0 ? 5 : 0 })),
    { cluster: OLAP, pod: `${OLAP}-1`, writer: false, senders: 0 },
  ];
  const sender = (name: string, app: string) =>
    metric(name, home.name, MAIN, mainPods[0]!, `usename="streaming_replica", application_name="${app}"`);
  const series: Series[] = [
    ...instances.flatMap((i) => instanceSeries(home.name, i, at, i.cluster === MAIN ? slots : [])),
    ...standbysOfMain.flatMap((app) => [
      { series: sender("cnpg_pg_stat_replication_replay_lag_seconds", app), values: at(0) },
      { series: sender("cnpg_pg_stat_replication_replay_diff_bytes", app), values: at(0) },
    ]),
    ...["write", "read", "olap"].flatMap((pool) => pooler(home.name, pool, at)),
  ];
  return series.filter((s) => !except(s.series));
}

/** The other region, healthy: the replica cluster's designated primary streams to its one standby. */
function remoteHealthy(minutes: number, except: (series: string) => boolean = () => false): Series[] {
  const at = steady(minutes);
  const instances: Instance[] = [
    { cluster: REMOTE, pod: `${REMOTE}-1`, writer: false, senders: 1 },
    { cluster: REMOTE, pod: `${REMOTE}-2`, writer: false, senders: 0 },
  ];
  return [
    ...instances.flatMap((i) => instanceSeries(remote.name, i, at, [])),
    ...pooler(remote.name, "read", at),
  ].filter((s) => !except(s.series));
}

type Check = { alert: string; at: string; firing: string[]; by?: string; severity?: string };

/** Each check: which values of `by` (default: the alert fires at all, "1") the alert fires for at `at`. */
function promtoolTest(file: string, name: string, series: Series[], checks: Check[]): void {
  const test = {
    rule_files: [file],
    evaluation_interval: `${STEP}s`,
    tests: [
      {
        name,
        interval: `${STEP}s`,
        input_series: series,
        promql_expr_test: checks.map((c) => {
          const matchers = `alertname="${c.alert}", alertstate="firing"${c.severity ? `, severity="${c.severity}"` : ""}`;
          return c.by
            ? {
                expr: `count by (${c.by}) (ALERTS{${matchers}})`,
                eval_time: c.at,
                exp_samples: c.firing.map((value) => ({ labels: `{${c.by}="${value}"}`, value: 1 })),
              }
            : {
                expr: `count(ALERTS{${matchers}})`,
                eval_time: c.at,
                exp_samples: c.firing.length > 0 ? [{ labels: "{}", value: 1 }] : [],
              };
        }),
      },
    ],
  };
  runPromtoolTest(dir, name, test);
}

const silent = (alerts: string[], at: string): Check[] => alerts.map((alert) => ({ alert, at, firing: [] }));
const EVERY_ALERT = [
  "PgReplicaNotStreaming",
  "PgReplicationStreamingInterrupted",
  "PgReplicationLagHigh",
  "PgReplicationLagBytesHigh",
  "PgReplicaNotInRecovery",
  "PgMoreThanOneWriter",
  "PgFewerStreamingReplicasThanDeclared",
  "PgReplicationSlotInactive",
  "PgSlotRetainedWalNearMax",
  "PgWalDiskHigh",
  "PgbouncerClientsWaiting",
  "PgbouncerPoolSaturated",
  "PgbouncerClientConnectionsNearMax",
  "PgExporterDown",
  "PgExporterCannotReachPostgres",
  "PgbouncerExporterCannotReachPgbouncer",
  "PgExporterQueriesFileBroken",
  "PgExporterTargetsMissing",
  "PgOlapReplayPaused",
];

describe.skipIf(againstADeployedStack)("the cloudnative-pg rules, under promtool", () => {
  it("pass promtool check rules in both regions", () => {
    for (const file of Object.values(files)) {
      const out = execFileSync(MONITORING_BINARIES.promtool, ["check", "rules", file], { encoding: "utf8" });
      expect(out).toMatch(/SUCCESS: \d+ rules found/);
    }
  });

  it("stay silent on a healthy, idle stack in both regions (the standbys' copies of the HA slots included)", () => {
    promtoolTest(files.home, "cnpg idle home", homeHealthy(15), silent(EVERY_ALERT, "14m"));
    promtoolTest(files.remote, "cnpg idle remote", remoteHealthy(15), silent(EVERY_ALERT, "14m"));
  });

  it("fire each lag tier just above its threshold and not at it, in seconds and bytes, never for the OLAP replica", () => {
    const lagging = (s: string) => s.startsWith("cnpg_pg_stat_replication_replay");
    const sender = (name: string, app: string, value: number) => ({
      series: metric(name, home.name, MAIN, mainPods[0]!, `usename="streaming_replica", application_name="${app}"`),
      values: steady(5)(value),
    });
    const { warning, critical } = tiers;
    const edges = (name: string, unit: "seconds" | "bytes", step: number) => [
      sender(name, "at-warning", warning[unit]),
      sender(name, "above-warning", warning[unit] + step),
      sender(name, "at-critical", critical[unit]),
      sender(name, "above-critical", critical[unit] + step),
      sender(name, OLAP, critical[unit] * 100),
    ];
    const series = [
      ...homeHealthy(5, lagging),
      ...edges("cnpg_pg_stat_replication_replay_lag_seconds", "seconds", 0.001),
      ...edges("cnpg_pg_stat_replication_replay_diff_bytes", "bytes", 1),
    ];
    const tiered = (alert: string) => [
      {
        alert,
        at: "3m",
        by: "application_name",
        severity: "warning",
        firing: ["above-critical", "above-warning", "at-critical"],
      },
      { alert, at: "3m", by: "application_name", severity: "critical", firing: ["above-critical"] },
    ];
    promtoolTest(files.home, "cnpg lag tiers", series, [
      ...tiered("PgReplicationLagHigh"),
      ...tiered("PgReplicationLagBytesHigh"),
    ]);
  });

  it("in the other region, tier each standby's own lag in seconds (no WAL sender there is exported)", () => {
    const own = (s: string) => s.startsWith("cnpg_pg_replication_lag{");
    const lag = (pod: string, value: number) => ({
      series: metric("cnpg_pg_replication_lag", remote.name, REMOTE, pod),
      values: steady(5)(value),
    });
    const series = [
      ...remoteHealthy(5, own),
      lag(`${REMOTE}-1`, tiers.critical.seconds),
      lag(`${REMOTE}-2`, tiers.critical.seconds + 0.001),
    ];
    promtoolTest(files.remote, "cnpg remote lag", series, [
      {
        alert: "PgReplicationLagHigh",
        at: "3m",
        by: "pg_node",
        severity: "warning",
        firing: [`${REMOTE}-1`, `${REMOTE}-2`],
      },
      { alert: "PgReplicationLagHigh", at: "3m", by: "pg_node", severity: "critical", firing: [`${REMOTE}-2`] },
      { alert: "PgReplicationLagBytesHigh", at: "3m", firing: [] },
    ]);
  });

  it("count a standby that stops streaming against its Cluster, and name a WAL receiver that is down", () => {
    const writerCount = (s: string) =>
      s.startsWith("cnpg_pg_replication_streaming_replicas") && s.includes(`"${MAIN}-1"`);
    const receiver = (s: string) => s.startsWith("cnpg_pg_replication_is_wal_receiver_up") && s.includes(`"${MAIN}-3"`);
    const series = [
      ...homeHealthy(5, (s) => writerCount(s) || receiver(s)),
      { series: metric("cnpg_pg_replication_streaming_replicas", home.name, MAIN, `${MAIN}-1`), values: steady(5)(4) },
      { series: metric("cnpg_pg_replication_is_wal_receiver_up", home.name, MAIN, `${MAIN}-3`), values: steady(5)(0) },
    ];
    promtoolTest(files.home, "cnpg standby gone", series, [
      { alert: "PgReplicaNotStreaming", at: "50s", firing: [] },
      { alert: "PgReplicaNotStreaming", at: "70s", by: "cnpg_cluster", firing: [MAIN] },
      { alert: "PgFewerStreamingReplicasThanDeclared", at: "1m50s", firing: [] },
      { alert: "PgFewerStreamingReplicasThanDeclared", at: "2m10s", firing: ["1"] },
      { alert: "PgReplicationStreamingInterrupted", at: "70s", by: "pg_node", firing: [`${MAIN}-3`] },
    ]);
  });

  it("fire on a second writer and on a promoted replica cluster, on an inactive slot of the writer, and on the OLAP replica's held replay as information", () => {
    const olapWriter = (s: string) => s.startsWith("cnpg_pg_replication_in_recovery") && s.includes(`"${OLAP}-1"`);
    const olapLag = (s: string) => s.startsWith("cnpg_pg_replication_lag{") && s.includes(`"${OLAP}-1"`);
    const slot = (s: string) =>
      s.startsWith("cnpg_pg_replication_slots_active") && s.includes(`pg_node="${MAIN}-1"`) && s.includes("_cnpg_pg_2");
    const bound = topology.monitoring.olapReplayPausedForMs / 1000;
    const series = [
      ...homeHealthy(5, (s) => olapWriter(s) || olapLag(s) || slot(s)),
      { series: metric("cnpg_pg_replication_in_recovery", home.name, OLAP, `${OLAP}-1`), values: steady(5)(0) },
      { series: metric("cnpg_pg_replication_lag", home.name, OLAP, `${OLAP}-1`), values: `${bound}+5x60` },
      {
        series: metric(
          "cnpg_pg_replication_slots_active",
          home.name,
          MAIN,
          `${MAIN}-1`,
          'slot_name="_cnpg_pg_2", slot_type="physical", database=""',
        ),
        values: steady(5)(0),
      },
    ];
    promtoolTest(files.home, "cnpg writers", series, [
      { alert: "PgMoreThanOneWriter", at: "1m", firing: ["1"] },
      { alert: "PgReplicaNotInRecovery", at: "1m", by: "cnpg_cluster", firing: [OLAP] },
      { alert: "PgReplicationSlotInactive", at: "2m10s", by: "slot_name", firing: ["_cnpg_pg_2"] },
      { alert: "PgOlapReplayPaused", at: "0s", firing: [] },
      { alert: "PgOlapReplayPaused", at: "10s", by: "severity", firing: ["info"] },
    ]);
  });

  it("fire on clients waiting, a saturated pool, an unreachable server and a scrape that fails", () => {
    const at = steady(5);
    const series = [
      ...homeHealthy(
        5,
        (s) =>
          s.includes('pool="read"') ||
          (s.startsWith("cnpg_collector_up") && s.includes(`"${MAIN}-2"`)) ||
          (s.startsWith("up{") && s.includes(`"${MAIN}-4"`)),
      ),
      ...pooler(home.name, "read", at, 3, topology.pools.read.defaultPoolSize),
      { series: metric("cnpg_collector_up", home.name, MAIN, `${MAIN}-2`, `cluster="${MAIN}"`), values: at(0) },
      { series: metric("up", home.name, MAIN, `${MAIN}-4`), values: at(0) },
    ];
    promtoolTest(files.home, "cnpg pools", series, [
      { alert: "PgbouncerClientsWaiting", at: "2m", by: "pool", firing: ["read"] },
      { alert: "PgbouncerPoolSaturated", at: "2m", by: "pool", firing: ["read"] },
      { alert: "PgExporterCannotReachPostgres", at: "2m", by: "pg_node", firing: [`${MAIN}-2`] },
      { alert: "PgExporterDown", at: "2m", by: "pg_node", firing: [`${MAIN}-4`] },
    ]);
  });
});
