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
 * BENCH_IDLE_SECONDS (default 10) is how long the stack's idle footprint is measured.
 * BENCH_SECONDS (default 30), BENCH_RATES (default 200,1000) and BENCH_ROUNDS (default 3) tune
 * the load; every figure is the median of its rounds, product and bare alternating.
 * Prints a table and writes bench-results/bench-<timestamp>.json.
 */
import { ensureDaemonBundle } from "../components/local/daemonBundle";
import { daemonCodeDigest } from "../components/local/daemonCode";
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
import { timedSteps, timingsText } from "../components/local/stepTimings";
import { type Footprint, measureFootprint, stackProcesses } from "../components/local/footprint";
import { poolContext, poolTarget } from "../components/local/contexts";
import { startPool, stopPool, writePoolFiles } from "../components/local/pgbouncerProcess";
import { waitForListener } from "../components/local/readiness";
import { topologyFromPulumiConfig } from "../components/pipeline/loadTopology";
import { readStackConfig } from "../components/config/stackFile";
import { DEFAULT_STACKS_DIR } from "../components/ground/paths";
import type { Topology } from "../components/topology/types";
import { type MachineLoad, loadText, sampleMachineLoad } from "./machineLoad";
import { type Goal, type RatioStats, goalText, ratioStats, verdict } from "./ratios";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATES = (process.env.BENCH_RATES ?? "200,1000").split(",").map(Number);
const CLIENTS = 8;
/** Each figure is measured this many times, product and bare alternating, and the median reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LAG_SAMPLE_MS = 25;

interface Target {
  label: string;
  /** For pgbench and the lag sampler. */
  connection: { host: string; port: number; user: string; password?: string; database: string };
  writePath: { host: string; port: number };
  readPath: { host: string; port: number };
  /** PgBouncer alone (the product's read-pool settings) in front of oneReplica; undefined for the bare baseline. */
  pgbouncerAlone?: { host: string; port: number };
  /**
   * PgBouncer alone in front of the read pool's own replicas (its host list), without the controller or the exporter:
   * what the product adds to the same topology. Undefined for the bare baseline.
   */
  pgbouncerAloneOverReplicas?: { host: string; port: number };
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

async function pgbench(
  pgBin: string,
  runAs: RunAs,
  target: Target,
  endpoint: { host: string; port: number },
  args: string[],
): Promise<{ tps: number; output: string }> {
  const { stdout } = await run(
    join(pgBin, "pgbench"),
    [
      "-h",
      endpoint.host,
      "-p",
      String(endpoint.port),
      "-U",
      target.connection.user,
      ...args,
      target.connection.database,
    ],
    { runAs, env: { PGPASSWORD: target.connection.password ?? "" }, timeoutMs: (SECONDS + 120) * 1000 },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? "0");
  return { tps, output: stdout };
}

/** Samples every replica's replay lag on the writer every LAG_SAMPLE_MS while `load` runs. */
async function lagUnderLoad(target: Target, load: () => Promise<unknown>): Promise<Record<string, LagStats>> {
  const client = new pg.Client({ ...target.connection, host: target.connection.host, port: target.connection.port });
  await client.connect();
  const samples = new Map<string, { bytes: number[]; ms: number[] }>(
    target.replicas.map((r) => [r, { bytes: [], ms: [] }]),
  );
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
      await new Promise((resolve) => setTimeout(resolve, LAG_SAMPLE_MS));
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
      {
        p50Bytes: percentile(bytes, 50),
        p99Bytes: percentile(bytes, 99),
        maxBytes: Math.max(0, ...bytes),
        p50Ms: percentile(ms, 50),
        p99Ms: percentile(ms, 99),
        maxMs: Math.max(0, ...ms),
      },
    ]),
  );
}

