/**
 * npm run bench:backup: issue 22's figures for the local backend, each beside the bare tool in the same run.
 *
 *   1. Restore time. A source stack (primary, 1 replica) archives with pgBackRest and holds a base backup of a
 *      pgbench database (BENCH_SCALE, default 10) plus some WAL after it. Each round restores it to latest twice,
 *      alternating: `local up` of a new stack with `restore` (until its writer is restored, promoted and has the new
 *      stack's roles: "writer"; and until the whole stack is verified: "stack"), and the bare tool by hand into an
 *      empty directory (`pgbackrest restore`, `pg_ctl start -w`, polling pg_is_in_recovery() until it promotes).
 *      Goal: writer ≤ 1.2× bare, judged on the paired ratio of each round (product ÷ bare on the same backup, the
 *      order alternating): their median, and the spread of the middle half of the rounds. Each of `local up`'s steps
 *      and each phase of its writer restore is timed beside the bare tool's phases, to show where any extra goes.
 *   2. Recovery point. One client commits a row with its commit time every 20 ms on the source writer
 *      (archive_timeout BENCH_ARCHIVE_TIMEOUT, default 5 s); after a random 5–15 s the writer is stopped with
 *      `immediate` (its data lost as far as the archive knows), the archive is restored by hand to latest, and the
 *      newest row there is compared with the last acknowledged commit. Goal: ≤ archive_timeout.
 *
 * BENCH_ROUNDS (default 7): min / median / max of each figure. Prints tables and writes
 * bench-results/backup-<timestamp>.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Table from "cli-table3";
import type { StackOutputs } from "../components/contract/stackOutputs";
import { run } from "../components/local/exec";
import { ensureDir, writeOwnedFile } from "../components/local/files";
import type { RunAs } from "../components/local/identity";
import { LocalRunner, type Step } from "../components/local/runner";
import { topologyFromConfig } from "../components/pipeline/loadTopology";
import { renderRestoreConf } from "../components/render/pgbackrestRestore";
import { type HandRepository, archiveFrom, archiveNow, pgbackrest } from "../test/support/handArchive";
import { sqlOn } from "../test/support/localStack";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const ARCHIVE_TIMEOUT_S = Number(process.env.BENCH_ARCHIVE_TIMEOUT ?? 5);

interface Spread {
  min: number;
  median: number;
  max: number;
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: median(sorted), max: sorted.at(-1)! };
}

/** The lowest and highest of the middle half of the values (a quarter dropped at each end): a robust interval. */
function middleHalf(values: number[]): { low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const drop = Math.round(sorted.length / 4);
  const kept = sorted.slice(drop, sorted.length - drop);
  return { low: kept[0]!, high: kept.at(-1)! };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stackConfig(
  name: string,
  repository: HandRepository,
  restore?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    backend: "local",
    postgresVersion: "15",
    name,
    replicas: "1",
    database: "app",
    user: "app",
    allowedCidrs: ["127.0.0.1/32"],
    olap: { enabled: false },
    // Exporters and Prometheus are no part of a restore; on a loaded machine their listen deadline ended runs.
    monitoring: { enabled: false },
    resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" } },
    ...(restore ? { restore: { from: repository.path, ...restore } } : {}),
  };
}

/** The source: a pgbench database in a base backup, and WAL after it in the archive. */
async function prepareSource(
  parent: string,
  repository: HandRepository,
): Promise<{ runner: LocalRunner; outputs: StackOutputs }> {
  const runner = new LocalRunner("benchsrc", join(parent, "benchsrc"));
  const { outputs } = await runner.up(topologyFromConfig(stackConfig("benchsrc", repository)).topology);
  const state = runner.state()!;
  await archiveFrom(runner, state.writer, repository);
  await pgbackrest(runner, state.writer, repository.stanza, ["stanza-create"]);
  const pgbench = join(state.binaries.pgBin, "pgbench");
  const env = { PGPASSWORD: outputs.password };
  const target = ["-h", outputs.writer.host, "-p", String(outputs.writer.port), "-U", outputs.user, outputs.database];
  await run(pgbench, ["-i", "-q", "-s", String(SCALE), ...target], { runAs: state.runAs, env, timeoutMs: 600_000 });
  await pgbackrest(runner, state.writer, repository.stanza, ["backup", "--type=full"]);
  await run(pgbench, ["-n", "-T", "10", "-c", "2", ...target], { runAs: state.runAs, env, timeoutMs: 120_000 });
  await archiveNow(runner, state.writer);
  return { runner, outputs };
}

