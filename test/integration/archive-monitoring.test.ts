/**
 * Watching the archive on a real PostgreSQL 15 (its own server, archive_mode on, an archive_command that fails or
 * hangs while a file exists): the exporter's pgrr_archiver_* and pgrr_backup_* series scraped by a real Prometheus,
 * the archive alerts' expressions over those scrapes, and the verifier's archive check, through a failure and its
 * recovery, a hang, and a base backup.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { freePorts, LOOPBACK } from "../../components/local/addresses";
import { MONITORING_BINARIES } from "../../components/local/monitoring";
import { alertRules, renderAlertRules } from "../../components/monitoring/alertRules";
import { exporterQueriesFor, renderExporterQueries } from "../../components/monitoring/exporterQueries";
import { renderPrometheusConfig } from "../../components/monitoring/prometheusConfig";
import type { LocalTopology } from "../../components/topology/types";
import { checkArchive } from "../../components/verify/archive";
import { emptyReport } from "../../components/verify/report";
import { localBase, patched } from "../support/configs";
import { buildAs } from "../support/topologies";
import { eventually, external } from "./support";

const BIN = "/usr/lib/postgresql/15/bin";
const TIMEOUT_S = 10;
const SCRAPE_MS = 1000;
const NODE = "arch-primary-0";
const topology: LocalTopology = {
  ...buildAs("local", patched(localBase(), { name: "arch" })),
  backup: {
    tool: "pgbackrest",
    repository: { kind: "posix" },
    schedule: "0 3 * * *",
    retention: { type: "time", days: 7 },
    archiveTimeoutSeconds: TIMEOUT_S,
  },
};
const expr = (alert: string) => {
  const rule = alertRules(topology)
    .flatMap((g) => g.rules)
    .find((r) => "alert" in r && r.alert === alert);
  if (!rule) throw new Error(`no alert ${alert}`);
  return rule.expr;
};

const postgresUser = {
  uid: Number(execFileSync("id", ["-u", "postgres"]).toString()),
  gid: Number(execFileSync("id", ["-g", "postgres"]).toString()),
};
let dir: string;
let port: number;
let prometheus: string;
const children: ChildProcess[] = [];

function asPostgres(command: string, args: string[]): void {
  execFileSync(command, args, { ...postgresUser, stdio: "pipe", cwd: dir });
}

async function sql<T = Record<string, unknown>>(text: string, user = "postgres"): Promise<T[]> {
  const client = new pg.Client({ host: dir, port, user, database: "postgres" });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

async function query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: never[] } };
  if (body.status !== "success") throw new Error(`${promql}: ${body.error}`);
  return body.data!.result;
}

const value = async (promql: string) => {
  const [first] = await query(promql);
  return first === undefined ? undefined : Number(first.value[1]);
};

/** The verifier's archive check against this server, as the stack's application user would run it. */
async function verifierSays() {
  const outputs = {
    backend: "local",
    database: "postgres",
    user: "app",
    password: "app",
    writer: { host: LOOPBACK, port },
    readers: [],
    regions: [],
    backup: { tool: "pgbackrest", archiveTimeoutSeconds: TIMEOUT_S },
  } as unknown as StackOutputs;
  const report = emptyReport(outputs);
  await checkArchive({ outputs, bounds: { timeoutMs: 1, maxLagBytes: 1, maxLagMs: 1 }, poolSamples: 1 }, report);
  return report.archive!;
}

function start(command: string, args: string[], env: Record<string, string> = {}): void {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: "ignore" });
  children.push(child);
}

/** A write and a segment switch: WAL for the archiver to take now. */
const writeAndSwitch = () => sql("INSERT INTO t SELECT generate_series(1, 100); SELECT pg_switch_wal()");