/** Primary + 3 replicas the way the guides do it: initdb, pg_basebackup -R, defaults, no pooler. */
async function bareBaseline(
  pgBin: string,
  runAs: RunAs,
  root: string,
): Promise<{ target: Target; upMs: number; stop: () => Promise<void> }> {
  ensureDir(root, runAs, 0o755);
  const names = ["bare-primary", "bare-replica-0", "bare-replica-1", "bare-replica-2"];
  const ports = await freePorts(names.length);
  const started = Date.now();
  const data = (name: string) => join(root, name);
  const pgctl = (name: string, port: number) =>
    run(
      join(pgBin, "pg_ctl"),
      [
        "-D",
        data(name),
        "-l",
        join(root, `${name}.log`),
        "-o",
        `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c cluster_name=${name}`,
        "-w",
        "start",
      ],
      { runAs },
    );
  await run(join(pgBin, "initdb"), ["-D", data(names[0]!), "-U", "postgres"], { runAs });
  await pgctl(names[0]!, ports[0]!);
  for (const [index, name] of names.slice(1).entries()) {
    await run(
      join(pgBin, "pg_basebackup"),
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(ports[0]),
        "-U",
        "postgres",
        "-D",
        data(name),
        "-R",
        "-X",
        "stream",
        `--checkpoint=fast`,
      ],
      { runAs },
    );
    // pg_basebackup -R sets no application_name; name each stream so lag can be read per replica.
    await run(
      "sh",
      [
        "-c",
        `sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=${name} /" ${data(name)}/postgresql.auto.conf`,
      ],
      { runAs },
    );
    await pgctl(name, ports[index + 1]!);
  }
  const connection = { host: "127.0.0.1", port: ports[0]!, user: "postgres", database: "postgres" };
  const client = new pg.Client(connection);
  await client.connect();
  while (
    (await client.query("SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'")).rows[0].n < 3
  )
    await new Promise((r) => setTimeout(r, 50));
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
      for (const name of [...names].reverse())
        await run(join(pgBin, "pg_ctl"), ["-D", data(name), "-m", "fast", "stop"], { runAs }).catch(() => undefined);
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
      const { rows } = await client.query(
        "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint AS behind, count(*)::int AS n FROM pg_stat_replication",
      );
      if (Number(rows[0].behind) === 0 && rows[0].n === target.replicas.length) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${target.label}: replicas did not catch up within 120s`);
  } finally {
    await client.end();
  }
}

type LagRun = { tps: number; replicas: Record<string, LagStats> };
const worstP99Ms = (run: LagRun) => Math.max(...Object.values(run.replicas).map((s) => s.p99Ms));

/** One fixed-rate write run with the replicas' lag sampled throughout. */
async function lagRun(pgBin: string, runAs: RunAs, target: Target, rate: number): Promise<LagRun> {
  await caughtUp(target);
  let tps = 0;
  const replicas = await lagUnderLoad(target, async () => {
    tps = (
      await pgbench(pgBin, runAs, target, target.writePath, [
        "-c",
        String(CLIENTS),
        "-j",
        "2",
        "-R",
        String(rate),
        "-T",
        String(SECONDS),
        "-n",
      ])
    ).tps;
  });
  return { tps, replicas };
}

/** Interleaved rounds, median of each: on a shared 2-core machine one run alone drifts by ±10%. */
async function selects(pgBin: string, runAs: RunAs, target: Target) {
  const selectArgs = ["-S", "-n", "-c", String(CLIENTS), "-j", "2", "-T", String(Math.max(5, Math.floor(SECONDS / 4)))];
  const paths = {
    throughReadPath: target.readPath,
    directOnOneReplica: target.oneReplica,
    ...(target.pgbouncerAlone ? { pgbouncerAloneOnOneReplica: target.pgbouncerAlone } : {}),
    ...(target.pgbouncerAloneOverReplicas ? { pgbouncerAloneOverReplicas: target.pgbouncerAloneOverReplicas } : {}),
  };
  const runs: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, endpoint] of Object.entries(paths))
      (runs[name] ??= []).push((await pgbench(pgBin, runAs, target, endpoint, selectArgs)).tps);
  }
  return {
    throughReadPath: median(runs.throughReadPath),
    directOnOneReplica: median(runs.directOnOneReplica),
    ...(runs.pgbouncerAloneOnOneReplica ? { pgbouncerAloneOnOneReplica: median(runs.pgbouncerAloneOnOneReplica) } : {}),
    ...(runs.pgbouncerAloneOverReplicas ? { pgbouncerAloneOverReplicas: median(runs.pgbouncerAloneOverReplicas) } : {}),
    rounds: runs,
  };
}

const median = (values: number[] = []) => percentile(values, 50);

/** How long the idle footprint is measured (BENCH_IDLE_SECONDS, default 10). */
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
/**
 * How long the stack runs before its idle footprint is measured (BENCH_IDLE_SETTLE_SECONDS, default 15): right after
 * `up` the daemons still hold what starting took (the read pool controller ~77 MB in its first seconds, ~67 MB from
 * ten seconds on), and a stack at idle is one that has been running.
 */
const IDLE_SETTLE_SECONDS = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 15);

/** Goal (issue 27): the whole stack at idle ≤ 250 MB RSS and ≤ 3% of one core beyond PostgreSQL. */
function idleText(idle: Footprint): string {
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  return [
    `idle footprint beyond PostgreSQL over ${IDLE_SECONDS} s: ${mb(idle.rssBytes)} MB RSS (goal ≤ 250), ${idle.cpuPercentOfOneCore.toFixed(1)}% of one core (goal ≤ 3)`,
    ...idle.processes.map(
      (p) =>
        `  ${p.name.padEnd(28)} ${mb(p.rssBytes).padStart(5)} MB  ${p.cpuPercentOfOneCore.toFixed(1).padStart(5)}%`,
    ),
  ].join("\n");
}

/** `local up` to verified, and the bare baseline to streaming, alternately ROUNDS times each (both torn down after). */
async function upTimes(pgBin: string, runAs: RunAs, root: string, topology: Topology) {
  const product: number[] = [];
  const bare: number[] = [];
  const stepMs = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const runner = new LocalRunner("bench-up", join(root, `up-${round}`));
    const timed = timedSteps();
    const started = Date.now();
    await runner.up(topology, timed.onStep);
    product.push(Date.now() - started);
    for (const { title, ms } of timed.timings) stepMs.set(title, [...(stepMs.get(title) ?? []), ms]);
    await runner.down();
    const baseline = await bareBaseline(pgBin, runAs, join(root, `bare-up-${round}`));
    bare.push(baseline.upMs);
    await baseline.stop();
    rmSync(join(root, `bare-up-${round}`), { recursive: true, force: true });
  }
  return {
    product: median(product),
    bare: median(bare),
    ratio: median(product) / median(bare),
    rounds: { product, bare },
    // Each step of the product's up, median of the rounds (as `local up --timings` prints one up's).
    steps: [...stepMs].map(([title, values]) => ({ title, ms: median(values) })),
  };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "pgrr-bench-"));
  chmodSync(root, 0o755);
  const runAs = resolveRunAs();
  const { topology } = topologyFromPulumiConfig(readStackConfig(DEFAULT_STACKS_DIR, "local"));
  const { pgBin } = findBinaries(topology.postgresVersion);
  const runner = new LocalRunner("bench", join(root, "product"));
  const load = sampleMachineLoad();
  let baseline: Awaited<ReturnType<typeof bareBaseline>> | undefined;
  let alone: Awaited<ReturnType<typeof pgbouncerAlone>> | undefined;
  let aloneOverReplicas: Awaited<ReturnType<typeof pgbouncerAlone>> | undefined;
  try {
    // The daemons' bundle is built by the first up after the code changes, once per checkout: not part of an up.
    ensureDaemonBundle(daemonCodeDigest());
    process.stderr.write(`bench: local up → verified vs bare, ${ROUNDS} rounds each...\n`);
    const upToVerifiedMs = await upTimes(pgBin, runAs, root, topology);
    process.stderr.write("bench: product and bare baseline side by side...\n");
    const { outputs } = await runner.up(topology);
    process.stderr.write(
      `bench: the stack's idle footprint beyond PostgreSQL (${IDLE_SECONDS} s, after ${IDLE_SETTLE_SECONDS} s running)...\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_SECONDS * 1000));
    const idle = await measureFootprint(stackProcesses(runner.state()!), IDLE_SECONDS * 1000);
    baseline = await bareBaseline(pgBin, runAs, join(root, "bare"));
    const oneReplica = { host: outputs.readers[0]!.host, port: outputs.readers[0]!.port };
    alone = await pgbouncerAlone(runner, oneReplica, "bench-pgbouncer-alone");
    const state = runner.state()!;
    aloneOverReplicas = await pgbouncerAlone(
      runner,
      poolTarget(state, state.topology.pools.read),
      "bench-pgbouncer-alone-replicas",
    );
    const product: Target = {
      label: "product",
      connection: { ...outputs.writer, user: outputs.user, password: outputs.password, database: outputs.database },
      writePath: outputs.pools.write,
      readPath: outputs.pools.read,
      pgbouncerAlone: alone.endpoint,
      pgbouncerAloneOverReplicas: aloneOverReplicas.endpoint,
      oneReplica,
      replicas: outputs.readers.map((r) => r.name),
    };
    for (const target of [product, baseline.target])
      await pgbench(pgBin, runAs, target, target.connection, ["-i", "-s", "10", "-q"]);
    const lag: Record<number, { product: LagRun[]; bare: LagRun[] }> = {};
    for (const rate of RATES) {
      lag[rate] = { product: [], bare: [] };
      for (let round = 0; round < ROUNDS; round++) {
        process.stderr.write(
          `bench: ${rate}/s writes for ${SECONDS}s, round ${round + 1} of ${ROUNDS} (product, then bare)...\n`,
        );
        lag[rate]!.product.push(await lagRun(pgBin, runAs, product, rate));
        lag[rate]!.bare.push(await lagRun(pgBin, runAs, baseline.target, rate));
      }
    }
    process.stderr.write("bench: select-only TPS...\n");
    const select = {
      product: await selects(pgBin, runAs, product),
      bare: await selects(pgBin, runAs, baseline.target),
    };
    const result = {
      when: new Date().toISOString(),
      machine: { cpus: (await import("node:os")).cpus().length },
      settings: { seconds: SECONDS, rates: RATES, clients: CLIENTS, pgbenchScale: 10, rounds: ROUNDS },
      upToVerifiedMs,
      idle,
      lag,
      select,
      load: load.stop(),
    };
    const goals = goalRows(result);
    print(result);
    printGoals(goals, result.load);
    process.stdout.write(`${idleText(idle)}\n`);
    process.stdout.write(
      `local up, step by step (median of ${ROUNDS} rounds):\n${timingsText(upToVerifiedMs.steps)}\n`,
    );
    mkdirSync("bench-results", { recursive: true });
    const file = join("bench-results", `bench-${result.when.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify({ ...result, goals }, null, 2)}\n`);
    console.log(`\nJSON: ${file}`);
  } finally {
    await alone?.stop();
    await aloneOverReplicas?.stop();
    await runner.down().catch(() => undefined);
    await baseline?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * PgBouncer alone in front of one replica, with the product's read-pool settings (the same
 * rendered ini, the target one replica instead of the host list): what the read pool costs on top.
 */
