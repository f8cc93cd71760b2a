/**
 * The write pool retries a failed server connect after 250 ms, the others after 2 s, in every engine's rendering:
 * PgBouncer does not retry sooner even when a reload has pointed the pool at the new writer (facts/postgres
 * PGBOUNCER loginRetryAfterFailedConnect), so after a failover this is how long writes wait beyond the promotion
 * (npm run bench:failover measures it: 2.06 s → 0.3–0.6 s from the kill to the first acknowledged write). A RELOAD
 * setting: a running pool takes it without a restart.
 */
import { describe, expect, it } from "vitest";
import { PGBOUNCER } from "../../components/facts/postgres";
import { poolerParameters } from "../../components/kubernetes/cnpg/pooler";
import { renderPoolIni } from "../../components/kubernetes/statefulset/files";
import { poolRestartSettings } from "../../components/kubernetes/statefulset/restartHashes";
import { renderPgbouncerIni } from "../../components/render/pgbouncerIni";
import type { Pool, Topology } from "../../components/topology/types";
import { cnpgTopology, stackTopology } from "../support/topologies";

const retryOf = (ini: string) => /^server_login_retry = (.*)$/m.exec(ini)?.[1];
const poolsOf = (topology: Topology): Pool[] =>
  [topology.pools.write, topology.pools.read, topology.pools.olap].filter((p): p is Pool => p !== undefined);
const expected = { write: "0.25", read: "2", olap: "2" } as const;
const localPlacement = {
  target: { host: "127.0.0.1", port: 5432 },
  listen: { host: "127.0.0.1", port: 6432 },
  authFile: "/tmp/userlist.txt",
  serverTls: { sslmode: "disable" as const },
};

describe("server_login_retry per pool", () => {
  it("is what PgBouncer waits after a failed connect, whatever a reload changed", () => {
    expect(PGBOUNCER.loginRetryAfterFailedConnect.value).toBe(true);
    expect(PGBOUNCER.noReloadSettings.value).not.toContain("server_login_retry");
  });

  it.each(["local", "staging", "prod"])("is short on the write pool only, in the %s stack", (stack) => {
    const topology = stackTopology(stack, stack === "local" ? "local" : "selfHosted");
    for (const pool of poolsOf(topology)) {
      const ini =
        topology.backend === "local"
          ? renderPgbouncerIni(topology, pool, localPlacement)
          : renderPoolIni(topology, pool);
      expect(retryOf(ini), pool.name).toBe(expected[pool.name]);
    }
  });

  it("is the same in every cloudnative-pg Pooler", () => {
    const topology = cnpgTopology();
    for (const pool of poolsOf(topology))
      expect(poolerParameters(topology, pool).server_login_retry, pool.name).toBe(expected[pool.name]);
  });

  it("reaches a running pool by RELOAD: it is not among the restart settings", () => {
    const topology = stackTopology("prod", "selfHosted");
    const restart = poolRestartSettings(renderPoolIni(topology, topology.pools.write));
    expect(restart.filter((line) => line.startsWith("server_login_retry"))).toEqual([]);
  });
});
