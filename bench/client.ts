/**
 * npm run bench:client: what the LSN gate buys over the seeds' 5-second sticky window, in
 * the same run on the `local` stack (primary, 2 OLTP replicas, pools). Sessions write their
 * row, read it back at once and keep reading rows over the next seconds (clientWorkload.ts);
 * five routings of the same workload alternate, ROUNDS times each, every figure the median
 * of its rounds. Reported: the fraction of reads replicas served, stale reads (a session's
 * own row older than its last write), reads that went back in time, and the read latency
 * the gate adds over unchecked replica reads.
 *
 * Replicas with real replay delay: BENCH_CLIENT_DELAYS (ms, default 0,20,100) sets
 * recovery_min_apply_delay on the first OLTP replica for a pass of every gap and routing (the
 * others replay at once), so the gate meets a replica behind the token in earnest. Reported per
 * delay: the share of the gate's reads (all read-your-writes) replicas served at 0 stale reads,
 * the same for the read right after each write, the gate's added latency, and the primary load
 * it saves against the sticky window, which is stale-free here too (every delay is under 5 s).
 *
 * BENCH_CLIENT_SECONDS (default 15) per run, BENCH_CLIENT_GAPS (mean seconds between a
 * session's writes, default 1.5,5), BENCH_CLIENT_SESSIONS (16), BENCH_CLIENT_READ_EVERY_MS
 * (100), BENCH_ROUNDS (3). Writes bench-results/bench-client-<time>.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import Table from "cli-table3";
import pg from "pg";
import { readStackConfig } from "../components/config/stackFile";
import { LocalRunner } from "../components/local/runner";
import { DEFAULT_STACKS_DIR } from "../components/ground/paths";
import { topologyFromPulumiConfig } from "../components/pipeline/loadTopology";
import {
  type RunResult,
  Routes,
  STICKY_WINDOW_MS,
  STRATEGIES,
  type StrategyName,
  type Workload,
  runWorkload,
} from "./clientWorkload";

const SECONDS = Number(process.env.BENCH_CLIENT_SECONDS ?? 15);
const GAPS_S = (process.env.BENCH_CLIENT_GAPS ?? "1.5,5").split(",").map(Number);
const SESSIONS = Number(process.env.BENCH_CLIENT_SESSIONS ?? 16);
const READ_EVERY_MS = Number(process.env.BENCH_CLIENT_READ_EVERY_MS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DELAYS_MS = (process.env.BENCH_CLIENT_DELAYS ?? "0,20,100").split(",").map(Number);
const TABLE = "bench_client_rows";

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const median = (values: number[]) => percentile(values, 50);

interface Figures {
  reads: number;
  replicaShare: number;
  /** Reads the primary served (the write pool): what a routing costs the writer. */
  primaryReads: number;
  afterWriteReplicaShare: number;
  stale: number;
  wentBack: number;
  p50Ms: number;
  p99Ms: number;
  replicaP50Ms: number;
  replicaP99Ms: number;
  waitP50Ms: number;
  waitP99Ms: number;
  fallbacks: Record<string, number>;
}

function figuresOf(run: RunResult): Figures {
  return {
    reads: run.reads,
    replicaShare: run.reads ? run.replicaReads / run.reads : 0,
    primaryReads: run.reads - run.replicaReads,
    afterWriteReplicaShare: run.afterWriteReads ? run.afterWriteReplicaReads / run.afterWriteReads : 0,
    stale: run.stale,
    wentBack: run.wentBack,
    p50Ms: percentile(run.latencyMs, 50),
    p99Ms: percentile(run.latencyMs, 99),
    replicaP50Ms: percentile(run.replicaLatencyMs, 50),
    replicaP99Ms: percentile(run.replicaLatencyMs, 99),
    waitP50Ms: percentile(run.waitedMs, 50),
    waitP99Ms: percentile(run.waitedMs, 99),
    fallbacks: run.fallbacks,
  };
}

