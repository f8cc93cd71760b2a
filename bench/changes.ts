/**
 * npm run bench:changes: how long writes wait while `local up` changes a running stack. A small local
 * stack (primary, 2 OLTP replicas) takes a steady write load through its write pool (2 clients, one
 * commit at a time); its stack file is edited and `local up` run for each kind of change in turn:
 *
 *   reload            work_mem on every server (pg_settings.context user: a reload)
 *   replica added     replicas 2 → 3 (seeded from the writer)
 *   replica removed   replicas 3 → 2 (leaves the read pool, stopped, slot dropped)
 *   replica restart   the replicas' memory (shared_buffers, postmaster: a restart each, one at a time)
 *   writer switchover the primary's memory (the writer hands over to a replica and rejoins)
 *
 * First, 5 s of the same load with nothing changing: the baseline gap of a busy machine.
 *
 * For each: the longest gap between two acknowledged commits while `up` ran, failed writes, and for the
 * switchover how long the write pool was paused. Goal: ≤ 2 s for the switchover, 0 s (no gap beyond a
 * commit's own time) for changes that need no writer restart. One cycle: after the switchover a replica
 * writes, so a second "replica restart" would be a switchover. Prints a table and writes
 * bench-results/changes-<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Table from "cli-table3";
import { ChangingStack, drillConfig } from "../test/support/changeDrill";
import { WriteLoad } from "./writeLoad";

interface Figure {
  change: string;
  longestGapMs: number;
  failedWrites: number;
  commits: number;
  upMs: number;
  pausedMs?: number;
  /** The step of `local up` during which the longest gap began. */
  gapDuring: string;
  actions: string;
}

const memory = (primary: string, replica: string) => ({
  resources: { primary: { memory: primary }, replica: { memory: replica } },
});

/** Each change, as the stack file after it; applied in this order, each from the one before. */
function changes(name: string): Array<{ change: string; config: Record<string, unknown> }> {
  const [before, a, b] = ["256Mi", "320Mi", "384Mi"];
  const workMem = { postgresql: { primary: { work_mem: "8MB" }, replica: { work_mem: "8MB" } } };
  return [
    { change: "reload", config: drillConfig(name, { ...memory(before, before), ...workMem }) },
    { change: "replica added", config: drillConfig(name, { ...memory(before, before), ...workMem, replicas: 3 }) },
    { change: "replica removed", config: drillConfig(name, { ...memory(before, before), ...workMem, replicas: 2 }) },
    { change: "replica restart", config: drillConfig(name, { ...memory(before, a), ...workMem, replicas: 2 }) },
    { change: "writer switchover", config: drillConfig(name, { ...memory(b, b), ...workMem, replicas: 2 }) },
  ];
}

async function measure(stack: ChangingStack, load: WriteLoad, change: string): Promise<Figure> {
  const commitsBefore = load.acknowledged.length;
  const from = Date.now();
  const topology = stack.topology();
  const prepared = await stack.runner.planChange(topology);
  const up = stack.runner.planUp(topology, { install: false, ...(prepared ? { change: prepared } : {}) });
  const steps: Array<{ title: string; start: number }> = [];
  await stack.runner.runSteps(up.steps, async (step) => {
    steps.push({ title: step.title, start: Date.now() });
    await step.run();
  });
  const result = up.result();
  const to = Date.now();
  const gap = load.longestGapAt(from, to);
  if (!result.report.ok) throw new Error(`${change}: verification failed after up`);
  const plan = result.change?.plan;
  return {
    change,
    longestGapMs: gap.ms,
    gapDuring: steps.filter((s) => s.start <= gap.at).pop()?.title ?? "planning",
    failedWrites: load.failuresBetween(from, to).length,
    commits: load.acknowledged.length - commitsBefore,
    upMs: to - from,
    ...(result.change?.switchover ? { pausedMs: result.change.switchover.pausedMs } : {}),
    actions: plan ? plan.servers.map((s) => `${s.name.replace(/^bench-/, "")}: ${s.action}`).join(", ") : "-",
  };
}

async function main(): Promise<void> {
  const stack = new ChangingStack("bench");
  const figures: Figure[] = [];
  let load: WriteLoad | undefined;
  try {
    stack.edit(drillConfig("bench"));
    load = new WriteLoad((await stack.up()).outputs);
    await load.start();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // The same load with nothing changing: the gaps a busy 2-core machine makes on its own.
    const idleFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    figures.push({
      change: "none (baseline, 5 s)",
      longestGapMs: load.longestGap(idleFrom, Date.now()),
      failedWrites: load.failuresBetween(idleFrom, Date.now()).length,
      commits: load.acknowledged.filter((a) => a.at >= idleFrom).length,
      upMs: 0,
      gapDuring: "-",
      actions: "-",
    });
    for (const { change, config } of changes("bench")) {
      stack.edit(config);
      figures.push(await measure(stack, load, change));
      process.stderr.write(`${change}: longest gap ${figures.at(-1)!.longestGapMs} ms\n`);
    }
    await load.stop();
    const lost = await load.lost();
    report(figures, { acknowledged: load.acknowledged.length, lost: lost.length });
  } finally {
    await load?.stop();
    await stack.down();
  }
}

function report(figures: Figure[], totals: { acknowledged: number; lost: number }): void {
  const table = new Table({
    head: ["change", "longest write gap (ms)", "failed writes", "commits during up", "up (ms)", "pool paused (ms)"],
    style: { head: [], border: [] },
  });
  for (const f of figures) table.push([f.change, f.longestGapMs, f.failedWrites, f.commits, f.upMs, f.pausedMs ?? "-"]);
  console.log(table.toString());
  console.log(`acknowledged commits: ${totals.acknowledged}, lost: ${totals.lost}`);
  for (const f of figures.slice(1)) console.log(`${f.change}: ${f.actions}; longest gap began during "${f.gapDuring}"`);
  const when = new Date().toISOString();
  mkdirSync("bench-results", { recursive: true });
  const file = join("bench-results", `changes-${when.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify({ when, figures, totals }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