async function pgbouncerAlone(runner: LocalRunner, replica: { host: string; port: number }, service: string) {
  const state = runner.state()!;
  const [port] = await freePorts(1);
  const endpoint = { host: "127.0.0.1", port: port! };
  const pool = { ...state.topology.pools.read, service };
  const ctx = poolContext(runner.layout, state);
  writePoolFiles(ctx, pool, endpoint, replica);
  const pid = startPool(ctx, pool);
  await waitForListener(endpoint, pid, "PgBouncer alone", runner.layout.log(pool.service));
  return { endpoint, stop: () => stopPool(pid) };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

function print(result: {
  upToVerifiedMs: { product: number; bare: number; ratio: number };
  lag: Record<number, { product: LagRun[]; bare: LagRun[] }>;
  select: { product: Awaited<ReturnType<typeof selects>>; bare: Awaited<ReturnType<typeof selects>> };
}): void {
  const { product, bare } = result.select;
  const alone = product.pgbouncerAloneOnOneReplica ?? 0;
  const figures = new Table({
    head: ["figure (median of rounds)", "product", "bare baseline", "ratio"],
    style: { head: [], border: [] },
  });
  figures.push([
    "local up → verified streaming (ms)",
    fmt(result.upToVerifiedMs.product),
    fmt(result.upToVerifiedMs.bare),
    fmt(result.upToVerifiedMs.ratio, 2),
  ]);
  figures.push([
    "select-only TPS, directly on one replica",
    fmt(product.directOnOneReplica),
    fmt(bare.directOnOneReplica),
    fmt(product.directOnOneReplica / bare.directOnOneReplica, 2),
  ]);
  figures.push([
    "select-only TPS, PgBouncer alone in front of one replica",
    fmt(alone),
    "-",
    fmt(alone / product.directOnOneReplica, 2),
  ]);
  figures.push([
    "select-only TPS, read pool / PgBouncer alone over the same replicas (no controller, no exporter)",
    fmt(product.throughReadPath),
    fmt(product.pgbouncerAloneOverReplicas ?? 0),
    fmt(product.throughReadPath / (product.pgbouncerAloneOverReplicas ?? 1), 2),
  ]);
  figures.push([
    "select-only TPS, read pool (product) / one replica (bare)",
    fmt(product.throughReadPath),
    fmt(bare.throughReadPath),
    fmt(product.throughReadPath / bare.throughReadPath, 2),
  ]);
  console.log(figures.toString());
  const lag = new Table({
    head: ["rate", "round", "system", "achieved TPS", "worst replica lag p50/p99/max (ms)", "worst p99 (bytes)"],
    style: { head: [], border: [] },
  });
  for (const rate of RATES) {
    for (const [system, runs] of Object.entries(result.lag[rate]!)) {
      runs.forEach((run, round) => {
        const stats = Object.values(run.replicas);
        const worst = stats.reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a), stats[0]!);
        lag.push([
          `${rate}/s`,
          String(round + 1),
          system,
          fmt(run.tps),
          `${fmt(worst.p50Ms, 1)} / ${fmt(worst.p99Ms, 1)} / ${fmt(worst.maxMs, 1)}`,
          String(Math.max(...stats.map((s) => s.p99Bytes))),
        ]);
      });
    }
  }
  console.log(lag.toString());
}