interface Timing {
  title: string;
  ms: number;
}

interface ProductRound {
  writerMs: number;
  stackMs: number;
  steps: Timing[];
  /** The phases inside the step that restores the writer. */
  phases: Timing[];
}

interface BareRound {
  ms: number;
  phases: Timing[];
}

/** `local up` of a restored stack, each step timed; "writer" ends with the step that restores the primary. */
async function productRestore(parent: string, repository: HandRepository, round: number): Promise<ProductRound> {
  const name = `benchr${round}`;
  const runner = new LocalRunner(name, join(parent, name));
  const phases: Timing[] = [];
  // One title per step over the rounds: each round's stack has its own name.
  const title = (text: string) => text.replaceAll(name, "<stack>").replaceAll(parent, "<bench>");
  const plan = runner.planUp(topologyFromConfig(stackConfig(name, repository, { latest: true })).topology, {
    install: false,
    onPhase: (title, ms) => phases.push({ title, ms }),
  });
  const steps: Timing[] = [];
  const started = performance.now();
  let writerMs = 0;
  await runner.runSteps(plan.steps, async (step: Step) => {
    const at = performance.now();
    await step.run();
    steps.push({ title: title(step.title), ms: performance.now() - at });
    if (step.title.startsWith("Restore the primary")) writerMs = performance.now() - started;
  });
  const stackMs = performance.now() - started;
  await runner.down();
  return { writerMs, stackMs, steps, phases };
}

/**
 * The source writer's own rendered settings (a restore needs max_connections and the like at least as high as the
 * source's for hot standby), on a port and socket of its own, archiving nothing.
 */
function bareServerOptions(source: LocalRunner, port: number, dir: string): string {
  const conf = source.layout.confFile(source.state()!.topology.primary.name);
  return `-c config_file='${conf}' -c port=${port} -c listen_addresses='' -c unix_socket_directories='${dir}' -c archive_mode=off`;
}

/** The bare tool: pgbackrest restore, pg_ctl start -w, then poll until the server has promoted. */
async function bareRestore(
  parent: string,
  source: LocalRunner,
  repository: HandRepository,
  port: number,
): Promise<BareRound> {
  const state = source.state()!;
  const dir = join(parent, `bare-${port}`);
  ensureDir(dir, state.runAs, 0o755);
  const data = join(dir, "data");
  const conf = join(dir, "pgbackrest.conf");
  const text = renderRestoreConf({
    repositoryPath: repository.path,
    stanza: repository.stanza,
    dataDirectory: data,
    lockPath: join(dir, "lock"),
    spoolPath: join(dir, "spool"),
  });
  writeOwnedFile(conf, text, state.runAs);
  const ctl = join(state.binaries.pgBin, "pg_ctl");
  const psql = join(state.binaries.pgBin, "psql");
  const opts = { runAs: state.runAs, timeoutMs: 600_000 };
  const phases: Timing[] = [];
  const timed = async (title: string, work: () => Promise<unknown>) => {
    const at = performance.now();
    await work();
    phases.push({ title, ms: performance.now() - at });
  };
  const started = performance.now();
  await timed("pgbackrest restore", () =>
    run("pgbackrest", [`--config=${conf}`, `--stanza=${repository.stanza}`, "restore"], opts),
  );
  const serverOptions = bareServerOptions(source, port, dir);
  await timed("start (pg_ctl -w: until it accepts connections)", () =>
    run(ctl, ["-D", data, "-l", join(dir, "log"), "-o", serverOptions, "-w", "start"], opts),
  );
  await timed("replay until promoted", () => untilPromoted(psql, dir, port, opts));
  const ms = performance.now() - started;
  await run(ctl, ["-D", data, "-m", "immediate", "stop"], opts);
  rmSync(dir, { recursive: true, force: true });
  return { ms, phases };
}

