import { describe, expect, it } from "vitest";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { localBase, patched, selfHostedBase } from "../support/configs";
import { build, setting } from "../support/topologies";

describe("topology", () => {
  it("names every node, group and slot once, from the config's replica count", () => {
    const topology = build(patched(selfHostedBase(), { replicas: "3" }));
    expect(topology.primary).toMatchObject({ name: "pg-primary-0", role: "primary", group: "pg-primary" });
    expect(topology.standbys.map((s) => [s.name, s.role, s.slot])).toEqual([
      ["pg-replica-0", "oltp", "pg_replica_0"],
      ["pg-replica-1", "oltp", "pg_replica_1"],
      ["pg-replica-2", "oltp", "pg_replica_2"],
      ["pg-olap-0", "olap", "pg_olap_0"],
    ]);
    expect(new Set(topology.standbys.map((s) => s.slot)).size).toBe(4);
  });

  it("accepts the replica count as the string `pulumi config set replicas 3` stores", () => {
    expect(build(patched(selfHostedBase(), { replicas: "3" })).standbys.filter((s) => s.role === "oltp")).toHaveLength(
      3,
    );
    expect(build(patched(selfHostedBase(), { replicas: 3 })).standbys.filter((s) => s.role === "oltp")).toHaveLength(3);
  });

  it("derives the replica count from capacity when no count is given", () => {
    const topology = build(
      patched(selfHostedBase(), {
        replicas: undefined,
        capacity: { peakReadQps: 12000, perNodeQps: 4000, safetyFactor: 1.3 },
      }),
    );
    expect(topology.standbys.filter((s) => s.role === "oltp")).toHaveLength(4);
    expect(topology.capacity?.formula).toBe("ceil(12000 / 4000 × 1.3) = ceil(3.9) = 4");
  });

  it("keeps an explicit count over capacity and warns when it is below what capacity needs", () => {
    const { topology, warnings } = topologyFromConfig(
      patched(selfHostedBase(), {
        replicas: "2",
        capacity: { peakReadQps: 12000, perNodeQps: 4000, safetyFactor: 1.3 },
      }),
    );
    expect(topology.standbys.filter((s) => s.role === "oltp")).toHaveLength(2);
    expect(warnings.join("\n")).toContain(
      "replicas is 2, below what capacity asks for: ceil(12000 / 4000 × 1.3) = ceil(3.9) = 4",
    );
  });

  it("leaves the OLAP replica out when disabled, and its pool with it", () => {
    const topology = build(patched(selfHostedBase(), { olap: { enabled: false } }));
    expect(topology.standbys.some((s) => s.role === "olap")).toBe(false);
    expect(topology.pools.olap).toBeUndefined();
  });

  it("gives the OLAP replica analytic settings and a no-cancel, no-bloat conflict policy; OLTP replicas keep theirs", () => {
    const topology = build(selfHostedBase());
    expect(setting(topology, "pg-olap", "work_mem")).toBe("128MB");
    expect(setting(topology, "pg-olap", "max_parallel_workers_per_gather")).toBe("4");
    expect(setting(topology, "pg-olap", "hot_standby_feedback")).toBe("off");
    expect(setting(topology, "pg-olap", "max_standby_streaming_delay")).toBe("-1");
    expect(setting(topology, "pg-replica", "work_mem")).toBeUndefined();
    expect(setting(topology, "pg-replica", "hot_standby_feedback")).toBe("on");
    expect(setting(topology, "pg-replica", "max_standby_streaming_delay")).toBe("5s");
    expect(setting(topology, "pg-replica", "default_transaction_read_only")).toBe("on");
    expect(setting(topology, "pg-primary", "default_transaction_read_only")).toBeUndefined();
  });

  it("applies stack-config overrides per role, normalising durations", () => {
    const topology = build(
      patched(selfHostedBase(), {
        olap: { enabled: true, settings: { work_mem: "512MB", statement_timeout: "5m" } },
        postgresql: { primary: { commit_delay: 10 } },
      }),
    );
    expect(setting(topology, "pg-olap", "work_mem")).toBe("512MB");
    expect(setting(topology, "pg-olap", "statement_timeout")).toBe("300s");
    expect(setting(topology, "pg-primary", "commit_delay")).toBe("10");
    expect(setting(topology, "pg-replica", "commit_delay")).toBeUndefined();
  });

  it("keeps the settings a standby must match identical on every node", () => {
    const topology = build(
      patched(selfHostedBase(), {
        postgresql: { maxConnections: 300 },
        olap: { enabled: true, settings: { max_parallel_workers: 12 } },
      }),
    );
    for (const name of ["max_connections", "max_wal_senders", "max_replication_slots", "max_worker_processes"]) {
      const values = new Set(topology.regions[0]!.groups.map((g) => g.settings.find((s) => s.name === name)?.value));
      expect(values.size, name).toBe(1);
    }
    expect(setting(topology, "pg-primary", "max_connections")).toBe("300");
    expect(setting(topology, "pg-primary", "max_worker_processes")).toBe("12");
  });

  it("sizes shared_buffers and effective_cache_size from each role's memory", () => {
    const topology = build(
      patched(selfHostedBase(), { resources: { primary: { memory: "8Gi" }, olap: { memory: "4Gi" } } }),
    );
    expect(setting(topology, "pg-primary", "shared_buffers")).toBe("2GB");
    expect(setting(topology, "pg-primary", "effective_cache_size")).toBe("6GB");
    expect(setting(topology, "pg-olap", "shared_buffers")).toBe("1GB");
  });

  it("names synchronous standbys only among primary-region OLTP replicas, quoted, and stably across scaling", () => {
    const sync = (replicas: string) =>
      setting(
        build(
          patched(selfHostedBase(), {
            replicas,
            replication: { synchronousCommit: "remote_write", synchronousReplicas: 1 },
          }),
        ),
        "pg-primary",
        "synchronous_standby_names",
      );
    const names = sync("2")!;
    expect(names).toMatch(/^ANY 1 \("pg-replica-0", "pg-replica-1", .*"pg-replica-14"\)$/);
    expect(names).not.toContain("olap");
    // Scaling must not change (and so restart) the primary.
    expect(sync("3")).toBe(names);
    expect(setting(build(selfHostedBase()), "pg-primary", "synchronous_standby_names")).toBeUndefined();
  });

  it("places cross-region replicas in their own groups with their own slots and a read pool per region", () => {
    const topology = build(
      patched(selfHostedBase(), {
        crossRegion: [{ region: "eu-west-1", replicas: 2, context: "eu", cidrs: ["10.20.0.0/16"] }],
      }),
    );
    const remote = topology.standbys.filter((s) => s.remote);
    expect(remote.map((s) => [s.name, s.slot, s.region])).toEqual([
      ["pg-replica-eu-west-1-0", "pg_replica_eu_west_1_0", "eu-west-1"],
      ["pg-replica-eu-west-1-1", "pg_replica_eu_west_1_1", "eu-west-1"],
    ]);
    const eu = topology.regions.find((r) => r.name === "eu-west-1")!;
    expect(eu.pools.map((p) => p.name)).toEqual(["read"]);
    expect(eu.primary).toBe(false);
    expect(!eu.primary && eu.access).toMatchObject({
      context: "eu",
      cidrs: ["10.20.0.0/16"],
      allowedCidrs: ["10.20.0.0/16"],
    });
  });

  it("defines transaction pools by default, read pool with a statement timeout and round robin", () => {
    const { pools } = build(selfHostedBase());
    expect(pools.write).toMatchObject({
      target: "primary",
      poolMode: "transaction",
      defaultPoolSize: 20,
      reservePoolSize: 5,
      maxClientConn: 1000,
    });
    expect(pools.read).toMatchObject({ target: "oltp", statementTimeoutMs: 30_000, serverRoundRobin: true });
    expect(pools.olap).toMatchObject({ target: "olap" });
    expect(pools.write.statementTimeoutMs).toBeUndefined();
  });

  it("is frozen and hashes to a new value whenever anything changes", () => {
    const a = build(selfHostedBase());
    expect(Object.isFrozen(a) && Object.isFrozen(a.standbys[0])).toBe(true);
    expect(build(selfHostedBase()).hash).toBe(a.hash);
    expect(build(patched(selfHostedBase(), { replicas: "3" })).hash).not.toBe(a.hash);
    expect(build(patched(selfHostedBase(), { verification: { maxLag: "10s" } })).hash).not.toBe(a.hash);
  });

  it("labels the local backend's single region and needs no kubernetes block", () => {
    const topology = build(localBase());
    expect(topology.region).toBe("local");
    expect(topology.backend).toBe("local");
    expect("kubernetes" in topology).toBe(false);
    expect(topology.access.tls).toBe(false);
  });
});