// Boots servers of its own: against a deployed stack (STACK_OUTPUTS) the suite boots nothing.
describe.skipIf(external)("watching the archive on a real server, through Prometheus", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pgrr-archive-"));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "archive"));
    execFileSync("chown", ["-R", "postgres:postgres", dir]);
    port = (await freePorts(1))[0]!;
    const [exporterPort, prometheusPort] = await freePorts(2);
    asPostgres(`${BIN}/initdb`, ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres"]);
    // cp, unless `fail` exists (exit 1) or while `hang` exists (it waits): the two ways an archive stops.
    const archive = `while test -f ${dir}/hang; do sleep 0.2; done; test ! -f ${dir}/fail && cp %p ${dir}/archive/%f`;
    writeFileSync(
      join(dir, "data", "postgresql.auto.conf"),
      [
        `port = ${port}`,
        `listen_addresses = '${LOOPBACK}'`,
        `unix_socket_directories = '${dir}'`,
        "archive_mode = on",
        `archive_command = '${archive}'`,
        `archive_timeout = ${TIMEOUT_S}`,
      ].join("\n") + "\n",
    );
    asPostgres(`${BIN}/pg_ctl`, ["-D", join(dir, "data"), "-l", join(dir, "log"), "-w", "start"]);
    await sql(
      "CREATE ROLE mon LOGIN PASSWORD 'mon' IN ROLE pg_monitor; CREATE ROLE app LOGIN PASSWORD 'app' IN ROLE pg_monitor; CREATE TABLE t (x int)",
    );
    writeFileSync(join(dir, "queries.yaml"), renderExporterQueries(exporterQueriesFor(topology)));
    writeFileSync(join(dir, "rules.yml"), renderAlertRules(topology));
    const labels = { pgrr_cluster: topology.name, role: "primary", pg_node: NODE, region: topology.region };
    writeFileSync(
      join(dir, "prometheus.yml"),
      renderPrometheusConfig({
        scrapeIntervalMs: SCRAPE_MS,
        rulesFile: join(dir, "rules.yml"),
        postgres: [{ endpoint: { host: LOOPBACK, port: exporterPort! }, labels }],
        pgbouncer: [],
      }),
    );
    start(
      MONITORING_BINARIES.postgresExporter,
      [`--web.listen-address=${LOOPBACK}:${exporterPort}`, "--log.level=warn"],
      {
        DATA_SOURCE_URI: `${LOOPBACK}:${port}/postgres?sslmode=disable`,
        DATA_SOURCE_USER: "mon",
        DATA_SOURCE_PASS: "mon",
        PG_EXPORTER_EXTEND_QUERY_PATH: join(dir, "queries.yaml"),
      },
    );
    start(MONITORING_BINARIES.prometheus, [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "prometheus-data")}`,
      `--web.listen-address=${LOOPBACK}:${prometheusPort}`,
      "--log.level=warn",
    ]);
    prometheus = `http://${LOOPBACK}:${prometheusPort}`;
    await writeAndSwitch();
    await eventually("the first archived segment, scraped", 60_000, async () =>
      ((await value(`pgrr_archiver_archived_count{pg_node="${NODE}"}`)) ?? 0) > 0 ? true : undefined,
    );
  });

  afterAll(async () => {
    for (const child of children) child.kill("SIGTERM");
    try {
      asPostgres(`${BIN}/pg_ctl`, ["-D", join(dir, "data"), "-m", "immediate", "stop"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("scrapes the archive's series from the writer, and the verifier finds nothing wrong", async () => {
    for (const metric of [
      "enabled",
      "timeout_seconds",
      "failed_count",
      "failing",
      "ready_segments",
      "unarchived_from_bytes",
    ])
      expect(await value(`pgrr_archiver_${metric}{pg_node="${NODE}"}`), metric).toBeDefined();
    expect(await value(`pgrr_archiver_timeout_seconds{pg_node="${NODE}"}`)).toBe(TIMEOUT_S);
    expect(await value(`pgrr_backup_newest_end_time_seconds{pg_node="${NODE}"}`)).toBe(0);
    const archive = await verifierSays();
    expect(archive.problems).toEqual([]);
    expect(archive.line).toMatch(
      /^archive on \(timeout 10s\): last archived [0-9A-F]{24} \d+s ago; \d+ archived, no failures$/,
    );
  });

  it("fires PgArchiveFailing's expression while archive_command fails, and clears it once a retry succeeds", async () => {
    execFileSync("touch", [join(dir, "fail")]);
    await writeAndSwitch();
    const failing = expr("PgArchiveFailing");
    await eventually("PgArchiveFailing's expression over real scrapes", 30_000, async () =>
      (await query(failing)).length > 0 ? true : undefined,
    );
    const archive = await verifierSays();
    expect(archive.state?.failing).toBe(true);
    expect(archive.problems.join(" ")).toContain("archive_command is failing");
    expect(archive.line).toContain("FAILING");
    rmSync(join(dir, "fail"));
    // A new segment wakes the archiver, which retries the failed one first.
    await writeAndSwitch();
    await eventually("PgArchiveFailing's expression clear", 30_000, async () =>
      (await query(failing)).length === 0 ? true : undefined,
    );
    const after = await verifierSays();
    expect(after.problems).toEqual([]);
    expect(after.state?.failedCount).toBeGreaterThan(0);
  });

  it("fires PgArchiveBehind's expression once written WAL waits past archive_timeout plus the margin, and not before", async () => {
    const behind = expr("PgArchiveBehind");
    // The writer has been idle since the last test but for its own records: nothing is behind.
    expect(await query(behind)).toEqual([]);
    execFileSync("touch", [join(dir, "hang")]);
    try {
      // The segment is switched here rather than left to archive_timeout: right after a server's start its
      // checkpointer was seen to make the first forced switch minutes late (README, watching it).
      await writeAndSwitch();
      const wrote = Date.now();
      // archive_command hangs on the switched segment.
      await eventually("a segment waiting", 30_000, async () =>
        ((await value(`pgrr_archiver_ready_segments{pg_node="${NODE}"}`)) ?? 0) > 0 ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wrote + 45_000 - Date.now())));
      expect(await query(behind), "behind before archive_timeout + margin").toEqual([]);
      await eventually("PgArchiveBehind's expression", 60_000, async () =>
        (await query(behind)).length > 0 ? true : undefined,
      );
      console.log(
        `archive monitoring: PgArchiveBehind's expression true ${Date.now() - wrote} ms after the write (archive_timeout ${TIMEOUT_S}s + 60s)`,
      );
      expect((await verifierSays()).problems.join(" ")).toContain("wait for the archive");
    } finally {
      rmSync(join(dir, "hang"), { force: true });
    }
    await eventually("PgArchiveBehind's expression clear", 30_000, async () =>
      (await query(behind)).length === 0 ? true : undefined,
    );
  });

  it("reads a base backup's end from the writer's pg_wal, so PgBaseBackupTooOld stays silent", async () => {
    asPostgres("/usr/bin/pg_basebackup", [
      "-h",
      dir,
      "-p",
      String(port),
      "-U",
      "postgres",
      "-D",
      join(dir, "base"),
      "-X",
      "none",
      "-c",
      "fast",
    ]);
    const ended = Date.now() / 1000;
    await eventually("the backup's end scraped", 30_000, async () =>
      ((await value(`pgrr_backup_newest_end_time_seconds{pg_node="${NODE}"}`)) ?? 0) > 0 ? true : undefined,
    );
    expect(Math.abs((await value(`pgrr_backup_newest_end_time_seconds{pg_node="${NODE}"}`))! - ended)).toBeLessThan(30);
    expect(await query(expr("PgBaseBackupTooOld"))).toEqual([]);
    expect((await verifierSays()).line).toMatch(
      /newest base backup ended \d+s ago \([0-9A-F]{24}\.[0-9A-F]{8}\.backup\)/,
    );
  });
});
