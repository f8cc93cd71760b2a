/**
 * What a local stack's own processes hold beyond PostgreSQL (issue 27's idle footprint): each
 * pool's PgBouncer, the read pool controller, the exporters and Prometheus, read from /proc
 * (VmRSS; utime + stime over an interval for CPU). The bench reports these figures.
 */
import { readFileSync } from "node:fs";
import type { LocalState } from "./state";

export interface StackProcess {
  name: string;
  pid: number;
}

/** Every process of the stack that is not a PostgreSQL server, by a name that says what it is. */
export function stackProcesses(state: LocalState): StackProcess[] {
  const found: StackProcess[] = [];
  for (const [key, pid] of Object.entries(state.pids.pools)) found.push({ name: `pgbouncer ${key}`, pid });
  if (state.pids.readPoolController) found.push({ name: "read pool controller", pid: state.pids.readPoolController });
  const monitoring = state.monitoring?.pids;
  if (monitoring?.prometheus) found.push({ name: "prometheus", pid: monitoring.prometheus });
  if (monitoring?.poolExporter) found.push({ name: "pgbouncer exporter", pid: monitoring.poolExporter });
  for (const [key, pid] of Object.entries(monitoring?.exporters ?? {}))
    found.push({ name: `postgres exporter ${key}`, pid });
  return found;
}

/** Resident memory in bytes (VmRSS), or undefined when the process is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU time used so far in clock ticks (utime + stime), or undefined when the process is gone. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may hold spaces and parentheses: split after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  } catch {
    return undefined;
  }
}

export interface Footprint {
  processes: Array<StackProcess & { rssBytes: number; cpuPercentOfOneCore: number }>;
  rssBytes: number;
  cpuPercentOfOneCore: number;
}

/** Memory now and CPU over `intervalMs`, per process and in total; `ticksPerSecond` is getconf CLK_TCK (100). */
export async function measureFootprint(
  processes: readonly StackProcess[],
  intervalMs: number,
  ticksPerSecond = 100,
): Promise<Footprint> {
  const before = processes.map((p) => cpuTicks(p.pid));
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
  const measured = processes.flatMap((p, i) => {
    const rssBytes = residentBytes(p.pid);
    const ticks = cpuTicks(p.pid);
    if (rssBytes === undefined || ticks === undefined || before[i] === undefined) return [];
    const cpuPercentOfOneCore = (100 * (ticks - before[i]!)) / ticksPerSecond / (intervalMs / 1000);
    return [{ ...p, rssBytes, cpuPercentOfOneCore }];
  });
  return {
    processes: measured,
    rssBytes: measured.reduce((sum, p) => sum + p.rssBytes, 0),
    cpuPercentOfOneCore: measured.reduce((sum, p) => sum + p.cpuPercentOfOneCore, 0),
  };
}
