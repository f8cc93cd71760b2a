/**
 * Whether a pid names a process this stack started, before root signals it. Pids come from state.json and from
 * postmaster.pid (which the servers' user writes), and a pid is reused once its process is gone (after a reboot, any
 * process can hold it): signalling on the number alone could stop anything on the machine.
 *
 * Every process the stack starts names its state directory: PostgreSQL in `-D <state>/nodes/x/data`, PgBouncer in
 * its ini path, Prometheus in `--config.file`, the CLI's daemons in `--state-dir`, postgres_exporter in
 * PG_EXPORTER_EXTEND_QUERY_PATH. A process of the servers' user could name it too, but stopping that one gives that
 * user nothing it could not do itself.
 */
import { readFileSync } from "node:fs";

/** Whether one of these NUL-separated strings (argv, or environment entries) names `root` or a path under it. */
export function namesStateRoot(entries: readonly string[], root: string): boolean {
  const under = (value: string) => value === root || value.startsWith(`${root}/`);
  return entries.some((entry) => under(entry) || under(entry.slice(entry.indexOf("=") + 1)));
}

function procEntries(pid: number, file: "cmdline" | "environ"): string[] {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Whether `pid` is a running process of the stack whose state directory is `root`. */
export function isStackProcess(pid: number | undefined, root: string): pid is number {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false;
  return namesStateRoot(procEntries(pid, "cmdline"), root) || namesStateRoot(procEntries(pid, "environ"), root);
}