interface GoalRow {
  figure: string;
  goal: Goal;
  stats: RatioStats;
  /** What the rounds measured, beside the ratio (achieved rates, medians). */
  detail: string;
}

/** The goals, each from per-round ratios of figures measured side by side (bench/ratios.ts). */
function goalRows(result: {
  upToVerifiedMs: { rounds: { product: number[]; bare: number[] } };
  lag: Record<number, { product: LagRun[]; bare: LagRun[] }>;
  select: { product: Awaited<ReturnType<typeof selects>> };
}): GoalRow[] {
  const runs = result.select.product.rounds;
  const top = Math.max(...RATES);
  const lag = result.lag[top]!;
  const tps = (r: LagRun[]) => r.map((run) => Math.round(run.tps)).join(", ");
  return [
    {
      figure: "read pool TPS / PgBouncer alone in front of one replica",
      goal: { bound: 0.97, direction: "at least" },
      stats: ratioStats(runs.throughReadPath ?? [], runs.pgbouncerAloneOnOneReplica ?? []),
      detail: `select-only TPS per round: ${(runs.throughReadPath ?? []).map(Math.round).join(", ")} / ${(runs.pgbouncerAloneOnOneReplica ?? []).map(Math.round).join(", ")}`,
    },
    {
      figure: "read pool TPS / PgBouncer alone over the same replicas (what the product adds)",
      goal: { bound: 0.97, direction: "at least" },
      stats: ratioStats(runs.throughReadPath ?? [], runs.pgbouncerAloneOverReplicas ?? []),
      detail: `select-only TPS per round: ${(runs.throughReadPath ?? []).map(Math.round).join(", ")} / ${(runs.pgbouncerAloneOverReplicas ?? []).map(Math.round).join(", ")}`,
    },
    {
      figure: "local up → verified, product / bare",
      goal: { bound: 1.2, direction: "at most" },
      stats: ratioStats(result.upToVerifiedMs.rounds.product, result.upToVerifiedMs.rounds.bare),
      detail: `ms per round: ${result.upToVerifiedMs.rounds.product.join(", ")} / ${result.upToVerifiedMs.rounds.bare.join(", ")}`,
    },
    {
      figure: `writes achieved at ${top}/s, write pool / bare (direct to the writer)`,
      goal: { bound: 0.95, direction: "at least" },
      stats: ratioStats(
        lag.product.map((r) => r.tps),
        lag.bare.map((r) => r.tps),
      ),
      detail: `achieved TPS per round: ${tps(lag.product)} / ${tps(lag.bare)}`,
    },
    {
      figure: `replay lag p99 at ${top}/s, worst replica, product / bare`,
      goal: { bound: 1.3, direction: "at most" },
      stats: ratioStats(lag.product.map(worstP99Ms), lag.bare.map(worstP99Ms)),
      detail: `p99 ms per round: ${lag.product.map((r) => fmt(worstP99Ms(r), 1)).join(", ")} / ${lag.bare.map((r) => fmt(worstP99Ms(r), 1)).join(", ")} (at the achieved rates above)`,
    },
  ];
}

function printGoals(rows: readonly GoalRow[], load: MachineLoad): void {
  const table = new Table({
    head: ["figure (one ratio per round)", "min / median / max", "goal", "verdict", "measured (product / baseline)"],
    style: { head: [], border: [] },
  });
  for (const row of rows)
    table.push([
      row.figure,
      `${fmt(row.stats.min, 2)} / ${fmt(row.stats.median, 2)} / ${fmt(row.stats.max, 2)}`,
      goalText(row.goal),
      verdict(row.stats, row.goal),
      row.detail,
    ]);
  console.log(table.toString());
  console.log(
    `A goal is met only when every round's ratio meets it; "undecided" when the rounds straddle it. ${loadText(load)}.`,
  );
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
