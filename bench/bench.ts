/**
 * npm run bench: figures for the local backend, each beside a bare baseline
 * measured in the same run (plain initdb + pg_basebackup, PostgreSQL defaults,
 * no pooler), because absolute times on a shared machine drift.
 *
 *   1. time from `local up` to verified streaming (primary, 2 replicas, OLAP, 3 pools)
 *   2. replay lag p50/p99/max per replica under fixed-rate pgbench writes (write pool)
 *   3. select-only TPS with the same clients: directly on one replica; through PgBouncer
 *      alone in front of that replica; through the product's read pool (PgBouncer over
 *      the ready replicas' host list); directly on a bare baseline replica
 *
 * BENCH_SECONDS (default 30) and BENCH_RATES (default 200,1000) tune the load.
 * Prints a table and writes bench-results/bench-<timestamp>.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Table from "cli-table3";
import pg from "pg";
import { findBinaries } from "../components/local/binaries";
import { run } from "../components/local/exec";
import { ensureDir } from "../components/local/files";
import { type RunAs, resolveRunAs } from "../components/local/identity";
import { freePorts } from "../components/local/addresses";
import { LocalRunner } from "../components/local/runner";
import { poolContext } from "../components/local/contexts";
import { startPool, stopPool, writePoolFiles } from "../components/local/pgbouncerProcess";
import { waitForListener } from "../components/local/readiness";
import { topologyFromPulumiConfig } from "../components/topology/load";
import { readStackConfig } from "../components/config/stackFile";
import { DEFAULT_STACKS_DIR } from "../components/paths";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATES = (process.env.BENCH_RATES ?? "200,1000").split(",").map(Number);
const CLIENTS = 8;

interface Target {
  label: string;
  /** For pgbench and the lag sampler. */
  connection: { host: string; port: number; user: string; password?: string; database: string };
  writePath: { host: string; port: number };
  readPath: { host: string; port: number };
  /** PgBouncer alone (the product's read-pool settings) in front of oneReplica; undefined for the bare baseline. */
  pgbouncerAlone?: { host: string; port: number };
  oneReplica: { host: string; port: number };
  replicas: string[];
}

