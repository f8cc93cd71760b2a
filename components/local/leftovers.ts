/**
 * What still runs of a local stack after teardown: processes whose command line names its
 * state directory (postgres shows its data directory, pgbouncer its ini, the read pool
 * controller its --state-dir) and network namespaces named after it. Empty means gone.
 */
import { readFileSync, readdirSync } from "node:fs";
import { userInfo } from "node:os";
import { run } from "./exec";
import { namespacePrefix } from "./network";

const ROOT = { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false };

/** This process and those that started it (a shell, sudo): their command lines may name the directory too. */
function ownLineage(): Set<number> {
  const lineage = new Set<number>();
  for (let pid = process.pid; pid > 1 && !lineage.has(pid);) {
    lineage.add(pid);
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      break;
    }
  }
  return lineage;
}

function processesNaming(dir: string): string[] {
  const found: string[] = [];
  const lineage = ownLineage();
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    if (lineage.has(Number(pid))) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      if (cmdline.includes(dir)) found.push(`process ${pid}: ${cmdline}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function namespacesOf(stateRoot: string): Promise<string[]> {
  if (userInfo().uid !== 0) return [];
  const listed = (await run("ip", ["netns", "list"], { runAs: ROOT, timeoutMs: 30_000 })).stdout;
  const prefix = namespacePrefix(stateRoot);
  return listed
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(prefix))
    .map((name) => `network namespace ${name}`);
}

export async function leftoversOf(stateRoot: string): Promise<string[]> {
  return [...processesNaming(stateRoot), ...(await namespacesOf(stateRoot))];
}
