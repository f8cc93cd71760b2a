/**
 * Monitoring of a local stack, as a cluster's: postgres_exporter beside every
 * server (Debian's, with the same queries file the sidecars read), the PgBouncer
 * exporter daemon (upstream names), and Prometheus with the stack's rules.
 * Everything listens on loopback or inside the region's namespace.
 */
import { renderAlertRules } from "../monitoring/alertRules";
import { dashboardJson } from "../monitoring/dashboard";
import { exporterQueriesFor, renderExporterQueries } from "../monitoring/exporterQueries";
import { EXPORTER_PORTS, TARGET_LABELS } from "../monitoring/targets";
import { renderPrometheusConfig } from "../monitoring/prometheusConfig";
import type { Endpoint } from "../contract/stackOutputs";
import { ensureDaemon } from "./daemons";
import { prometheusMonitoring } from "../topology/queries";
import { freePorts, LOOPBACK } from "./addresses";
import { endpointOf, liveNodes, netnsOf, poolKey, poolsOf } from "./contexts";
import { LocalError } from "./errors";
import { isAlive, spawnDaemon, stopProcess } from "./exec";
import { ensureDir, writeOwnedFile } from "./files";
import type { Layout } from "./layout";
import { waitForListener } from "./readiness";
import { servingStandbys } from "./serving";
import { type LocalState, writeState } from "./state";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const MONITORING_BINARIES = {
  postgresExporter: "/usr/bin/prometheus-postgres-exporter",
  prometheus: "/usr/bin/prometheus",
  promtool: "/usr/bin/promtool",
} as const;

type Monitoring = NonNullable<LocalState["monitoring"]>;

/**
 * Exporters listen on their server's own address (as a sidecar on its pod's), pools' exporter and Prometheus on
 * loopback.
 */
async function plan(state: LocalState): Promise<Monitoring> {
  const nodes = liveNodes(state);
  const pools = poolsOf(state.topology);
  const [prometheusPort, ...poolPorts] = await freePorts(1 + pools.length);
  // In a namespace the server's address is the stack's own; on loopback another stack may share the port.
  const exporterPort = state.network.kind === "namespaces" ? EXPORTER_PORTS.postgres : (await freePorts(1))[0]!;
  return {
    prometheus: { host: LOOPBACK, port: prometheusPort! },
    exporters: Object.fromEntries(nodes.map((n) => [n.name, { host: endpointOf(state, n).host, port: exporterPort }])),
    poolExporters: Object.fromEntries(
      pools.map((p, i) => [poolKey(state, p), { host: LOOPBACK, port: poolPorts[i]! }]),
    ),
    pids: { exporters: {} },
  };
}

function files(layout: Layout) {
  const dir = layout.monitoringDir;
  return {
    dir,
    queries: join(dir, "queries.yaml"),
    rules: join(dir, "rules.yml"),
    config: join(dir, "prometheus.yml"),
    data: join(dir, "prometheus-data"),
  };
}

function writeFiles(layout: Layout, state: LocalState, monitoring: Monitoring): void {
  const f = files(layout);
  ensureDir(f.dir, state.runAs, 0o755);
  ensureDir(f.data, state.runAs);
  writeOwnedFile(f.queries, renderExporterQueries(exporterQueriesFor(state.topology)), state.runAs, 0o644);
  writeOwnedFile(
    f.rules,
    renderAlertRules(state.topology, {
      writer: state.writer,
      retired: state.retired,
      standbys: servingStandbys(state),
    }),
    state.runAs,
    0o644,
  );
  writeOwnedFile(join(f.dir, "dashboard.json"), dashboardJson(state.topology.name), state.runAs, 0o644);
  const cluster = { [TARGET_LABELS.cluster]: state.topology.name };
  const postgres = liveNodes(state).map((node) => ({
    endpoint: monitoring.exporters[node.name]!,
    labels: {
      ...cluster,
      [TARGET_LABELS.role]: node.role,
      [TARGET_LABELS.node]: node.name,
      [TARGET_LABELS.region]: node.region,
    },
  }));
  const pgbouncer = poolsOf(state.topology).map((pool) => ({
    endpoint: monitoring.poolExporters[poolKey(state, pool)]!,
    labels: { ...cluster, [TARGET_LABELS.pool]: pool.name, [TARGET_LABELS.region]: pool.region },
  }));
  writeOwnedFile(
    f.config,
    renderPrometheusConfig({
      scrapeIntervalMs: state.topology.monitoring.scrapeIntervalMs,
      rulesFile: f.rules,
      postgres,
      pgbouncer,
    }),
    state.runAs,
    0o644,
  );
}

