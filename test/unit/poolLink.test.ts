/**
 * Pools notice a server whose node stopped answering in seconds, not PgBouncer's default (the OS's two-hour
 * keepalive, no TCP_USER_TIMEOUT): the client whose transaction was on that server gets an error instead of waiting
 * for hours, and a pool's SIGTERM shutdown (which waits for every client) is not held by it. That wait was the
 * node-loss failover's write pool restart (facts/postgres/poolLink.ts). Every pool of every engine, each a reload.
 */
import { describe, expect, it } from "vitest";
import { PGBOUNCER, POOL_LINK } from "../../components/facts/postgres";
import { poolerParameters } from "../../components/kubernetes/cnpg/pooler";
import { poolRestartSettings } from "../../components/kubernetes/statefulset/restartHashes";
import { renderPoolIni } from "../../components/kubernetes/statefulset/files";
import { renderPgbouncerIni } from "../../components/render/pgbouncerIni";
import type { Pool, Topology } from "../../components/topology/types";
import { cnpgTopology, stackTopology } from "../support/topologies";

function ini(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)\s*=\s*(.*)$/.exec(line.trim());
    if (match) values.set(match[1]!, match[2]!);
  }
  return values;
}

const poolsOf = (topology: Topology): Pool[] =>
  [topology.pools.write, topology.pools.read, topology.pools.olap].filter((p): p is Pool => p !== undefined);

const { tcp_keepidle, tcp_keepintvl, tcp_keepcnt, tcp_user_timeout } = POOL_LINK.tcp.value;

describe("PgBouncer's links to its servers", () => {
  it("find a silent server within seconds: keepalives after 5 s idle, tcp_user_timeout for unacknowledged data", () => {
    expect(Number(tcp_keepidle) + Number(tcp_keepintvl) * Number(tcp_keepcnt)).toBeLessThanOrEqual(15);
    expect(Number(tcp_user_timeout)).toBeGreaterThan(0);
    expect(Number(tcp_user_timeout)).toBeLessThanOrEqual(15_000);
    // What the defaults were: the client on a dead server waited, and the pool's shutdown with it.
    expect(POOL_LINK.failedServerEndsClient.value).toBe(true);
    expect(POOL_LINK.sigtermWaitsForClients.value).toBe(true);
  });

  it.each(["staging", "prod"])("are in every pool's pgbouncer.ini of the %s stack (statefulset engine)", (stack) => {
    const topology = stackTopology(stack, "selfHosted");
    for (const pool of poolsOf(topology)) {
      const values = ini(renderPoolIni(topology, pool));
      for (const [key, value] of Object.entries(POOL_LINK.tcp.value))
        expect(values.get(key), `${pool.name} ${key}`).toBe(value);
    }
  });

  it("are in the local backend's pools (the same renderer, the local placement)", () => {
    const topology = stackTopology("local", "local");
    const endpoint = { host: "127.0.0.1", port: 6432 };
    const placement = {
      target: endpoint,
      listen: endpoint,
      authFile: "/tmp/userlist.txt",
      serverTls: { sslmode: "disable" as const },
    };
    for (const pool of poolsOf(topology)) {
      const values = ini(renderPgbouncerIni(topology, pool, { ...placement, adminUser: "pgrr_admin" }));
      for (const [key, value] of Object.entries(POOL_LINK.tcp.value))
        expect(values.get(key), `${pool.name} ${key}`).toBe(value);
    }
  });

  it("are in every cloudnative-pg Pooler's parameters", () => {
    const topology = cnpgTopology();
    for (const pool of poolsOf(topology))
      expect(poolerParameters(topology, pool), pool.name).toMatchObject(POOL_LINK.tcp.value);
  });

  it("reach a running pool by RELOAD: none of them changes a pool's restart hash", () => {
    const noReload = new Set(PGBOUNCER.noReloadSettings.value);
    for (const key of Object.keys(POOL_LINK.tcp.value)) expect(noReload.has(key), key).toBe(false);
    const topology = stackTopology("prod", "selfHosted");
    const restart = poolRestartSettings(renderPoolIni(topology, topology.pools.write));
    expect(restart.filter((line) => line.startsWith("tcp_"))).toEqual([]);
  });
});
