/**
 * npm run bench:failover: how long a write load is without a writer when the writer's postmaster is killed
 * (SIGKILL) and `promote` starts at once (issue 27, item 5; goal: kill → first acknowledged write through the write
 * pool ≤ 2 s). Each round boots the local stack (stacks/Pulumi.local.yaml), runs CLIENTS writers through the write
 * pool, kills the writer, promotes, and records when promote returned and when a writer's INSERT was first
 * acknowledged after the kill, with promote's phases. BENCH_FAILOVER_ROUNDS (default 3) rounds; prints min, median and
 * max and writes bench-results/failover-<timestamp>.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Table from "cli-table3";
import pg from "pg";
import type { StackOutputs } from "../components/contract/stackOutputs";
import { readStackConfig } from "../components/config/stackFile";
import { DEFAULT_STACKS_DIR } from "../components/ground/paths";
import { LocalRunner } from "../components/local/runner";
import type { StepTiming } from "../components/local/stepTimings";
import { topologyFromPulumiConfig } from "../components/pipeline/loadTopology";

const ROUNDS = Number(process.env.BENCH_FAILOVER_ROUNDS ?? 3);
const CLIENTS = 4;
/** A writer that does not hear back gives up on its connection this soon, and opens another. */
const CLIENT_TIMEOUT_MS = 1000;

interface Round {
  promoteMs: number;
  firstAckMs: number;
  acknowledgedBefore: number;
  phases: StepTiming[];
}

/**
 * Writers that insert through the write pool until stopped; `acks` holds when each acknowledged INSERT was sent and
 * answered (an INSERT sent before the kill and answered just after it was committed by the old writer: not counted).
 */
function writeLoad(outputs: StackOutputs) {
  const acks: Array<{ sent: number; acked: number }> = [];
  let running = true;
  const writer = async () => {
    while (running) {
      const client = new pg.Client({
        host: outputs.pools.write.host,
        port: outputs.pools.write.port,
        user: outputs.user,
        password: outputs.password,
        database: outputs.database,
        connectionTimeoutMillis: CLIENT_TIMEOUT_MS,
        query_timeout: CLIENT_TIMEOUT_MS,
        ssl: outputs.tls?.required ? { rejectUnauthorized: false } : false,
      });
      client.on("error", () => undefined);
      try {
        await client.connect();
        while (running) {
          const sent = performance.now();
          await client.query("INSERT INTO bench_failover DEFAULT VALUES");
          acks.push({ sent, acked: performance.now() });
        }
      } catch {
        // The writer is gone, or the pool is between servers: a new connection, at once.
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  };
  const writers = Array.from({ length: CLIENTS }, writer);
  return {
    acks,
    stop: async () => {
      running = false;
      await Promise.all(writers);
    },
  };
}

async function until(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function round(root: string, index: number): Promise<Round> {
  const { topology } = topologyFromPulumiConfig(readStackConfig(DEFAULT_STACKS_DIR, "local"));
  const runner = new LocalRunner("bench-failover", join(root, `round-${index}`));
  try {
    const { outputs } = await runner.up(topology);
    const admin = new pg.Client({
      ...outputs.writer,
      user: outputs.user,
      password: outputs.password,
      database: outputs.database,
      ssl: outputs.tls?.required ? { rejectUnauthorized: false } : false,
    });
    await admin.connect();
    await admin.query("CREATE TABLE bench_failover (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())");
    await admin.end();
    const load = writeLoad(outputs);
    await until("the load's first writes", 10_000, () => load.acks.length > 100);
    const state = runner.state()!;
    const pidFile = join(runner.layout.dataDir(state.writer), "postmaster.pid");
    const postmaster = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    const acknowledgedBefore = load.acks.length;
    const killed = performance.now();
    process.kill(postmaster, "SIGKILL");
    const result = await runner.promote({});
    const promoteMs = performance.now() - killed;
    const afterKill = () => load.acks.find((a) => a.sent > killed);
    await until("a write sent after the kill, acknowledged", 30_000, () => afterKill() !== undefined);
    const firstAckMs = afterKill()!.acked - killed;
    await load.stop();
    return { promoteMs, firstAckMs, acknowledgedBefore, phases: result.timings };
  } finally {
    await runner.down().catch(() => undefined);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const spread = (values: number[]) =>
  `${Math.round(Math.min(...values))} / ${Math.round(median(values))} / ${Math.round(Math.max(...values))}`;

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "pgrr-bench-failover-"));
  chmodSync(root, 0o755);
  try {
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      process.stderr.write(`bench:failover: round ${i + 1} of ${ROUNDS} (up, load, kill -9, promote)...\n`);
      rounds.push(await round(root, i));
    }
    const table = new Table({ head: ["figure (ms)", "min / median / max", "goal"] });
    table.push(
      ["kill → first acknowledged write through the write pool", spread(rounds.map((r) => r.firstAckMs)), "≤ 2000"],
      ["kill → promote returned", spread(rounds.map((r) => r.promoteMs)), ""],
    );
    const titles = [...new Set(rounds.flatMap((r) => r.phases.map((p) => p.title)))];
    for (const title of titles)
      table.push([
        `  promote: ${title}`,
        spread(rounds.map((r) => r.phases.find((p) => p.title === title)?.ms ?? 0)),
        "",
      ]);
    console.log(table.toString());
    const goalMet = Math.max(...rounds.map((r) => r.firstAckMs)) <= 2000;
    console.log(`goal (every round ≤ 2000 ms): ${goalMet ? "met" : "not met"}`);
    const when = new Date().toISOString();
    mkdirSync("bench-results", { recursive: true });
    const file = join("bench-results", `failover-${when.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify({ when, clients: CLIENTS, rounds }, null, 2)}\n`);
    console.log(`JSON: ${file}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