function dataSourceUri(state: LocalState, endpoint: Endpoint): string {
  // lib/pq (the exporter's driver) knows no "prefer": TLS whenever the servers have it.
  return `${endpoint.host}:${endpoint.port}/postgres?sslmode=${state.topology.access.tls ? "require" : "disable"}`;
}

export function monitoringEnabled(state: LocalState): boolean {
  return prometheusMonitoring(state.topology) !== undefined;
}

/** Starts whatever of the exporters and Prometheus is not running; returns Prometheus's URL. */
export async function startMonitoring(layout: Layout, state: LocalState): Promise<string> {
  const monitoring = state.monitoring ?? (await plan(state));
  state.monitoring = monitoring;
  writeFiles(layout, state, monitoring);
  writeState(layout, state);
  startServerExporters(layout, state, monitoring);
  await startPoolExporter(layout, state, monitoring);
  await startOrReloadPrometheus(layout, state, monitoring);
  writeState(layout, state);
  await waitForListener(monitoring.prometheus, monitoring.pids.prometheus, "Prometheus", layout.log("prometheus"));
  for (const pool of poolsOf(state.topology)) {
    await waitForListener(
      monitoring.poolExporters[poolKey(state, pool)]!,
      monitoring.pids.poolExporter,
      `the pool exporter for ${poolKey(state, pool)}`,
      layout.log("pool-exporter"),
    );
  }
  return prometheusUrl(monitoring.prometheus);
}

/** A postgres_exporter per server not yet watched, in the server's region namespace when it has one. */
function startServerExporters(layout: Layout, state: LocalState, monitoring: Monitoring): void {
  for (const node of liveNodes(state)) {
    if (isAlive(monitoring.pids.exporters[node.name])) continue;
    const listen = monitoring.exporters[node.name]!;
    const netns = netnsOf(state, node.region);
    monitoring.pids.exporters[node.name] = spawnDaemon(
      MONITORING_BINARIES.postgresExporter,
      [`--web.listen-address=${listen.host}:${listen.port}`, "--log.level=warn"],
      {
        runAs: state.runAs,
        ...(netns ? { netns } : {}),
        env: {
          DATA_SOURCE_URI: dataSourceUri(state, endpointOf(state, node)),
          DATA_SOURCE_USER: state.topology.monitoring.user,
          DATA_SOURCE_PASS: state.passwords.monitor,
          PG_EXPORTER_EXTEND_QUERY_PATH: files(layout).queries,
        },
        logFile: layout.log(`exporter-${node.name}`),
      },
    );
  }
}

/** One daemon of this CLI serves every pool's metrics. */
async function startPoolExporter(layout: Layout, state: LocalState, monitoring: Monitoring): Promise<void> {
  const pid = monitoring.pids.poolExporter;
  monitoring.pids.poolExporter = await ensureDaemon(layout, state, "pool-exporter", pid, "pool-exporter");
}

async function startOrReloadPrometheus(layout: Layout, state: LocalState, monitoring: Monitoring): Promise<void> {
  if (isAlive(monitoring.pids.prometheus)) return reloadPrometheus(monitoring);
  const { host, port } = monitoring.prometheus;
  const f = files(layout);
  monitoring.pids.prometheus = spawnDaemon(
    MONITORING_BINARIES.prometheus,
    [
      `--config.file=${f.config}`,
      `--storage.tsdb.path=${f.data}`,
      // No --web.enable-lifecycle: it would let anyone who reaches the port stop Prometheus (POST /-/quit); the
      // runner reloads with SIGHUP instead, as the process's owner.
      `--web.listen-address=${host}:${port}`,
      "--log.level=warn",
    ],
    { runAs: state.runAs, logFile: layout.log("prometheus") },
  );
}

