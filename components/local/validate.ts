/** Rules of the local backend, which runs every server and pool on this machine. */
import type { ResolvedLocal } from "../config/resolve";
import { cidrContains, parseCidr } from "../ground/units";
import { join, relative, isAbsolute } from "node:path";
import { PROJECT_ROOT } from "../ground/paths";

/** Where local stacks keep their state by default (ground/paths.ts defaultStateDir). */
const STATE_ROOT = join(PROJECT_ROOT, ".pg-read-replicas");

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}
import { pools } from "../topology/validate/common";
import type { Check } from "../topology/validate/rule";

function onePoolerEach(config: ResolvedLocal): Check {
  return ({ issues }) => {
    if (config.pgbouncer.instances === 1) return;
    issues.push({
      key: "pgbouncer.instances",
      value: config.pgbouncer.instances,
      problem: "must be 1 for the local backend, which runs one PgBouncer per pool on this machine",
      fix: "remove pgbouncer.instances from the local stack",
    });
  };
}

function admitsLoopback(config: ResolvedLocal): Check {
  return ({ issues }) => {
    const loopback = parseCidr("127.0.0.1/32");
    for (const [key, list] of [
      ["allowedCidrs", config.allowedCidrs],
      ["replicationCidrs", config.replicationCidrs],
    ] as const) {
      const admits = list.some((text) => {
        const cidr = parseCidr(text);
        return cidr !== undefined && loopback !== undefined && cidrContains(cidr, loopback);
      });
      if (list.length === 0 || admits) continue;
      issues.push({
        key,
        value: list,
        problem: "does not admit 127.0.0.1, where every local server and pool connects from",
        fix: `add "127.0.0.1/32" to ${key}`,
      });
    }
  };
}

/** `local down` deletes a stack's state directory: a repository inside any of them would go with it. */
function repositoryOutsideState(config: ResolvedLocal): Check {
  return ({ issues }) => {
    const repository = config.backup.repository;
    if (repository === undefined || !isInside(repository, STATE_ROOT)) return;
    issues.push({
      key: "backup.repository",
      value: repository,
      problem: `is inside ${STATE_ROOT}, where the local stacks' state lives: local down would delete the backups`,
      fix: "use a directory outside it, or leave backup.repository unset (~/.pg-read-replicas/backups/<stack>)",
    });
  };
}

export function localRules(config: ResolvedLocal): Check[] {
  return [onePoolerEach(config), admitsLoopback(config), pools(config), repositoryOutsideState(config)];
}