interface LagStats {
  p50Bytes: number;
  p99Bytes: number;
  maxBytes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function pgbench(pgBin: string, runAs: RunAs, target: Target, endpoint: { host: string; port: number }, args: string[]): Promise<{ tps: number; output: string }> {
  const { stdout } = await run(
    join(pgBin, "pgbench"),
    ["-h", endpoint.host, "-p", String(endpoint.port), "-U", target.connection.user, ...args, target.connection.database],
    { runAs, env: { PGPASSWORD: target.connection.password ?? "" }, timeoutMs: (SECONDS + 120) * 1000 },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? "0");
  return { tps, output: stdout };
}

/** Samples every replica's replay lag on the writer every 100 ms while `load` runs. */
async function lagUnderLoad(target: Target, load: () => Promise<unknown>): Promise<Record<string, LagStats>> {
  const client = new pg.Client({ ...target.connection, host: target.connection.host, port: target.connection.port });
  await client.connect();
  const samples = new Map<string, { bytes: number[]; ms: number[] }>(target.replicas.map((r) => [r, { bytes: [], ms: [] }]));
  let running = true;
  const sampler = (async () => {
    while (running) {
      const { rows } = await client.query(
        "SELECT application_name, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS bytes, coalesce(extract(epoch FROM replay_lag) * 1000, 0)::float AS ms FROM pg_stat_replication",
      );
      for (const row of rows) {
        const entry = samples.get(row.application_name);
        if (entry) {
          entry.bytes.push(Number(row.bytes));
          entry.ms.push(Number(row.ms));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    await load();
  } finally {
    running = false;
    await sampler;
    await client.end();
  }
  return Object.fromEntries(
    [...samples].map(([name, { bytes, ms }]) => [
      name,
      { p50Bytes: percentile(bytes, 50), p99Bytes: percentile(bytes, 99), maxBytes: Math.max(0, ...bytes), p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: Math.max(0, ...ms) },
    ]),
  );
}

/** Primary + 3 replicas the way the guides do it: initdb, pg_basebackup -R, defaults, no pooler. */
async function bareBaseline(pgBin: string, runAs: RunAs, root: string): Promise<{ target: Target; upMs: number; stop: () => Promise<void> }> {
  ensureDir(root, runAs, 0o755);
  const names = ["bare-primary", "bare-replica-0", "bare-replica-1", "bare-replica-2"];
  const ports = await freePorts(names.length);
  const started = Date.now();
  const data = (name: string) => join(root, name);
  const pgctl = (name: string, port: number) =>
    run(join(pgBin, "pg_ctl"), ["-D", data(name), "-l", join(root, `${name}.log`), "-o", `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c cluster_name=${name}`, "-w", "start"], { runAs });
  await run(join(pgBin, "initdb"), ["-D", data(names[0]!), "-U", "postgres"], { runAs });
  await pgctl(names[0]!, ports[0]!);
  for (const [index, name] of names.slice(1).entries()) {
    await run(join(pgBin, "pg_basebackup"), ["-h", "127.0.0.1", "-p", String(ports[0]), "-U", "postgres", "-D", data(name), "-R", "-X", "stream", `--checkpoint=fast`], { runAs });
    // pg_basebackup -R sets no application_name; name each stream so lag can be read per replica.
    await run("sh", ["-c", `sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=${name} /" ${data(name)}/postgresql.auto.conf`], { runAs });
    await pgctl(name, ports[index + 1]!);
  }
  const connection = { host: "127.0.0.1", port: ports[0]!, user: "postgres", database: "postgres" };
  const client = new pg.Client(connection);
  await client.connect();
  while ((await client.query("SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'")).rows[0].n < 3) await new Promise((r) => setTimeout(r, 50));
  await client.end();
  const upMs = Date.now() - started;
  return {
    upMs,
    target: {
      label: "bare",
      connection,
      writePath: { host: "127.0.0.1", port: ports[0]! },
      readPath: { host: "127.0.0.1", port: ports[1]! },
      oneReplica: { host: "127.0.0.1", port: ports[1]! },
      replicas: names.slice(1),
    },
    stop: async () => {
      for (const name of [...names].reverse()) await run(join(pgBin, "pg_ctl"), ["-D", data(name), "-m", "fast", "stop"], { runAs }).catch(() => undefined);
    },
  };
}

/** Waits until every replica has replayed everything (the load must not start on a backlog). */
async function caughtUp(target: Target): Promise<void> {
  const client = new pg.Client(target.connection);
  await client.connect();
  try {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const { rows } = await client.query("SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint AS behind, count(*)::int AS n FROM pg_stat_replication");
      if (Number(rows[0].behind) === 0 && rows[0].n === target.replicas.length) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${target.label}: replicas did not catch up within 120s`);
  } finally {
    await client.end();
  }
}

async function measure(pgBin: string, runAs: RunAs, target: Target) {
  await pgbench(pgBin, runAs, target, target.connection, ["-i", "-s", "10", "-q"]);
  const lag: Record<number, { tps: number; replicas: Record<string, LagStats> }> = {};
  for (const rate of RATES) {
    await caughtUp(target);
    let tps = 0;
    const replicas = await lagUnderLoad(target, async () => {
      tps = (await pgbench(pgBin, runAs, target, target.writePath, ["-c", String(CLIENTS), "-j", "2", "-R", String(rate), "-T", String(SECONDS), "-n"])).tps;
    });
    lag[rate] = { tps, replicas };
  }
  const selectArgs = ["-S", "-n", "-c", String(CLIENTS), "-j", "2", "-T", String(Math.max(10, Math.floor(SECONDS / 2)))];
  const throughRead = (await pgbench(pgBin, runAs, target, target.readPath, selectArgs)).tps;
  const direct = (await pgbench(pgBin, runAs, target, target.oneReplica, selectArgs)).tps;
  const alone = target.pgbouncerAlone ? (await pgbench(pgBin, runAs, target, target.pgbouncerAlone, selectArgs)).tps : undefined;
  return { lag, select: { throughReadPath: throughRead, directOnOneReplica: direct, ...(alone !== undefined ? { pgbouncerAloneOnOneReplica: alone } : {}) } };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "pgrr-bench-"));
  chmodSync(root, 0o755);
  const runAs = resolveRunAs();
  const { topology } = topologyFromPulumiConfig(readStackConfig(DEFAULT_STACKS_DIR, "local"));
  const { pgBin } = findBinaries(topology.postgresVersion);
  const runner = new LocalRunner("bench", join(root, "product"));
  let baseline: Awaited<ReturnType<typeof bareBaseline>> | undefined;
  let alone: Awaited<ReturnType<typeof pgbouncerAlone>> | undefined;
  try {
    process.stderr.write("bench: local up (product)...\n");
    const upStarted = Date.now();
    const { outputs } = await runner.up(topology);
    const productUpMs = Date.now() - upStarted;
    process.stderr.write("bench: bare baseline...\n");
    baseline = await bareBaseline(pgBin, runAs, join(root, "bare"));
    const oneReplica = { host: outputs.readers[0]!.host, port: outputs.readers[0]!.port };
    alone = await pgbouncerAlone(runner, oneReplica);
    const product: Target = {
      label: "product",
      connection: { ...outputs.writer, user: outputs.user, password: outputs.password, database: outputs.database },
      writePath: outputs.pools.write,
      readPath: outputs.pools.read,
      pgbouncerAlone: alone.endpoint,
      oneReplica,
      replicas: outputs.readers.map((r) => r.name),
    };
    process.stderr.write(`bench: load on the product (${RATES.join(", ")} TPS, ${SECONDS}s each)...\n`);
    const productFigures = await measure(pgBin, runAs, product);
    process.stderr.write("bench: load on the baseline...\n");
    const bareFigures = await measure(pgBin, runAs, baseline.target);
    const result = {
      when: new Date().toISOString(),
      machine: { cpus: (await import("node:os")).cpus().length },
      settings: { seconds: SECONDS, rates: RATES, clients: CLIENTS, pgbenchScale: 10 },
      upToVerifiedMs: { product: productUpMs, bare: baseline.upMs, ratio: productUpMs / baseline.upMs },
      product: productFigures,
      bare: bareFigures,
    };
    print(result);
    mkdirSync("bench-results", { recursive: true });
    const file = join("bench-results", `bench-${result.when.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nJSON: ${file}`);
  } finally {
    await alone?.stop();
    await runner.down().catch(() => undefined);
    await baseline?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * PgBouncer alone in front of one replica, with the product's read-pool settings (the same
 * rendered ini, the target one replica instead of the host list): what the read pool costs on top.
 */
async function pgbouncerAlone(runner: LocalRunner, replica: { host: string; port: number }) {
  const state = runner.state()!;
  const [port] = await freePorts(1);
  const endpoint = { host: "127.0.0.1", port: port! };
  const pool = { ...state.topology.pools.read, service: "bench-pgbouncer-alone" };
  const ctx = poolContext(runner.layout, state);
  writePoolFiles(ctx, pool, endpoint, replica);
  const pid = startPool(ctx, pool);
  await waitForListener(endpoint, pid, "PgBouncer alone", runner.layout.log(pool.service));
  return { endpoint, stop: () => stopPool(pid) };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

function print(result: {
  upToVerifiedMs: { product: number; bare: number; ratio: number };
  product: Awaited<ReturnType<typeof measure>>;
  bare: Awaited<ReturnType<typeof measure>>;
}): void {
  const up = new Table({ head: ["figure", "product", "bare baseline", "ratio"], style: { head: [], border: [] } });
  up.push(["local up → verified streaming (ms)", fmt(result.upToVerifiedMs.product), fmt(result.upToVerifiedMs.bare), fmt(result.upToVerifiedMs.ratio, 2)]);
  const { product, bare } = result;
  up.push([
    "select-only TPS, read pool (product) / replica (bare)",
    fmt(product.select.throughReadPath),
    fmt(bare.select.throughReadPath),
    fmt(product.select.throughReadPath / bare.select.throughReadPath, 2),
  ]);
  up.push(["select-only TPS, directly on one replica", fmt(product.select.directOnOneReplica), fmt(bare.select.directOnOneReplica), fmt(product.select.directOnOneReplica / bare.select.directOnOneReplica, 2)]);
  up.push(["pooler overhead: read pool TPS / direct TPS", fmt(product.select.throughReadPath / product.select.directOnOneReplica, 2), "-", "-"]);
  const alone = product.select.pgbouncerAloneOnOneReplica ?? 0;
  up.push(["select-only TPS, PgBouncer alone in front of one replica", fmt(alone), "-", fmt(alone / product.select.directOnOneReplica, 2)]);
  up.push(["read pool TPS / PgBouncer-alone TPS (goal ≥ 0.9)", fmt(product.select.throughReadPath / alone, 2), "-", "-"]);
  console.log(up.toString());
  const lag = new Table({
    head: ["rate", "replica", "achieved TPS", "lag p50/p99/max (bytes)", "lag p50/p99/max (ms)", "bare p99 bytes", "bare p99 ms"],
    style: { head: [], border: [] },
  });
  for (const rate of RATES) {
    const p = product.lag[rate]!;
    const b = bare.lag[rate]!;
    const bareP99Bytes = Math.max(...Object.values(b.replicas).map((s) => s.p99Bytes));
    const bareP99Ms = Math.max(...Object.values(b.replicas).map((s) => s.p99Ms));
    for (const [name, s] of Object.entries(p.replicas)) {
      lag.push([
        `${rate}/s`,
        name,
        `${fmt(p.tps)} (bare ${fmt(b.tps)})`,
        `${s.p50Bytes} / ${s.p99Bytes} / ${s.maxBytes}`,
        `${fmt(s.p50Ms, 1)} / ${fmt(s.p99Ms, 1)} / ${fmt(s.maxMs, 1)}`,
        String(bareP99Bytes),
        fmt(bareP99Ms, 1),
      ]);
    }
  }
  console.log(lag.toString());
  const ratios = new Table({ head: ["goal", "figure", "ratio"], style: { head: [], border: [] } });
  ratios.push(["≥ 0.9", "read pool TPS / PgBouncer-alone TPS", fmt(product.select.throughReadPath / alone, 2)]);
  ratios.push(["≤ 1.5", "up → verified, product / bare", fmt(result.upToVerifiedMs.ratio, 2)]);
  for (const rate of RATES) {
    const worst = (figures: typeof product) => Math.max(...Object.values(figures.lag[rate]!.replicas).map((s) => s.p99Ms));
    ratios.push([rate === Math.max(...RATES) ? "≤ 1.3" : "-", `replay lag p99 (ms) at ${rate}/s, worst replica, product / bare`, fmt(worst(product) / Math.max(worst(bare), 0.001), 2)]);
  }
  console.log(ratios.toString());
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
