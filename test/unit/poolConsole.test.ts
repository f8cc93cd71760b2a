/**
 * Issue 25, item 9: the application user is no stats user of any pool. PgBouncer admits to its console only
 * admin_users and stats_users (PGBOUNCER.consoleLogins), and a stats user's SHOW CLIENTS lists every client's user
 * and address. The Kubernetes pools' readiness probe logs in as a login of its own (PROBE_USER, in the userlist
 * only); the local pools' controller as their admin user; the exporter's role is a stats user when monitoring is on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reservedUser } from "../../components/config/reservedNames";
import { PGBOUNCER } from "../../components/facts/postgres";
import { PROBE_USER } from "../../components/kubernetes/conventions";
import { poolReadinessCommand } from "../../components/kubernetes/statefulset/manifests/pgbouncer";
import { renderPoolIni } from "../../components/kubernetes/statefulset/files";
import { renderLocalPoolIni } from "../../components/local/pgbouncerProcess";
import type { Pool, Topology } from "../../components/topology/types";
import { localConfig, selfHostedConfig } from "../support/arbitraries";
import { localBase, patched, refusalMessage, selfHostedBase } from "../support/configs";
import { accepted, stackTopology } from "../support/topologies";

const poolsOf = (topology: Topology): Pool[] =>
  [topology.pools.write, topology.pools.read, topology.pools.olap].filter((p): p is Pool => p !== undefined);
const listed = (ini: string, key: string) =>
  (new RegExp(`^${key} = (.*)$`, "m").exec(ini)?.[1] ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);

/** Every pool's pgbouncer.ini as its backend renders it. */
function inis(topology: Topology): string[] {
  if (topology.backend === "aurora") return [];
  return poolsOf(topology).map((pool) =>
    topology.backend === "local"
      ? renderLocalPoolIni(
          {
            topology,
            layout: { poolUserlist: () => "/tmp/userlist.txt" },
            keyOf: (p: Pool) => p.name,
            serverTls: { sslmode: "disable" },
            pgbouncerVersion: "1.24.1",
          } as never,
          pool,
          { host: "127.0.0.1", port: 6432 },
          { host: "127.0.0.1", port: 5432 },
        )
      : renderPoolIni(topology, pool),
  );
}

describe("the pools' console", () => {
  it("is PgBouncer's for admin_users and stats_users only; a stats user sees every client", () => {
    expect(PGBOUNCER.consoleLogins.value).toEqual({
      admitted: ["admin_users", "stats_users"],
      refusal: "not allowed",
      statsUsersSee: "SHOW CLIENTS",
    });
  });

  it("admits the probe and the exporter on a Kubernetes pool, and the probe logs in as its own user", () => {
    const topology = stackTopology("staging", "selfHosted");
    for (const ini of inis(topology)) expect(listed(ini, "stats_users")).toEqual([PROBE_USER, "pgrr_monitor"]);
    const script = poolReadinessCommand(topology).join(" ");
    expect(script).toContain(`-U ${PROBE_USER} -d pgbouncer`);
    expect(script).toMatch(/PGPASSWORD="\$PROBE_PASSWORD" exec psql/);
  });

  it("never admits the application user, on any generated stack of either backend with pools", () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.oneof(selfHostedConfig, localConfig), (config) => {
        const topology = accepted(config)?.topology;
        if (!topology) return;
        for (const ini of inis(topology)) {
          expect(listed(ini, "stats_users")).not.toContain(topology.user);
          expect(listed(ini, "admin_users")).not.toContain(topology.user);
        }
        checked++;
      }),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(15);
  });

  it.each([
    ["selfHosted", selfHostedBase()],
    ["local", localBase()],
  ])("keeps the probe's name from the application user (%s)", (_backend, base) => {
    expect(reservedUser(PROBE_USER, "replicator")).toBeDefined();
    expect(refusalMessage(patched(base, { user: PROBE_USER }))).toContain(`pg-read-replicas:user = "${PROBE_USER}"`);
  });
});
