/**
 * Which code the stack's daemons (the read pool controller, the pools' exporter) run. `local up` on a running stack
 * keeps a daemon that is alive, so after the checkout changes (a pull, an upgrade of this tool) it would go on running
 * the code it started with, against pools and files the new code writes. So each daemon is started with the digest of
 * the code as it is on disk, recorded in the state, and an `up` that finds the code changed restarts it: a few seconds
 * without the controller's reconciling (the pools keep serving on the hosts they have) or a missed scrape.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../ground/paths";

/** What a daemon bundle is built from: the components' sources (its entry among them), the locked dependencies. */
function daemonSources(root: string): string[] {
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(".ts")) sources.push(path);
    }
  };
  walk(join(root, "components"));
  return [...sources, join(root, "package-lock.json")];
}

/** A digest of every file a daemon started now would run, by path and content. */
export function daemonCodeDigest(root: string = PROJECT_ROOT): string {
  const hash = createHash("sha256");
  for (const file of daemonSources(root)) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 32);
}

/** Whether a daemon started with `recorded` (undefined: by a version that recorded none) runs other code than `now`. */
export function runsOldCode(recorded: string | undefined, now: string): boolean {
  return recorded !== now;
}