/** Median of each figure over the rounds; stale and went-back reads are summed (any is a failure). */
function combine(rounds: Figures[]): Figures & { rounds: Figures[] } {
  const of = (key: keyof Omit<Figures, "fallbacks">) => median(rounds.map((r) => r[key]));
  const fallbacks: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.fallbacks)) fallbacks[k] = (fallbacks[k] ?? 0) + v;
  return {
    reads: of("reads"),
    replicaShare: of("replicaShare"),
    primaryReads: of("primaryReads"),
    afterWriteReplicaShare: of("afterWriteReplicaShare"),
    stale: rounds.reduce((s, r) => s + r.stale, 0),
    wentBack: rounds.reduce((s, r) => s + r.wentBack, 0),
    p50Ms: of("p50Ms"),
    p99Ms: of("p99Ms"),
    replicaP50Ms: of("replicaP50Ms"),
    replicaP99Ms: of("replicaP99Ms"),
    waitP50Ms: of("waitP50Ms"),
    waitP99Ms: of("waitP99Ms"),
    fallbacks,
    rounds,
  };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "pgrr-bench-client-"));
  chmodSync(root, 0o755);
  const { topology } = topologyFromPulumiConfig(readStackConfig(DEFAULT_STACKS_DIR, "local"));
  const runner = new LocalRunner("bench-client", join(root, "product"));
  let routes: Routes | undefined;
  try {
    process.stderr.write("bench:client: local up (the local stack)...\n");
    const { outputs } = await runner.up(topology);
    const setup = new pg.Client({
      ...outputs.pools.write,
      database: outputs.database,
      user: outputs.user,
      password: outputs.password,
    });
    await setup.connect();
    await setup.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id text PRIMARY KEY, version int NOT NULL)`);
    await setup.query(
      `INSERT INTO ${TABLE} SELECT 's' || g, 0 FROM generate_series(0, $1 - 1) g ON CONFLICT DO NOTHING`,
      [SESSIONS],
    );
    await setup.end();
    routes = new Routes(outputs, SESSIONS);
    process.stderr.write("bench:client: warm-up (pool connections opened, not measured)...\n");
    for (const strategy of STRATEGIES)
      await runWorkload(routes, strategy, {
        sessions: SESSIONS,
        seconds: 1,
        meanWriteGapMs: 1000,
        readEveryMs: READ_EVERY_MS,
        table: TABLE,
      });
    const results: Result[] = [];
    const delayed = outputs.readers.find((r) => r.role === "oltp")!.name;
    for (const delayMs of DELAYS_MS) {
      await setApplyDelay(runner, delayed, delayMs);
      for (const gapS of GAPS_S) {
        const workload: Workload = {
          sessions: SESSIONS,
          seconds: SECONDS,
          meanWriteGapMs: gapS * 1000,
          readEveryMs: READ_EVERY_MS,
          table: TABLE,
        };
        const runs = Object.fromEntries(STRATEGIES.map((s) => [s, [] as Figures[]])) as Record<StrategyName, Figures[]>;
        for (let round = 0; round < ROUNDS; round++) {
          for (const strategy of STRATEGIES) {
            process.stderr.write(
              `bench:client: ${delayed} ${delayMs} ms behind, mean write gap ${gapS}s, ${strategy}, round ${round + 1} of ${ROUNDS} (${SECONDS}s)...\n`,
            );
            runs[strategy].push(figuresOf(await runWorkload(routes, strategy, workload)));
          }
        }
        results.push({
          delayMs,
          gapS,
          byStrategy: Object.fromEntries(STRATEGIES.map((s) => [s, combine(runs[s])])) as Record<
            StrategyName,
            ReturnType<typeof combine>
          >,
        });
      }
    }
    const report = {
      when: new Date().toISOString(),
      machine: { cpus: cpus().length },
      settings: {
        seconds: SECONDS,
        gapsS: GAPS_S,
        sessions: SESSIONS,
        readEveryMs: READ_EVERY_MS,
        rounds: ROUNDS,
        stickyWindowMs: STICKY_WINDOW_MS,
        gateMaxWaitMs: 250,
        delaysMs: DELAYS_MS,
        delayedReplica: delayed,
      },
      results,
    };
    print(report.results);
    mkdirSync("bench-results", { recursive: true });
    const file = join("bench-results", `bench-client-${report.when.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON: ${file}`);
  } finally {
    await routes?.close();
    await runner.down().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

interface Result {
  delayMs: number;
  gapS: number;
  byStrategy: Record<StrategyName, ReturnType<typeof combine>>;
}

/** In milliseconds, the setting's unit. */
const APPLY_DELAY_SETTING = "SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'";

/** recovery_min_apply_delay on one replica (a reload setting): its commits apply that long after the writer's. */
async function setApplyDelay(runner: LocalRunner, replica: string, delayMs: number): Promise<void> {
  await runner.superuserQuery(replica, `ALTER SYSTEM SET recovery_min_apply_delay = '${delayMs}ms'`);
  await runner.superuserQuery(replica, "SELECT pg_reload_conf()");
  const deadline = Date.now() + 10_000;
  while ((await runner.superuserQuery(replica, APPLY_DELAY_SETTING)).trim() !== String(delayMs)) {
    if (Date.now() > deadline) throw new Error(`${replica}: recovery_min_apply_delay did not become ${delayMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const ms = (n: number) => n.toFixed(2);

function print(results: Result[]): void {
  const table = new Table({
    head: [
      "replay delay",
      "mean write gap",
      "routing",
      "reads/run",
      "served by replicas",
      "stale reads",
      "went back",
      "read p50 / p99 (ms)",
      "fallbacks to primary (all rounds)",
    ],
    style: { head: [], border: [] },
  });
  for (const { delayMs, gapS: gap, byStrategy } of results) {
    for (const strategy of STRATEGIES) {
      const f = byStrategy[strategy];
      const fallbacks =
        Object.entries(f.fallbacks)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || "-";
      table.push([
        `${delayMs} ms`,
        `${gap} s`,
        strategy,
        String(f.reads),
        pct(f.replicaShare),
        String(f.stale),
        String(f.wentBack),
        `${ms(f.p50Ms)} / ${ms(f.p99Ms)}`,
        fallbacks,
      ]);
    }
  }
  console.log(table.toString());
  const goals = new Table({ head: ["goal", "figure", "value"], style: { head: [], border: [] } });
  for (const { delayMs, gapS: gap, byStrategy: r } of results) {
    const at = `(one replica ${delayMs} ms behind, gap ${gap} s)`;
    const stale = r.gate.stale + r["gate-direct"].stale + r["sticky-5s"].stale;
    goals.push([
      delayMs === 20 ? "≥ 95% at 0 stale" : "-",
      `gate: read-your-writes reads served by replicas, all / right after the write ${at}`,
      `${pct(r.gate.replicaShare)} / ${pct(r.gate.afterWriteReplicaShare)}${stale > 0 ? " (stale reads seen)" : ""}`,
    ]);
    goals.push([
      "0",
      `stale reads, gate + gate-direct + sticky-5s, all rounds ${at}; unchecked for contrast: ${r.unchecked.stale}`,
      String(stale),
    ]);
    goals.push([
      "-",
      `gate's added latency over unchecked replica reads, p50 / p99 ${at}`,
      `${ms(r.gate.p50Ms - r.unchecked.p50Ms)} / ${ms(r.gate.p99Ms - r.unchecked.p99Ms)} ms`,
    ]);
    goals.push([
      "-",
      `of which waiting on replicas behind the token (failed checks + pauses), p50 / p99 ${at}`,
      `${ms(r.gate.waitP50Ms)} / ${ms(r.gate.waitP99Ms)} ms`,
    ]);
    goals.push([
      "-",
      `gate-direct (positions remembered, straight to a caught-up replica): served by replicas, wait p50 / p99 ${at}`,
      `${pct(r["gate-direct"].replicaShare)}, ${ms(r["gate-direct"].waitP50Ms)} / ${ms(r["gate-direct"].waitP99Ms)} ms`,
    ]);
    const sticky = r["sticky-5s"].primaryReads;
    goals.push([
      "-",
      `primary reads saved against sticky-5s, both at 0 stale ${at}: ${r.gate.primaryReads} vs ${sticky} per run`,
      sticky > 0 ? pct(1 - r.gate.primaryReads / sticky) : "-",
    ]);
  }
  console.log(goals.toString());
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
