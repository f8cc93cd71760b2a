/**
 * Invariants of the model, over generated stack configs: what validation
 * accepts always builds; standbys match the primary where PostgreSQL insists;
 * pools fit the nodes; the hash moves with every rendered file.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderBootstrapSql } from "../../components/render/bootstrapSql";
import { renderPgHba } from "../../components/render/pgHba";
import { renderPgbouncerIni } from "../../components/render/pgbouncerIni";
import { renderPostgresqlConf } from "../../components/render/postgresqlConf";
import { renderSeedReplicaScript } from "../../components/render/seedReplicaScript";
import { renderVerifyScript } from "../../components/render/verifyScript";
import { CONNECTION_HEADROOM } from "../../components/topology/validate/common";
import { allGroups, allPools } from "../../components/topology/queries";
import type { Topology } from "../../components/topology/types";
import { anyConfig, localConfig, selfHostedConfig } from "../support/arbitraries";
import type { Raw } from "../support/configs";
import { accepted, setting } from "../support/topologies";

/** Every file rendered from a topology, with the hash in their headers blanked out. */
function renderedFiles(topology: Topology): string[] {
  const paths = { hbaFile: "/h", identFile: "/i", socketDirectory: "/s" };
  const files = [
    ...allGroups(topology).map((group) =>
      renderPostgresqlConf(topology, group, { port: topology.port, listenAddresses: "*" }, paths),
    ),
    ...topology.regions.map((region) => renderPgHba(topology, region.name)),
    ...allPools(topology).map((pool) =>
      renderPgbouncerIni(topology, pool, {
        target: { host: "t", port: 1 },
        listen: { host: "l", port: 2 },
        authFile: "/a",
        serverTls: { sslmode: "disable" },
      }),
    ),
    renderBootstrapSql(topology),
    renderSeedReplicaScript(topology),
    renderVerifyScript(topology, {
      mode: "primary",
      region: topology.region,
      writer: { host: "w", port: 1 },
      readers: topology.standbys.map((node) => ({ node, endpoint: { host: node.name, port: 1 } })),
      pools: allPools(topology).map((pool) => ({ pool, endpoint: { host: pool.service, port: 1 } })),
    }),
  ];
  return files.map((text) => text.replaceAll(topology.hash, "<hash>"));
}

describe("topology properties", () => {
  it("builds every config validation accepts, and refuses the rest only with a ConfigError", () => {
    let built = 0;
    fc.assert(
      fc.property(anyConfig, (config) => {
        if (accepted(config)) built++;
      }),
      { numRuns: 400 },
    );
    // A property over only refusals would prove nothing: about 58% of generated configs are valid
    // (the generators also aim at cross-field mistakes), so about 230 of 400, 100 with a wide margin.
    expect(built).toBeGreaterThan(100);
  });

  it("gives every standby the primary's max_connections, max_worker_processes and max_wal_senders", () => {
    fc.assert(
      fc.property(fc.oneof(selfHostedConfig, localConfig), (config) => {
        const topology = accepted(config)?.topology;
        if (!topology) return;
        const groups = allGroups(topology);
        const primary = groups.find((g) => g.role === "primary")!;
        for (const name of ["max_connections", "max_worker_processes", "max_wal_senders", "max_replication_slots"]) {
          for (const group of groups)
            expect(setting(topology, group, name), `${group.name} ${name}`).toBe(setting(topology, primary, name));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("fits every pool's server connections on one node, leaving the headroom", () => {
    fc.assert(
      fc.property(fc.oneof(selfHostedConfig, localConfig), (config) => {
        const topology = accepted(config)?.topology;
        if (!topology) return;
        const maxConnections = Number(setting(topology, allGroups(topology)[0]!, "max_connections"));
        for (const pool of allPools(topology)) {
          expect(pool.instances * (pool.defaultPoolSize + pool.reservePoolSize)).toBeLessThanOrEqual(
            maxConnections - CONNECTION_HEADROOM,
          );
          expect(pool.defaultPoolSize + pool.reservePoolSize).toBeLessThanOrEqual(pool.maxClientConn);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("changes the hash whenever a rendered file changes", () => {
    /** One key changed at a time: the smallest edits a user makes between two `pulumi up`s. */
    const mutation = fc.constantFrom<(config: Raw) => Raw>(
      (c) => ({ ...c, replicas: 3, capacity: undefined }),
      (c) => ({ ...c, postgresql: { ...(c.postgresql as Raw), maxConnections: 777 } }),
      (c) => ({ ...c, postgresql: { ...(c.postgresql as Raw), replica: { work_mem: "48MB" } } }),
      (c) => ({ ...c, replication: { ...(c.replication as Raw), maxLagBytes: "32MB" } }),
      (c) => ({ ...c, pgbouncer: { ...(c.pgbouncer as Raw), defaultPoolSize: 7 } }),
      (c) => ({ ...c, olap: { enabled: !(c.olap as { enabled?: boolean } | undefined)?.enabled } }),
      (c) => ({ ...c, verification: { timeout: "7m", maxLag: "2s" } }),
      (c) => ({ ...c, allowedCidrs: [...(c.allowedCidrs as string[]), "10.99.0.0/16"] }),
    );
    fc.assert(
      fc.property(fc.oneof(selfHostedConfig, localConfig), mutation, (config, mutate) => {
        const before = accepted(config)?.topology;
        const after = accepted(mutate(structuredClone(config)))?.topology;
        if (!before || !after) return;
        expect(accepted(structuredClone(config))?.topology.hash).toBe(before.hash);
        const filesChanged = JSON.stringify(renderedFiles(before)) !== JSON.stringify(renderedFiles(after));
        if (filesChanged) expect(after.hash).not.toBe(before.hash);
      }),
      { numRuns: 300 },
    );
  });
});
