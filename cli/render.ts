/** Tables and reports for the terminal. */
import type { FiringAlert } from "../components/local/monitoring";
import Table from "cli-table3";
import type { AuroraCheckReport } from "../components/aurora/check/report";
import type { StatusRow } from "../components/local/status";
import type { StackOutputs } from "../components/contract/stackOutputs";
import type { VerificationReport } from "../components/verify/verifier";

const dash = (value: number | undefined) => (value === undefined ? "-" : String(value));

export function statusTable(rows: readonly StatusRow[]): string {
  const table = new Table({
    head: ["role", "name", "endpoint", "state", "replay lag (bytes)", "replay lag (ms)", "slot"],
    style: { head: [], border: [] },
  });
  for (const row of rows)
    table.push([row.role, row.name, row.endpoint, row.state, dash(row.lagBytes), dash(row.lagMs), row.slot ?? "-"]);
  return table.toString();
}

export function verificationTable(report: VerificationReport): string {
  const replicas = new Table({
    head: [
      "replica",
      "role",
      "state",
      "sync",
      "slot",
      "replay lag (bytes)",
      "replay lag (ms)",
      "read-only",
      "heartbeat (ms)",
      "problems",
    ],
    style: { head: [], border: [] },
  });
  for (const r of report.replicas) {
    replicas.push([
      r.name,
      r.role,
      r.state ?? "-",
      r.sync ?? "-",
      r.slot ? `${r.slot}${r.slotActive ? "" : " (inactive)"}` : "-",
      dash(r.replayLagBytes),
      dash(r.replayLagMs),
      r.readOnly === undefined ? "-" : r.readOnly ? "yes" : "NO",
      dash(r.heartbeatVisibleMs),
      r.problems.length === 0 ? "none" : r.problems.join("\n"),
    ]);
  }
  const pools = new Table({ head: ["pool", "endpoint", "landed on", "problems"], style: { head: [], border: [] } });
  for (const p of report.pools) {
    const landed =
      Object.entries(p.landedOn)
        .map(([name, count]) => `${name} ×${count}`)
        .join(", ") || "-";
    pools.push([
      p.pool,
      `${p.endpoint.host}:${p.endpoint.port}`,
      landed,
      p.problems.length === 0 ? "none" : p.problems.join("\n"),
    ]);
  }
  const verdict = report.ok
    ? `verified in ${report.elapsedMs} ms (${report.attempts} attempt${report.attempts === 1 ? "" : "s"})`
    : `NOT verified after ${report.elapsedMs} ms (${report.attempts} attempts)`;
  const writer = report.writer.problems.length > 0 ? `\nwriter: ${report.writer.problems.join("; ")}` : "";
  return `${verdict}${writer}\n${replicas.toString()}\n${pools.toString()}${archiveText(report)}`;
}

/** The writer's archive line and its problems, for a stack that archives WAL. */
function archiveText({ archive }: VerificationReport): string {
  if (!archive) return "";
  return [archive.line ?? "", ...archive.problems]
    .filter((line) => line !== "")
    .map((line) => `\n${line}`)
    .join("");
}

/** `stackArgs`: the --stack/--state-dir/--stacks-dir the user gave, so printed commands act on the same stack. */
export function connectHelp(
  outputs: StackOutputs,
  outputsFile: string,
  stackArgs: string,
  command = "pg-read-replicas",
): string {
  const url = (endpoint: { host: string; port: number }) =>
    `postgresql://${outputs.user}@${endpoint.host}:${endpoint.port}/${outputs.database}`;
  return [
    `Outputs (StackOutputs JSON): ${outputsFile}`,
    `Password: jq -r .password ${outputsFile}`,
    `Connect:   write pool  psql ${url(outputs.pools.write)}`,
    `           read pool   psql ${url(outputs.pools.read)}`,
    ...(outputs.pools.olap ? [`           olap pool   psql ${url(outputs.pools.olap)}`] : []),
    `Client:    eval "$(${command} local env ${stackArgs})"   # DATABASE_PRIMARY_URL, DATABASE_REPLICA_URL${outputs.pools.olap ? ", DATABASE_OLAP_URL" : ""}`,
    `Status:    ${command} local status ${stackArgs}`,
    `Check:     ${command} verify --outputs ${outputsFile}`,
    `Tear down: ${command} local down ${stackArgs}`,
  ].join("\n");
}

export function auroraReportText(report: AuroraCheckReport): string {
  const table = new Table({
    head: ["region", "instance", "role", "status", "AuroraReplicaLag (ms)"],
    style: { head: [], border: [] },
  });
  for (const i of report.instances) table.push([i.region, i.id, i.role, i.status, dash(i.lagMs)]);
  for (const r of report.regions)
    table.push([r.region, `(secondary cluster${r.metric ? `, ${r.metric}` : ""})`, "global", "-", dash(r.lagMs)]);
  for (const t of report.proxyTargets)
    table.push(["(RDS Proxy)", t.id, t.role, t.reason ? `${t.state}: ${t.reason}` : t.state, "-"]);
  return `${report.ok ? "Aurora verified" : "Aurora NOT verified"} after ${report.attempts} attempt(s)\n${table.toString()}`;
}

export function monitoringHelp(url: string, alertsPage: string, monitoringDir: string): string {
  return [
    `Prometheus: ${url} (alerts: ${alertsPage}). Rules, queries file and prometheus.yml are in ${monitoringDir}.`,
    `Grafana: import ${monitoringDir}/dashboard.json, with this Prometheus as its data source.`,
  ].join("\n");
}

export function alertsTable(alerts: readonly FiringAlert[], alertsPage: string): string {
  if (alerts.length === 0) return `Alerts: none pending or firing (${alertsPage}).`;
  const table = new Table({
    head: ["alert", "state", "severity", "since", "summary"],
    style: { head: [], border: [] },
  });
  for (const alert of alerts)
    table.push([alert.name, alert.state, alert.severity, alert.activeAt.replace(/\.\d+Z$/, "Z"), alert.summary]);
  return `Alerts (${alertsPage}):\n${table.toString()}`;
}