/** Prometheus's own record of its last reload, from its /metrics page. */
async function lastReload(endpoint: Endpoint): Promise<{ at: number; successful: boolean }> {
  const response = await fetch(`${prometheusUrl(endpoint)}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    at: value("prometheus_config_last_reload_success_timestamp_seconds"),
    successful: value("prometheus_config_last_reload_successful") === 1,
  };
}

/**
 * Prometheus re-reads its config and rules on SIGHUP. Its success timestamp has whole seconds, so the signal waits for
 * the clock to pass the last reload's second: a newer timestamp then proves this reload, not an earlier one.
 */
async function reloadPrometheus(monitoring: Monitoring): Promise<void> {
  const endpoint = monitoring.prometheus;
  const before = await lastReload(endpoint);
  while (Date.now() / 1000 < before.at + 1) await sleep(50);
  process.kill(monitoring.pids.prometheus!, "SIGHUP");
  const deadline = Date.now() + 10_000;
  for (;;) {
    const after = await lastReload(endpoint).catch(() => before);
    if (after.at > before.at) return;
    if (before.successful && !after.successful)
      throw new LocalError(
        "Prometheus refused to reload its rules: its log says why (the prometheus log in the state directory)",
      );
    if (Date.now() > deadline) throw new LocalError("Prometheus did not reload its rules within 10 s of SIGHUP");
    await sleep(100);
  }
}

/**
 * After a promotion: rules and scrape targets follow the new writer, and the retired
 * writer's exporter stops (it would only report that it cannot reach its server).
 */
export async function refreshMonitoring(layout: Layout, state: LocalState): Promise<void> {
  const monitoring = state.monitoring;
  if (!monitoring) return;
  for (const name of state.retired) {
    await stopProcess(monitoring.pids.exporters[name], "SIGTERM", 10_000);
    delete monitoring.pids.exporters[name];
  }
  writeFiles(layout, state, monitoring);
  writeState(layout, state);
  if (isAlive(monitoring.pids.prometheus)) await reloadPrometheus(monitoring);
}

/**
 * After a change of members: exporters of servers that left stop, servers that joined get one (on the port the others
 * share), then the rules and targets are rewritten and Prometheus reloaded.
 */
export async function followMembers(layout: Layout, state: LocalState): Promise<void> {
  const monitoring = state.monitoring;
  if (!monitoring) return;
  const live = liveNodes(state);
  for (const name of Object.keys(monitoring.exporters)) {
    if (live.some((node) => node.name === name)) continue;
    await stopProcess(monitoring.pids.exporters[name], "SIGTERM", 10_000);
    delete monitoring.pids.exporters[name];
    delete monitoring.exporters[name];
  }
  const port =
    Object.values(monitoring.exporters)[0]?.port ??
    (state.network.kind === "namespaces" ? EXPORTER_PORTS.postgres : (await freePorts(1))[0]!);
  for (const node of live) monitoring.exporters[node.name] ??= { host: endpointOf(state, node).host, port };
  for (const pool of poolsOf(state.topology))
    monitoring.poolExporters[poolKey(state, pool)] ??= { host: LOOPBACK, port: (await freePorts(1))[0]! };
  startServerExporters(layout, state, monitoring);
  await refreshMonitoring(layout, state);
}

/**
 * The alerts page: Debian's Prometheus ships only the classic UI (its package has no React
 * build), whose pages live under /classic/ and whose root redirects there; upstream's is /alerts.
 */
export async function alertsPageUrl(prometheus: string): Promise<string> {
  try {
    const root = await fetch(`${prometheus}/`, { redirect: "manual", signal: AbortSignal.timeout(3000) });
    return (root.headers.get("location") ?? "").includes("/classic/")
      ? `${prometheus}/classic/alerts`
      : `${prometheus}/alerts`;
  } catch {
    return `${prometheus}/alerts`;
  }
}

export function prometheusUrl(endpoint: Endpoint): string {
  return `http://${endpoint.host}:${endpoint.port}`;
}

export async function stopMonitoring(state: LocalState): Promise<void> {
  const pids = state.monitoring?.pids;
  if (!pids) return;
  await Promise.all(
    [pids.prometheus, pids.poolExporter, ...Object.values(pids.exporters)].map((pid) =>
      stopProcess(pid, "SIGTERM", 10_000),
    ),
  );
}

export interface FiringAlert {
  name: string;
  state: "pending" | "firing";
  severity: string;
  summary: string;
  activeAt: string;
}

/** The stack's alerts that are pending or firing, from its Prometheus. */
export async function activeAlerts(state: LocalState): Promise<FiringAlert[]> {
  if (!state.monitoring) return [];
  const response = await fetch(`${prometheusUrl(state.monitoring.prometheus)}/api/v1/alerts`, {
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new LocalError(`Prometheus answered ${response.status} for /api/v1/alerts`);
  const body = (await response.json()) as {
    data: {
      alerts: Array<{
        labels: Record<string, string>;
        annotations: Record<string, string>;
        state: string;
        activeAt: string;
      }>;
    };
  };
  return body.data.alerts
    .filter(
      (a) => a.labels[TARGET_LABELS.cluster] === undefined || a.labels[TARGET_LABELS.cluster] === state.topology.name,
    )
    .map((a) => ({
      name: a.labels.alertname ?? "?",
      state: a.state as FiringAlert["state"],
      severity: a.labels.severity ?? "",
      summary: a.annotations.summary ?? "",
      activeAt: a.activeAt,
    }));
}
