/** Rules of the local backend, which runs every server and pool on this machine. */
import type { ResolvedLocal } from "../config/resolve";
import { cidrContains, parseCidr } from "../ground/units";
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

export function localRules(config: ResolvedLocal): Check[] {
  return [onePoolerEach(config), admitsLoopback(config), pools(config)];
}
