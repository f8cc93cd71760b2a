/** Stopping a local stack: the read pool controller and pools first, then replicas, the writer last. */
import { existsSync, lstatSync, readFileSync, readdirSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, join } from "node:path";
import { allNodes } from "../topology/queries";
import { nodeByName, nodeContext } from "./contexts";
import { LocalError } from "./errors";
import { stopProcess } from "./exec";
import type { Layout } from "./layout";
import { removeNetwork } from "./network";
import { stopMonitoring } from "./monitoring";
import { stopPool } from "./pgbouncerProcess";
import { stopNode } from "./postgresNode";
import { asThisProcess, removeTree } from "./removeTree";
import { isStackProcess } from "./stackProcess";
import { type LocalState, StateError, readState } from "./state";

export async function stopEverything(layout: Layout, state: LocalState): Promise<void> {
  await stopMonitoring(state);
  await stopProcess(state.pids.readPoolController);
  await Promise.all(Object.values(state.pids.pools).map((pid) => stopPool(pid)));
  const node = nodeContext(layout, state);
  const writer = nodeByName(state, state.writer);
  await Promise.all(
    [...allNodes(state.topology), ...(state.leaving ?? [])]
      .filter((n) => n.name !== writer.name)
      .map((member) => stopNode(node, member)),
  );
  await stopNode(node, writer);
}

/** Without a readable state file: stop any server whose data directory is under the state root. */
async function stopOrphanServers(layout: Layout): Promise<void> {
  const nodesDir = join(layout.root, "nodes");
  if (!existsSync(nodesDir)) return;
  for (const name of readdirSync(nodesDir)) {
    const pidFile = join(nodesDir, name, "data", "postmaster.pid");
    if (!existsSync(pidFile)) continue;
    // The servers' user writes this file: signal only a server of this state directory, not whatever pid it names.
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (isStackProcess(pid, layout.root)) await stopProcess(pid, "SIGINT", 30_000);
  }
}

/**
 * local down deletes only what local up created: a directory with the stack's marker or its state file (stacks from
 * before the marker have the state file), or an empty one. Anything else — a mistyped --state-dir, a home or a
 * checkout — is refused whole, before anything is stopped or deleted.
 */
export function refuseForeignDirectory(layout: Layout): void {
  const entries = readdirSync(layout.root);
  if (entries.length === 0) return;
  const ours = [layout.markerFile, layout.stateFile].some((file) => {
    try {
      return lstatSync(file).isFile();
    } catch {
      return false;
    }
  });
  if (!ours)
    throw new LocalError(
      `${layout.root} is not a pg-read-replicas state directory (it holds ${entries.length} ${entries.length === 1 ? "entry" : "entries"} but neither ` +
        `${basename(layout.markerFile)} nor state.json): local down deletes only what local up created. Check --state-dir; ` +
        "if you mean to delete that directory, do it yourself.",
    );
}

/**
 * Stops whatever runs, deletes the stack's network namespaces (with their links and routes) and
 * removes the state directory; also after a crash, and when the state file is unreadable.
 */
export async function tearDown(
  layout: Layout,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ removed: boolean; namespaces: string[] }> {
  const namespaces = async () => (userInfo().uid === 0 ? removeNetwork(layout.root) : []);
  if (!existsSync(layout.root)) return { removed: false, namespaces: await namespaces() };
  refuseForeignDirectory(layout);
  let state: LocalState | undefined;
  try {
    state = readState(layout, env);
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
  }
  if (state) await stopEverything(layout, state);
  else await stopOrphanServers(layout);
  const removed = await namespaces();
  await removeTree(layout.root, asThisProcess());
  return { removed: true, namespaces: removed };
}