async function untilPromoted(
  psql: string,
  dir: string,
  port: number,
  opts: { runAs: RunAs; timeoutMs: number },
): Promise<void> {
  for (;;) {
    const { stdout } = await run(
      psql,
      ["-h", dir, "-p", String(port), "-U", "postgres", "-XAtc", "SELECT pg_is_in_recovery()"],
      opts,
    );
    if (stdout.trim() === "f") return;
    await sleep(50);
  }
}

/** Commits (id, commit time) every 20 ms until stopped; returns the last acknowledged commit's time. */
function steadyWrites(outputs: StackOutputs): { stop: () => Promise<Date | undefined> } {
  let running = true;
  let last: Date | undefined;
  const loop = (async () => {
    while (running) {
      try {
        const [row] = await sqlOn<{ at: Date }>(
          outputs,
          outputs.writer,
          "INSERT INTO rpo (at) VALUES (clock_timestamp()) RETURNING at",
        );
        last = row!.at;
      } catch {
        return;
      }
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return last;
    },
  };
}

async function archiveFailures(source: LocalRunner, writer: string): Promise<number> {
  return Number(await source.superuserQuery(writer, "SELECT failed_count FROM pg_stat_archiver"));
}

/** Seconds between the last acknowledged commit and the newest row the archive restores, after the writer is lost. */
async function recoveryPoint(
  parent: string,
  source: LocalRunner,
  outputs: StackOutputs,
  repository: HandRepository,
  port: number,
): Promise<number> {
  const state = source.state()!;
  // Each round starts from a writer whose archive has caught up (the round before restarted it after a crash).
  await archiveNow(source, state.writer);
  const failedBefore = await archiveFailures(source, state.writer);
  const load = steadyWrites(outputs);
  await sleep(5000 + Math.random() * 10_000);
  const failed = (await archiveFailures(source, state.writer)) - failedBefore;
  if (failed > 0) console.log(`recovery point round: ${failed} failed archive attempts during the load`);
  // The writer's data is lost: an immediate stop archives nothing more.
  // The load's last commit is the newest acknowledged.
  await source.stopNodeByName(state.writer, "immediate");
  const lastCommit = await load.stop();
  const dir = join(parent, `rpo-${port}`);
  ensureDir(dir, state.runAs, 0o755);
  const data = join(dir, "data");
  const conf = join(dir, "pgbackrest.conf");
  writeOwnedFile(
    conf,
    renderRestoreConf({
      repositoryPath: repository.path,
      stanza: repository.stanza,
      dataDirectory: data,
      lockPath: join(dir, "lock"),
      spoolPath: join(dir, "spool"),
    }),
    state.runAs,
  );
  const opts = { runAs: state.runAs, timeoutMs: 600_000 };
  await run("pgbackrest", [`--config=${conf}`, `--stanza=${repository.stanza}`, "restore"], opts);
  const ctl = join(state.binaries.pgBin, "pg_ctl");
  await run(ctl, ["-D", data, "-l", join(dir, "log"), "-o", bareServerOptions(source, port, dir), "-w", "start"], opts);
  const psql = join(state.binaries.pgBin, "psql");
  const query = (sql: string) =>
    run(psql, ["-h", dir, "-p", String(port), "-U", "postgres", "-d", outputs.database, "-XAtc", sql], opts);
  // Until it promotes: mid-replay, the table may not exist yet.
  while ((await query("SELECT pg_is_in_recovery()")).stdout.trim() !== "f") await sleep(50);
  const newest = (await query("SELECT extract(epoch FROM max(at)) FROM rpo")).stdout.trim();
  await run(ctl, ["-D", data, "-m", "immediate", "stop"], opts);
  rmSync(dir, { recursive: true, force: true });
  await source.startNodeByName(state.writer);
  // After crash recovery the checkpointer sleeps without archive_timeout's bound until something wakes it: observed
  // here as no timed switch for 12 s and more; a CHECKPOINT wakes it (then a switch every archive_timeout).
  await source.superuserQuery(state.writer, "CHECKPOINT");
  if (!lastCommit) throw new Error("the steady write load committed nothing");
  return (lastCommit.getTime() - Number(newest) * 1000) / 1000;
}

async function main(): Promise<void> {
  const parent = mkdtempSync(join(tmpdir(), "pgrr-bench-backup-"));
  chmodSync(parent, 0o755);
  const repository: HandRepository = {
    path: join(parent, "repo", "benchsrc"),
    stanza: "benchsrc",
    archiveTimeoutSeconds: ARCHIVE_TIMEOUT_S,
  };
  mkdirSync(join(parent, "repo"), { mode: 0o755 });
  const { runner: source, outputs } = await prepareSource(parent, repository);
  try {
    const product: ProductRound[] = [];
    const bare: BareRound[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which goes first: the second restore of a round reads a repository the first left in the cache.
      const bareRun = () => bareRestore(parent, source, repository, 55600 + round);
      const productRun = () => productRestore(parent, repository, round);
      if (round % 2 === 0) {
        bare.push(await bareRun());
        product.push(await productRun());
      } else {
        product.push(await productRun());
        bare.push(await bareRun());
      }
      const [b, p] = [bare.at(-1)!.ms, product.at(-1)!];
      console.log(
        `round ${round + 1} (${round % 2 === 0 ? "bare first" : "product first"}): bare ${(b / 1000).toFixed(2)} s, writer ${(p.writerMs / 1000).toFixed(2)} s (${(p.writerMs / b).toFixed(2)}×), stack ${(p.stackMs / 1000).toFixed(2)} s`,
      );
    }
    await sqlOn(outputs, outputs.writer, "CREATE TABLE rpo (id bigserial PRIMARY KEY, at timestamptz NOT NULL)");
    const rpo: number[] = [];
    for (let round = 0; round < ROUNDS; round++)
      rpo.push(await recoveryPoint(parent, source, outputs, repository, 55700 + round));
    report({ bare, product, rpo });
  } finally {
    await source.down().catch(() => undefined);
    rmSync(parent, { recursive: true, force: true });
  }
}

function seconds(ms: Spread): string[] {
  return [ms.min, ms.median, ms.max].map((v) => (v / 1000).toFixed(2));
}

/** Each title's median over the rounds, in the order of the first round. */
function phaseMedians(rounds: Timing[][]): Map<string, number> {
  const titles = [...new Set(rounds.flatMap((r) => r.map((t) => t.title)))];
  return new Map(
    titles.map((title) => [
      title,
      spread(rounds.map((r) => r.filter((t) => t.title === title).reduce((sum, t) => sum + t.ms, 0))).median,
    ]),
  );
}

function restoreTable(bare: number[], product: ProductRound[]): string {
  const table = new Table({ head: ["restore to latest (s)", "min", "median", "max"] });
  table.push(["bare: pgbackrest restore + start + promotion", ...seconds(spread(bare))]);
  table.push([
    "local up: writer restored, promoted, roles applied",
    ...seconds(spread(product.map((p) => p.writerMs))),
  ]);
  table.push(["local up: whole stack verified (+ replica, pools)", ...seconds(spread(product.map((p) => p.stackMs)))]);
  return table.toString();
}

/** The goal's figure: product ÷ bare in each round (same backup, adjacent in time), and the extra in seconds. */
function pairedTable(bare: number[], product: ProductRound[]): { table: string; ratios: number[] } {
  const ratios = product.map((p, i) => p.writerMs / bare[i]!);
  const extra = product.map((p, i) => (p.writerMs - bare[i]!) / 1000);
  const table = new Table({
    head: ["writer ÷ bare, paired per round", "median", "middle half", "min–max", "rounds", "goal"],
  });
  const r = middleHalf(ratios);
  const e = middleHalf(extra);
  const [rs, es] = [spread(ratios), spread(extra)];
  table.push([
    "ratio",
    rs.median.toFixed(2),
    `${r.low.toFixed(2)}–${r.high.toFixed(2)}`,
    `${rs.min.toFixed(2)}–${rs.max.toFixed(2)}`,
    ratios.map((x) => x.toFixed(2)).join(" "),
    "≤ 1.20",
  ]);
  table.push([
    "extra (s)",
    es.median.toFixed(2),
    `${e.low.toFixed(2)}–${e.high.toFixed(2)}`,
    `${es.min.toFixed(2)}–${es.max.toFixed(2)}`,
    extra.map((x) => x.toFixed(2)).join(" "),
    "",
  ]);
  return { table: table.toString(), ratios };
}

/** Where the writer's time goes: up's steps before the restore, then the restore's phases beside the bare tool's. */
function breakdownTable(bare: BareRound[], product: ProductRound[]): string {
  const table = new Table({ head: ["writer restore, by step (median s)", "local up", "bare"] });
  const writerStep = product[0]!.steps.findIndex((s) => s.title.startsWith("Restore the primary"));
  const before = phaseMedians(product.map((p) => p.steps.slice(0, writerStep)));
  for (const [title, ms] of before) table.push([title.slice(0, 90), (ms / 1000).toFixed(2), ""]);
  const ours = phaseMedians(product.map((p) => p.phases));
  const theirs = phaseMedians(bare.map((b) => b.phases));
  for (const [title, ms] of ours) {
    const bareMs = theirs.get(title);
    table.push([`  restore: ${title}`, (ms / 1000).toFixed(2), bareMs === undefined ? "" : (bareMs / 1000).toFixed(2)]);
  }
  return table.toString();
}

function report(results: { bare: BareRound[]; product: ProductRound[]; rpo: number[] }): void {
  const bareMs = results.bare.map((b) => b.ms);
  console.log(restoreTable(bareMs, results.product));
  const paired = pairedTable(bareMs, results.product);
  console.log(paired.table);
  console.log(breakdownTable(results.bare, results.product));
  const stepTable = new Table({ head: ["local up step (median s)", "s"] });
  for (const [title, ms] of phaseMedians(results.product.map((p) => p.steps)))
    stepTable.push([title.slice(0, 90), (ms / 1000).toFixed(2)]);
  console.log(stepTable.toString());
  const rpo = spread(results.rpo);
  const rpoTable = new Table({ head: ["recovery point (s behind the last commit)", "min", "median", "max", "goal"] });
  rpoTable.push([
    `steady writes, archive_timeout ${ARCHIVE_TIMEOUT_S}s`,
    rpo.min.toFixed(2),
    rpo.median.toFixed(2),
    rpo.max.toFixed(2),
    `≤ ${ARCHIVE_TIMEOUT_S}`,
  ]);
  console.log(rpoTable.toString());
  const when = new Date().toISOString();
  mkdirSync("bench-results", { recursive: true });
  const file = join("bench-results", `backup-${when.replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ when, rounds: ROUNDS, scale: SCALE, archiveTimeoutS: ARCHIVE_TIMEOUT_S, bare: results.bare, product: results.product, pairedRatios: paired.ratios, rpoSeconds: results.rpo }, null, 2)}\n`,
  );
  console.log(`written ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
