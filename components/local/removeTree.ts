/**
 * Deleting a directory tree the servers' user owns or can write. Node's recursive rmSync looks each path up again as
 * it goes, so a directory swapped for a link mid-walk would be followed; GNU rm walks by descriptor (fts with openat,
 * no links followed) and stays on one file system. Run as the tree's owner where that is enough, so a mistake
 * deletes no more than that user could.
 */
import { run } from "./exec";
import type { RunAs } from "./identity";

export async function removeTree(path: string, runAs: RunAs): Promise<void> {
  await run("rm", ["-rf", "--one-file-system", "--", path], { runAs });
}

/** Who this process is, for what it deletes itself (the state root, which is root's). */
export function asThisProcess(): RunAs {
  return { user: "", uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0, home: "/", switchUser: false };
}
